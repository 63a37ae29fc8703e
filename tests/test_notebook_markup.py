"""Notebook markup that reads the same in the book and in JupyterLab (issue 23).

Solutions stay hidden in JupyterLab until the learner opens them (the rule is in
tools/solution_cells.py); every chapter opens with the same labels, boxes the same kind of note
the same way, and writes its captions and inline math so that they render as intended.
"""

import json
import re

import pytest
from conftest import NOTEBOOKS
from solution_cells import CODE_LEAD, MARKDOWN_LEAD, solution_spans


def _source(cell) -> str:
    return "".join(cell["source"])


def _markdown(nb) -> list[str]:
    return [_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, json.loads(request.param.read_text(encoding="utf-8"))


def test_solutions_are_hidden_in_jupyterlab(notebook):
    """Every cell of a solution is folded in JupyterLab: written answer, code and outputs."""
    path, nb = notebook
    cells, problems = nb["cells"], []
    spans = solution_spans(cells)
    assert spans, f"{path.name}: no solution found"
    for start, end in spans:
        opening = _source(cells[start])
        label = opening.split("\n", 1)[0]
        if not opening.startswith("```{solution-start}"):
            problems.append(f"{label}: text before the solution-start in its cell")
        if opening.split("\n")[1:2] != [":class: dropdown"]:
            problems.append(f"{label}: no `:class: dropdown` (it would render open in Lab)")
        if _source(cells[end]).strip() != "```{solution-end}\n```":
            problems.append(f"{label}: the solution-end shares its cell with other text")
        for cell in cells[start + 1 : end]:
            hidden = cell.get("metadata", {}).get("jupyter", {})
            first = _source(cell).split("\n", 1)[0]
            if not hidden.get("source_hidden"):
                problems.append(f"{label}: {cell['cell_type']} cell {first!r} not source_hidden")
            if cell["cell_type"] == "code" and not hidden.get("outputs_hidden"):
                problems.append(f"{label}: code cell {first!r} shows its outputs")
            lead = CODE_LEAD if cell["cell_type"] == "code" else MARKDOWN_LEAD
            if not first.startswith(lead):
                problems.append(f"{label}: a folded cell shows {first!r}, not {lead!r}...")
    assert not problems, (
        f"{path.name}: solutions visible in JupyterLab (fix: python tools/solution_cells.py "
        f"notebooks/{path.name}, then jupytext --sync):\n" + "\n".join(problems)
    )


def test_chapter_opening_labels(notebook):
    """Every chapter opens with the same three labels, each with its colon."""
    path, nb = notebook
    opening = "\n".join(_markdown(nb)[:3])
    for label in ("**In this chapter you will:**", "**What you need:**", "**Run time:**"):
        assert label in opening, f"{path.name}: the opening lacks {label}"


def test_corrections_to_the_source_notes_are_one_kind_of_box(notebook):
    """A "correction to the source notes" box is a note (blue) in every chapter."""
    path, nb = notebook
    for text in _markdown(nb):
        for box in re.finditer(r"```\{(\w+)\}[^\n]*source notes[^\n]*\n(:class: (\w+))?", text):
            assert (box[1], box[3]) == ("admonition", "note"), (
                f"{path.name}: {box[0]!r} must be an admonition with `:class: note`"
            )


def test_captions_do_not_start_with_figure(notebook):
    path, nb = notebook
    for text in _markdown(nb):
        assert not re.search(r"^\*Figure:", text, re.M), f"{path.name}: caption starts 'Figure:'"


def test_no_list_marker_inside_inline_math(notebook):
    """A line break inside $...$ before `+` or `-` makes Markdown start a list: raw LaTeX shows."""
    path, nb = notebook
    for text in _markdown(nb):
        text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)  # display math may break anywhere
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        for paragraph in text.split("\n\n"):
            open_math = False
            for line in paragraph.split("\n"):
                assert not (open_math and re.match(r"\s*[-+*] ", line)), (
                    f"{path.name}: inline math broken before a list marker: {line.strip()!r}"
                )
                open_math ^= line.replace(r"\$", "").count("$") % 2 == 1
