"""Contributor tooling does what CONTRIBUTING says: pre-commit runs `make lint` and the twins."""

import shutil
import subprocess
import sys
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
