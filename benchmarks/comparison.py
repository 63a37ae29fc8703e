"""Count how strictly nbval compares the stored outputs, and record the environments they pass in.

    python benchmarks/comparison.py          # count and update the section in RESULTS.md

A code cell with text output is compared exactly, within the tolerance its metadata declares
(`tolerance`), or not at all (tag `nbval-ignore-output`, within the course's budget of 5). The
environments are the ones `make test` and `make test-other-cpu` run (see the Makefile); the
list below is kept by hand when a new environment is tried.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent))
from results import machine, update_section

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = [
    ("`make test`", "this machine's kernels (AVX-512), 1 torch thread (the course's policy)"),
    (
        "`make test-other-cpu`",
        "`ATEN_CPU_CAPABILITY=default` (torch's portable kernels), "
        "`ONEDNN_MAX_CPU_ISA=AVX2`, `MKL_ENABLE_INSTRUCTIONS=AVX2`, 2 torch threads",
    ),
]


def count(path: Path) -> dict[str, int]:
    """Cells of one notebook by how their text output is compared."""
    nb = nbformat.read(path, as_version=4)
    counts = {"exact": 0, "tolerance": 0, "ignored": 0, "no text output": 0}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = [
            o
            for o in cell.outputs
            if o.output_type == "stream" or "text/plain" in o.get("data", {})
        ]
        if {"nbval-ignore-output", "nbval-skip"} & set(cell.metadata.get("tags", [])):
            counts["ignored"] += 1
        elif not texts:
            counts["no text output"] += 1
        elif "tolerance" in cell.metadata:
            counts["tolerance"] += 1
        else:
            counts["exact"] += 1
    return counts


def main() -> int:
    rows, total = [], {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        counts = count(path)
        total = {k: total.get(k, 0) + v for k, v in counts.items()}
        rows.append(f"| `{path.name}` | " + " | ".join(str(v) for v in counts.values()) + " |")
    rows.append("| **all** | " + " | ".join(f"**{v}**" for v in total.values()) + " |")
    environments = "\n".join(f"- {name}: {what}" for name, what in ENVIRONMENTS)
    update_section(
        "comparison",
        f"""## How the stored outputs are compared

`python benchmarks/comparison.py`. nbval compares every code cell's text output with the stored
one: exactly, or within the tolerance the cell declares in its metadata (its numbers only; the
words stay exact), or not at all (within a budget of 5 cells, each with a stated reason). Images
are not compared. Counted on: {machine()}.

| notebook | exact | tolerance | ignored | no text output |
|---|---:|---:|---:|---:|
"""
        + "\n".join(rows)
        + f"""

Both runs must pass in CI (`.ci/run`):

{environments}
""",
    )
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
