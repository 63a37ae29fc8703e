"""Solutions stay hidden in JupyterLab until the learner opens them (issue 23).

A solution is the run of cells from a markdown cell that opens with ```{solution-start} to the
markdown cell that holds only ```{solution-end}. In JupyterLab (with jupyterlab-myst):

- the opening cell renders as a closed dropdown ("Start of Solution to Exercise N") with the
  written answer inside, because it carries `:class: dropdown`;
- every later cell of the solution is collapsed by its metadata: `jupyter.source_hidden` (and,
  for code, `jupyter.outputs_hidden`), so its code and its outputs (printed answers, figures)
  stay folded until the learner clicks them;
- a collapsed cell shows its first line, so that line is a comment (`# Solution ...` in code,
  a MyST comment `% Solution ...` in markdown), never a piece of the answer.

The book (sphinx-exercise) ignores this metadata and shows the whole solution in one dropdown.

`python tools/solution_cells.py notebooks/NN_x.ipynb ...` applies the rule to notebooks (split
cells, set the metadata, add the first-line comments; `--metadata-only` skips the comments);
then `jupytext --sync` each of them. tests/test_notebook_markup.py fails on a chapter that
breaks it.
"""

from __future__ import annotations

import re
import sys
import uuid

__all__ = ["CODE_LEAD", "LEADS", "MARKDOWN_LEAD", "hide_solutions", "solution_spans"]

START = "```{solution-start}"
END = re.compile(r"```\{solution-end\}\n```")
CODE_LEAD = "# Solution"  # first line of every solution code cell (what a collapsed cell shows)
MARKDOWN_LEAD = "% Solution"  # the same for a markdown cell after the opening one
CONTINUED = ", continued"  # after the lead, on every cell of a solution but its first code cell
# The same first lines in each edition (the Spanish chapters are made by tools/translations.py).
LEADS = {
    "en": {"code": CODE_LEAD, "markdown": MARKDOWN_LEAD, "continued": CONTINUED},
    "es": {"code": "# Solución", "markdown": "% Solución", "continued": ", continuación"},
}


def _source(cell) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def solution_spans(cells: list) -> list[tuple[int, int]]:
    """(start, end) indices of each solution: cells[start] opens it, cells[end] closes it."""
    spans, start = [], None
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = _source(cell)
        if START in text:
            start = index
        if "{solution-end}" in text and start is not None:
            spans.append((start, index))
            start = None
    return spans


def _split(text: str) -> list[str]:
    """A markdown cell's text cut before each solution start and around each solution end."""
    parts, buffer = [], ""
    for piece in re.split(r"(?=```\{solution-start\})|(```\{solution-end\}\n```)", text):
        if piece is None:
            continue
        if END.fullmatch(piece):
            parts += [buffer, piece]
            buffer = ""
        elif piece.startswith(START):
            parts.append(buffer)
            buffer = piece
        else:
            buffer += piece
    parts.append(buffer)
    return [part.strip("\n") for part in parts if part.strip()]


def _lead(cell, lead: str) -> None:
    text = _source(cell)
    if not text.startswith(lead):
        cell["source"] = f"{lead}\n{text}"


def hide_solutions(nb, lead: bool = True) -> None:
    """Split, hide and (with `lead`) comment every solution's cells of a notebook, in place."""
    import nbformat

    cells = []
    for cell in nb.cells:
        parts = _split(_source(cell)) if cell.cell_type == "markdown" else []
        if len(parts) < 2:
            cells.append(cell)
            continue
        for number, part in enumerate(parts):
            new = nbformat.v4.new_markdown_cell(part)
            new.metadata = dict(cell.metadata) if number == 0 else {}
            new.id = cell.get("id") if number == 0 else uuid.uuid4().hex[:8]
            cells.append(new)
    for start, end in solution_spans(cells):
        code_cells = 0
        for cell in cells[start + 1 : end]:
            hidden = cell.metadata.setdefault("jupyter", {})
            hidden["source_hidden"] = True
            if cell.cell_type == "code":
                hidden["outputs_hidden"] = True
                if lead:
                    _lead(cell, CODE_LEAD + (CONTINUED if code_cells else ""))
                code_cells += 1
            elif lead:
                _lead(cell, MARKDOWN_LEAD + CONTINUED)
    nb.cells = cells


def main(paths: list[str]) -> None:
    import nbformat

    lead = "--metadata-only" not in paths
    for path in (p for p in paths if p != "--metadata-only"):
        nb = nbformat.read(path, as_version=4)
        hide_solutions(nb, lead)
        nbformat.write(nb, path)


if __name__ == "__main__":
    main(sys.argv[1:])
