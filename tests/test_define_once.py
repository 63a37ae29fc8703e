"""Define once: no function or class is defined in more than one chapter notebook.

A helper that two chapters need lives in `course_utils`, tested, and both import it. A few
short lesson functions share a name across chapters but compute different things (listed in
`DIFFERENT_THINGS`); the test checks that their definitions really differ, so a copy cannot
hide behind a shared name.
"""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

# Names that several chapters define for different lesson code (not copies of one helper).
DIFFERENT_THINGS = {
    "receptive_field",  # an input-gradient map of all-ones convolutions / a patch side in pixels
    "relative_change",  # a median over digits of feature changes / one norm ratio
    "train",  # each chapter's own small training loop, for its own experiment
}


def _definitions(notebook: Path) -> dict[str, str]:
    """Top-level functions and classes of a notebook's code cells: name -> AST dump (no
    docstring), so that two definitions can be compared."""
    found = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.parse("\n".join(lines)).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                body = node.body
                if (
                    body
                    and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                ):
                    node.body = body[1:] or body
                found[node.name] = ast.dump(node)
    return found


def _repeated() -> dict[str, dict[str, str]]:
    """name -> {notebook stem: definition} for every name defined in two or more notebooks."""
    where: dict[str, dict[str, str]] = defaultdict(dict)
    for notebook in NOTEBOOKS:
        for name, dump in _definitions(notebook).items():
            where[name][notebook.stem] = dump
    return {name: stems for name, stems in sorted(where.items()) if len(stems) > 1}


def test_the_chapters_are_found():
    assert len(NOTEBOOKS) >= 11


def test_no_function_or_class_is_defined_in_two_chapters():
    repeated = {
        name: sorted(stems) for name, stems in _repeated().items() if name not in DIFFERENT_THINGS
    }
    assert not repeated, (
        "defined in more than one chapter (move it to course_utils, tested, and import it): "
        f"{repeated}"
    )


def test_names_shared_by_different_lesson_code_are_not_copies():
    repeated = _repeated()
    for name in DIFFERENT_THINGS:
        if name not in repeated:
            continue  # no longer shared: fine (the entry can go)
        dumps = list(repeated[name].values())
        assert len(set(dumps)) == len(dumps), f"{name} is copied between {sorted(repeated[name])}"


def test_the_check_sees_a_repeated_definition(tmp_path):
    cell = {
        "cell_type": "code",
        "source": ["def helper():\n", '    """Doc."""\n', "    return 1\n"],
    }
    for stem in ("a", "b"):
        (tmp_path / f"{stem}.ipynb").write_text(json.dumps({"cells": [cell]}), encoding="utf-8")
    first, second = (_definitions(tmp_path / f"{stem}.ipynb") for stem in ("a", "b"))
    assert list(first) == ["helper"] and first == second
