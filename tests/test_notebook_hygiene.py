"""Every chapter notebook is stored clean, executed once in order, and shaped like a chapter."""

import json
import re

import pytest
from conftest import NOTEBOOKS, ROOT

MAX_BYTES = 2_000_000
ABSOLUTE_PATH = re.compile(r"(/home/|/root/|/work/|/tmp/|/Users/|[A-Z]:\\\\|site-packages)")
NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _text(output):
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    return "".join(data.get("text/plain", "")) + "".join(data.get("text/html", ""))


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, _load(request.param)


def test_name_and_size(notebook):
    path, _ = notebook
    assert NAME.match(path.name), f"{path.name}: name must be NN_topic.ipynb"
    assert path.stat().st_size <= MAX_BYTES, f"{path.name}: {path.stat().st_size / 1e6:.2f} MB > 2 MB"


def test_kernelspec_is_python3(notebook):
    path, nb = notebook
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"


def test_executed_once_in_order(notebook):
    path, nb = notebook
    counts = [c.get("execution_count") for c in _code_cells(nb) if "".join(c["source"]).strip()]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"


def test_no_errors_warnings_or_widget_state(notebook):
    path, nb = notebook
    assert "widgets" not in nb["metadata"], f"{path.name}: leftover widget state in metadata"
    for i, cell in enumerate(_code_cells(nb)):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{path.name}, code cell {i}: stored error output"
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), (
                f"{path.name}, code cell {i}: widget output stored (run with COURSE_PLAIN_PROGRESS=1)")
            text = _text(output)
            assert "Warning" not in text, f"{path.name}, code cell {i}: a warning in the output: {text[:200]}"
            assert not ABSOLUTE_PATH.search(text), f"{path.name}, code cell {i}: absolute path in output"


def test_has_outputs_and_chapter_shape(notebook):
    path, nb = notebook
    assert any(c.get("outputs") for c in _code_cells(nb)), f"{path.name}: stored without outputs"
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in _code_cells(nb))
    assert re.match(r"#\s+\S", "".join(nb["cells"][0]["source"])), f"{path.name}: must open with a # title"
    for heading in ("## Summary", "## Exercises", "## Going further"):
        assert heading in markdown, f"{path.name}: missing '{heading}'"
    assert "seed_everything(0)" in code, f"{path.name}: the setup cell must call seed_everything(0)"
    assert "{solution-start}" in markdown and "{exercise}" in markdown, f"{path.name}: exercises need solutions"
    assert "import *" not in code, f"{path.name}: no star imports"


def test_no_notebook_outside_the_chapter_folder():
    stray = [p for p in ROOT.glob("*.ipynb")] + [p for p in (ROOT / "book").glob("*.ipynb")]
    assert not stray, f"notebooks belong in notebooks/: {stray}"
