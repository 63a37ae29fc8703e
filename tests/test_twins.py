"""Every chapter notebook has a committed MyST Markdown twin with the same cells (`make sync`)."""

import jupytext
import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT

TWINS = ROOT / "notebooks" / "md"
# Metadata Jupytext adds on its own when it reads Markdown; not part of the chapter.
JUPYTEXT_ONLY = {"lines_to_next_cell"}


def _cells(nb) -> list[tuple[str, str, dict]]:
    return [
        (
            cell.cell_type,
            cell.source,
            {k: v for k, v in cell.metadata.items() if k not in JUPYTEXT_ONLY},
        )
        for cell in nb.cells
    ]


def test_every_twin_has_a_notebook():
    orphans = sorted(
        p.name for p in TWINS.glob("*.md") if not (ROOT / "notebooks" / f"{p.stem}.ipynb").exists()
    )
    assert not orphans, f"notebooks/md/ holds twins without a notebook: {orphans}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_twin_matches_notebook(path):
    twin = TWINS / f"{path.stem}.md"
    assert twin.exists(), f"{path.name} has no twin {twin.relative_to(ROOT)}: run `make sync`"
    notebook = _cells(nbformat.read(path, as_version=4))
    text = _cells(jupytext.read(twin, fmt="md:myst"))
    assert len(text) == len(notebook), (
        f"{twin.name} has {len(text)} cells, {path.name} has {len(notebook)}: run `make sync`"
    )
    for number, (ours, theirs) in enumerate(zip(notebook, text, strict=True)):
        assert ours == theirs, (
            f"cell {number} of {path.name} differs from its twin {twin.name} "
            f"(type, source or metadata): run `make sync`"
        )
