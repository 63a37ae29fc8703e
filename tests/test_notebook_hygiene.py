"""Every chapter notebook is stored clean, executed once in order, and shaped like a chapter."""

import json
import re

import pytest
from conftest import NOTEBOOKS, ROOT
from nbval_tolerance import tolerance_of

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
    assert path.stat().st_size <= MAX_BYTES, (
        f"{path.name}: {path.stat().st_size / 1e6:.2f} MB > 2 MB"
    )


def test_kernelspec_is_python3(notebook):
    path, nb = notebook
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: kernelspec must be python3"
    )


def test_executed_once_in_order(notebook):
    path, nb = notebook
    counts = [c.get("execution_count") for c in _code_cells(nb) if "".join(c["source"]).strip()]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"


def test_no_errors_warnings_or_widget_state(notebook):
    path, nb = notebook
    assert "widgets" not in nb["metadata"], f"{path.name}: leftover widget state in metadata"
    for i, cell in enumerate(_code_cells(nb)):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", (
                f"{path.name}, code cell {i}: stored error output"
            )
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), (
                f"{path.name}, code cell {i}: widget output stored "
                "(run with COURSE_PLAIN_PROGRESS=1)"
            )
            text = _text(output)
            assert "Warning" not in text, (
                f"{path.name}, code cell {i}: a warning in the output: {text[:200]}"
            )
            assert not ABSOLUTE_PATH.search(text), (
                f"{path.name}, code cell {i}: absolute path in output"
            )


def test_has_outputs_and_chapter_shape(notebook):
    path, nb = notebook
    assert any(c.get("outputs") for c in _code_cells(nb)), f"{path.name}: stored without outputs"
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in _code_cells(nb))
    assert re.match(r"#\s+\S", "".join(nb["cells"][0]["source"])), (
        f"{path.name}: must open with a # title"
    )
    for heading in ("## Summary", "## Exercises", "## Going further"):
        assert heading in markdown, f"{path.name}: missing '{heading}'"
    setup_cell = "".join(_code_cells(nb)[0]["source"])
    assert re.search(r"^(\w+(, \w+)? = )?setup\(seed=0[,)]", setup_cell, re.M), (
        f"{path.name}: the first code cell must make the one setup call, `setup(seed=0)`"
    )
    assert "set_num_threads" not in code, (
        f"{path.name}: the thread policy lives in course_utils.runtime"
    )
    assert "{solution-start}" in markdown and "{exercise}" in markdown, (
        f"{path.name}: exercises need solutions"
    )
    assert "import *" not in code, f"{path.name}: no star imports"


def test_no_notebook_outside_the_chapter_folder():
    stray = [p for p in ROOT.glob("*.ipynb")] + [p for p in (ROOT / "book").glob("*.ipynb")]
    assert not stray, f"notebooks belong in notebooks/: {stray}"


IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
IGNORE_BUDGET = 5
PROGRESS_BAR = re.compile(r"[\u2588-\u258f]|\d+(\.\d+)?(it/s|s/it)")


def test_ignored_outputs_stay_within_the_budget_and_say_why():
    """At most 5 cells in the course ignore their output, each tagged (not a visible comment)."""
    ignored = []
    for path in NOTEBOOKS:
        for i, cell in enumerate(_load(path)["cells"]):
            source = "".join(cell["source"])
            assert "NBVAL_" not in source, (
                f"{path.name}, cell {i}: a visible nbval comment marker; use a cell tag instead"
            )
            if IGNORE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
                reason = cell["metadata"].get("ignore_reason", "")
                assert len(reason) > 20, (
                    f"{path.name}, cell {i}: an ignored cell needs an ignore_reason"
                )
                ignored.append(f"{path.name} cell {i}")
    assert len(ignored) <= IGNORE_BUDGET, f"{len(ignored)} cells ignore their output: {ignored}"


def test_tolerant_cells_declare_why_and_guard_their_lesson():
    """A cell compared within a tolerance says why, and keeps an assert of its claim."""
    for path in NOTEBOOKS:
        for i, cell in enumerate(_load(path)["cells"]):
            metadata = cell.get("metadata", {})
            if "tolerance" not in metadata:
                continue
            assert cell["cell_type"] == "code", (
                f"{path.name}, cell {i}: tolerance on a non-code cell"
            )
            rtol, atol = tolerance_of(metadata)
            assert rtol > 0 or atol > 0, (
                f"{path.name}, cell {i}: a tolerance of zero is no tolerance"
            )
            assert len(metadata["tolerance"].get("reason", "")) > 10, (
                f"{path.name}, cell {i}: say in tolerance.reason why the numbers may move"
            )
            assert re.search(r"^\s*assert ", "".join(cell["source"]), re.M), (
                f"{path.name}, cell {i}: a loosely compared cell must assert its lesson"
            )


def test_no_progress_bars_in_stored_outputs(notebook):
    path, nb = notebook
    for i, cell in enumerate(_code_cells(nb)):
        for output in cell.get("outputs", []):
            text = _text(output)
            assert not PROGRESS_BAR.search(text), (
                f"{path.name}, code cell {i}: a progress bar in the stored output: {text[:120]!r}"
            )


def _decimals(numeral: str) -> int:
    return len(numeral.split(".")[1]) if "." in numeral else 0


def test_numbers_quoted_in_the_prose_match_the_outputs(notebook):
    """A measured number the prose quotes is the number the cell printed (to the quoted digits)."""
    path, nb = notebook
    by_id = {cell.get("id"): cell for cell in nb["cells"]}
    for i, cell in enumerate(nb["cells"]):
        for quote in cell.get("metadata", {}).get("quotes", []):
            where = f"{path.name}, cell {i}, quote {quote.get('text')!r}"
            assert cell["cell_type"] == "markdown", f"{where}: quotes belong on markdown cells"
            assert quote["text"] in "".join(cell["source"]), f"{where}: not in the cell's text"
            source = by_id.get(quote["cell"])
            assert source is not None and source["cell_type"] == "code", (
                f"{where}: no code cell with id {quote['cell']!r}"
            )
            outputs = "".join(_text(o) for o in source.get("outputs", []))
            pattern = re.compile(quote["pattern"])
            assert pattern.groups == 1, f"{where}: the pattern needs exactly one group"
            found = pattern.search(outputs)
            assert found, f"{where}: pattern {quote['pattern']!r} not found in the cell's output"
            measured = float(found.group(1)) * quote.get("scale", 1)
            quoted = float(quote["text"].replace(",", ""))
            allowed = 0.5 * 10 ** -_decimals(quote["text"]) + 1e-9
            assert abs(measured - quoted) <= allowed, (
                f"{where}: the output now says {measured:g}; update the prose"
            )


BOOK_COLUMN = 88  # characters of code font the book shows before a line scrolls sideways


def _shown_text(output) -> str:
    """The text a reader sees as text (HTML and images are shown as what they are)."""
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    if "text/html" in data or "image/png" in data:
        return ""
    return "".join(data.get("text/plain", ""))


def test_nothing_scrolls_sideways_in_the_book(notebook):
    """Code lines and stored text output lines fit the book's column (88 characters)."""
    path, nb = notebook
    for i, cell in enumerate(_code_cells(nb)):
        for line in "".join(cell["source"]).splitlines():
            assert len(line) <= BOOK_COLUMN, (
                f"{path.name}, code cell {i}: code line too long: {line!r}"
            )
        for output in cell.get("outputs", []):
            for line in _shown_text(output).splitlines():
                assert len(line) <= BOOK_COLUMN, (
                    f"{path.name}, code cell {i}: output line too long: {line[:100]!r}"
                )
