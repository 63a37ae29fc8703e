"""A chapter's setup cell is imports plus one `setup(...)` call, at most 10 lines of code.

Its first code cell imports what the first lessons use and calls `setup` once; everything
else is imported in the cell that first uses it. A chapter downloaded on its own, where
`course_utils` cannot be imported, stops in that cell with one message that says how to get
the course.
"""

import ast
import json
import subprocess
import sys

import pytest
from conftest import NOTEBOOKS

MAX_LINES = 10  # lines of code: blank lines and comment lines are not counted


def _setup_source(path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def _code_lines(source: str) -> list[str]:
    return [
        line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def _statements(source: str) -> list[ast.stmt]:
    """The cell's statements, the body of its try (the import guard) in place of the try."""
    found = []
    for node in ast.parse(source).body:
        found += node.body if isinstance(node, ast.Try) else [node]
    return found


def _is_setup_call(node: ast.stmt) -> bool:
    value = node.value if isinstance(node, ast.Assign | ast.Expr) else None
    while isinstance(value, ast.Attribute):  # setup(seed=0).device
        value = value.value
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "setup"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_setup_cell_is_imports_plus_one_call(path):
    source = _setup_source(path)
    lines = _code_lines(source)
    assert len(lines) <= MAX_LINES, f"{path.name}: setup cell has {len(lines)} lines of code"
    statements = _statements(source)
    calls = [node for node in statements if _is_setup_call(node)]
    others = [
        ast.unparse(node).splitlines()[0]
        for node in statements
        if not isinstance(node, ast.Import | ast.ImportFrom) and not _is_setup_call(node)
    ]
    assert len(calls) == 1 and not others, (
        f"{path.name}: the setup cell must be imports and one setup(...) call; also has {others}"
    )
    call = next(n for n in ast.walk(calls[0]) if isinstance(n, ast.Call))
    seeds = [k.value for k in call.keywords if k.arg == "seed"]
    assert len(seeds) == 1 and ast.literal_eval(seeds[0]) == 0, (
        f"{path.name}: the setup call seeds the chapter, `setup(seed=0, ...)`"
    )
    assert any(
        isinstance(node, ast.ImportFrom) and node.module == "course_utils" for node in statements
    ), f"{path.name}: the setup cell imports from course_utils itself (`from course_utils ...`)"


def test_the_line_rule_counts_what_it_should():
    too_long = "import numpy as np\n" * 10 + "\nsetup(seed=0)\n"
    assert len(_code_lines(too_long)) == 11
    assert len(_code_lines("# a comment\n\nimport torch\n")) == 1
    assert _is_setup_call(ast.parse("device = setup(seed=0).device").body[0])
    assert not _is_setup_call(ast.parse("fast = torch.channels_last").body[0])


BLOCK_COURSE_UTILS = """
import sys


class _NoCourse:  # as if the chapter were downloaded alone: course_utils is not installed
    def find_spec(self, name, path=None, target=None):
        if name == "course_utils" or name.startswith("course_utils."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, _NoCourse())
"""


def _stubs(source: str) -> str:
    """Lines that put empty stand-ins for the cell's other packages in sys.modules (fast)."""
    names, attributes = set(), []
    for node in ast.parse(source).body:  # the imports outside the guard
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module)
            attributes += [(node.module, alias.name) for alias in node.names]
    parents = {".".join(n.split(".")[: i + 1]) for n in names for i in range(n.count(".") + 1)}
    lines = ["import types"]
    lines += [f"sys.modules[{n!r}] = types.ModuleType({n!r})" for n in sorted(parents)]
    lines += [f"sys.modules[{m!r}].{a} = types.ModuleType({a!r})" for m, a in attributes]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_a_lone_chapter_says_how_to_get_course_utils(path, tmp_path):
    source = _setup_source(path)
    script = tmp_path / "first_cell.py"
    script.write_text(BLOCK_COURSE_UTILS + _stubs(source) + source, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0, f"{path.name}: the first cell ran without course_utils"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: No module named 'course_utils'"), last
    for needed in ("archive or repository", "pip install -e .", "Setup page"):
        assert needed in last, f"{path.name}: the message does not say {needed!r}: {last}"
    assert "During handling" not in result.stderr, "the message hides the chained traceback"
