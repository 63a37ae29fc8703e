"""Contributor tooling does what CONTRIBUTING says: pre-commit, `make notebooks`, live config."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import ROOT


def _hooks() -> dict:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}


def test_pre_commit_runs_the_same_checks_as_make_lint():
    hooks = _hooks()
    assert hooks["lint"]["entry"] == "make lint"
    assert "tests/test_twins.py" in hooks["twins"]["entry"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check" in lint and "ruff format --check" in lint


def test_pre_commit_config_is_valid():
    executable = Path(sys.executable).with_name("pre-commit")
    if not executable.exists():
        executable = shutil.which("pre-commit")
    if executable is None:
        pytest.skip("pre-commit is not installed (make setup installs it)")
    result = subprocess.run(
        [str(executable), "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a ceiling: it takes a second
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _target(name: str) -> str:
    """The recipe of one Makefile target (its lines up to the next blank line)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return makefile.split(f"\n{name}:", 1)[1].split("\n\n", 1)[0]


def test_make_notebooks_runs_the_authoring_tool_not_a_benchmark():
    recipe = _target("notebooks")
    assert "tools/execute_notebooks.py" in recipe and "benchmarks/" not in recipe
    assert (ROOT / "tools" / "execute_notebooks.py").is_file()


def _expand(pattern: str) -> list[str]:
    """A glob with `{a,b}` alternatives, as ruff reads it, as plain globs."""
    braces = re.search(r"\{([^}]*)\}", pattern)
    if not braces:
        return [pattern]
    head, tail = pattern[: braces.start()], pattern[braces.end() :]
    return [glob for choice in braces.group(1).split(",") for glob in _expand(head + choice + tail)]


def test_pyproject_names_only_files_and_folders_that_exist():
    """Dead configuration goes: every path a ruff per-file rule or a comment names is there."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for pattern in tomllib.loads(text)["tool"]["ruff"]["lint"]["per-file-ignores"]:
        for glob in _expand(pattern):
            found = ROOT.glob(glob) if "/" in glob else ROOT.rglob(glob)
            assert next(iter(found), None), f"pyproject.toml: per-file-ignores for missing {glob}"
    for named in re.findall(r"\b((?:tests|course_utils|tools|benchmarks)/[\w/]+\.py)\b", text):
        assert (ROOT / named).is_file(), f"pyproject.toml names {named}, which does not exist"


@pytest.mark.slow  # starts a kernel
def test_execute_notebooks_stores_fresh_outputs_without_widget_state(tmp_path):
    import nbformat

    sys.path.insert(0, str(ROOT / "tools"))
    from execute_notebooks import store_outputs

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("print(6 * 7)")]
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    notebook.metadata["kernelspec"] = {"name": "other", "display_name": "Other"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    assert store_outputs(path) > 0
    stored = nbformat.read(path, as_version=4)
    assert stored.cells[0].outputs[0]["text"] == "42\n"
    assert "widgets" not in stored.metadata
    assert stored.metadata["kernelspec"]["name"] == "python3"
