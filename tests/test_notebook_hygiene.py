"""Every chapter notebook is stored clean, executed once in order, and shaped like a chapter."""

import ast
import builtins
import json
import re

import pytest
from conftest import NOTEBOOKS, ROOT
from nbval_tolerance import tolerance_of
from solution_cells import solution_spans

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


def test_tolerant_cells_declare_why():
    """A cell compared within a tolerance is a code cell, says why, and tolerates something."""
    for path in NOTEBOOKS:
        cells = _load(path)["cells"]
        for i, cell in enumerate(cells):
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


# Asserts guard the stored outputs, but a reader of the book sees the lesson, not test
# plumbing: each guard lives in its own code cell right after the cell it guards, tagged
# `remove-cell` (hidden in the book) and `"jupyter": {"source_hidden": true}` (collapsed in
# JupyterLab); inside a solution too, since the book shows a solution's code. A lesson cell
# may show an assert only when the assert IS the lesson, declared in its metadata as
# `"visible_assert": "<where the prose presents it>"`, and only a few of them in the course.
HIDING_TAGS = {"remove-cell", "remove-input"}
VISIBLE_ASSERT_BUDGET = 5
MAX_LESSON_LINES = 30
BUILTIN_NAMES = set(dir(builtins))


def _cells_with_solution_flag(nb):
    """(index, cell, inside a solution) for every cell of a notebook."""
    inside = {i for start, end in solution_spans(nb["cells"]) for i in range(start + 1, end)}
    for i, cell in enumerate(nb["cells"]):
        yield i, cell, i in inside


def _is_guard_cell(cell) -> bool:
    """Hidden in the book (remove-cell) and collapsed in JupyterLab (source_hidden)."""
    metadata = cell.get("metadata", {})
    return "remove-cell" in metadata.get("tags", []) and bool(
        metadata.get("jupyter", {}).get("source_hidden")
    )


def _shown_in_book(cell) -> bool:
    """A code cell whose source the book shows (hide-input and solutions show it on a click)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    return cell["cell_type"] == "code" and not tags & HIDING_TAGS


def _is_lesson_cell(cell, in_solution: bool) -> bool:
    """A code cell the book shows that is not part of an exercise's solution."""
    return _shown_in_book(cell) and not in_solution


def _asserts(source: str) -> list[ast.Assert]:
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert)]


def _bound_names(source: str) -> set[str]:
    """Names a cell assigns, defines, imports or mutates in place (x[...] = , x.attr = )."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.ctx, ast.Store):
            while isinstance(node, ast.Attribute | ast.Subscript):
                node = node.value
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names


def _loaded_names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _imported_names(nb) -> set[str]:
    names = set()
    for cell in _code_cells(nb):
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _tests_nothing(test: ast.expr, imported: set[str]) -> bool:
    """True for `assert True`, a literal, `np.pi > 3`, `x == x`: nothing that can fail."""
    if not (_loaded_names(test) - BUILTIN_NAMES - imported):
        return True  # only constants, builtins and modules: the same answer on every run
    if isinstance(test, ast.Compare):
        sides = [ast.dump(test.left)] + [ast.dump(c) for c in test.comparators]
        return len(set(sides)) == 1 and all(isinstance(op, ast.Eq | ast.Is) for op in test.ops)
    return False


def test_every_tolerant_cell_is_guarded_by_the_hidden_cell_after_it(notebook):
    """A loosely compared cell is followed by a hidden assert cell about its own numbers."""
    path, nb = notebook
    cells, problems = nb["cells"], []
    for i, cell in enumerate(cells):
        if "tolerance" not in cell.get("metadata", {}) or cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if _is_guard_cell(cell) and _asserts(source):
            continue  # a guard cell asserts its own numbers, out of sight
        after = next((c for c in cells[i + 1 :] if c["cell_type"] == "code"), None)
        follows = after is not None and after is cells[i + 1]
        if not (follows and _is_guard_cell(after) and _asserts("".join(after["source"]))):
            problems.append(f"cell {i}: not followed at once by a hidden assert cell")
        elif not _loaded_names(ast.parse("".join(after["source"]))) & _bound_names(source):
            problems.append(f"cell {i}: the assert cell after it uses none of its results")
    assert not problems, (
        f"{path.name}: a cell compared within a tolerance must be followed at once by a hidden "
        "assert cell (tags [remove-cell], jupyter.source_hidden) that asserts its lesson with "
        "an honest margin: " + "; ".join(problems)
    )


def test_every_assert_can_fail(notebook):
    """No `assert True`, no assert on a constant, a module attribute or a value with itself."""
    path, nb = notebook
    imported = _imported_names(nb)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for node in _asserts("".join(cell["source"])):
            assert not _tests_nothing(node.test, imported), (
                f"{path.name}, cell {i}: `assert {ast.unparse(node.test)}` tests nothing "
                "that the notebook computed"
            )


def test_asserts_stay_out_of_the_lessons(notebook):
    """Guards live in hidden cells; a lesson cell shows an assert only where it is the lesson."""
    path, nb = notebook
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        asserts = _asserts(source)
        if "remove-cell" in cell["metadata"].get("tags", []) and asserts:
            if not _is_guard_cell(cell):
                problems.append(f"cell {i}: hidden in the book but not collapsed in JupyterLab")
        if not _shown_in_book(cell) or not asserts:  # solutions too: the book shows them
            continue
        code_lines = [line for line in source.splitlines() if line.strip()]
        assert_lines = sum(node.end_lineno - node.lineno + 1 for node in asserts)
        if 2 * assert_lines >= len(code_lines):
            problems.append(f"cell {i}: a lesson cell that is mostly asserts")
        elif len(cell["metadata"].get("visible_assert", "")) <= 20:
            problems.append(f"cell {i}: the book shows {len(asserts)} assert(s)")
    assert not problems, (
        f"{path.name}: asserts that guard outputs go in a hidden assert cell right after the "
        "lesson cell (tags [remove-cell], jupyter.source_hidden); where an assert is the lesson "
        "itself, say where the prose presents it in the cell's metadata `visible_assert`: "
        + "; ".join(problems)
    )


def test_visible_asserts_are_few():
    """Asserts a reader sees are deliberate: at most a handful in the whole course."""
    shown = [
        f"{path.name} cell {i}"
        for path in NOTEBOOKS
        for i, cell in enumerate(_load(path)["cells"])
        if "visible_assert" in cell.get("metadata", {})
    ]
    assert len(shown) <= VISIBLE_ASSERT_BUDGET, f"{len(shown)} lesson cells show asserts: {shown}"


def test_lesson_cells_are_short(notebook):
    """A code cell the book shows has at most 30 lines: split it into steps with prose between."""
    path, nb = notebook
    long_cells = [
        f"cell {i} ({n} lines)"
        for i, cell, in_solution in _cells_with_solution_flag(nb)
        if _is_lesson_cell(cell, in_solution)
        and (n := len("".join(cell["source"]).rstrip().splitlines())) > MAX_LESSON_LINES
    ]
    assert not long_cells, (
        f"{path.name}: a lesson cell has at most {MAX_LESSON_LINES} lines; split it into steps "
        "with prose between, or move plumbing that chapters share to course_utils: "
        + ", ".join(long_cells)
    )


def test_the_assert_rules_refuse_what_tests_nothing():
    """The hygiene rules above refuse asserts that cannot fail, and accept real ones."""
    imported = {"np", "torch"}
    for empty in ("True", "1", "'text'", "np.pi > 3", "len([1, 2]) == 2", "x == x", "y is y"):
        assert _tests_nothing(ast.parse(f"assert {empty}").body[0].test, imported), empty
    for real in ("x", "x == 1", "np.allclose(ours, theirs)", "a < b", "len(x) == 2"):
        assert not _tests_nothing(ast.parse(f"assert {real}").body[0].test, imported), real


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
