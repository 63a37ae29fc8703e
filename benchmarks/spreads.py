"""How far each tolerant cell's printed numbers move between processors, against its tolerance.

    python benchmarks/spreads.py                      # every notebook; update RESULTS.md
    python benchmarks/spreads.py notebooks/04_dropout_and_batch_norm.ipynb

Each notebook is executed in three fresh kernels at once, under three configurations: this
machine's own kernels with the course's one thread (as `make test`), and the two foreign ones that
`make test-other-cpu` runs, read from the Makefile (`AVX2_CPU`: AVX2 kernels, one thread;
`OTHER_CPU`: torch's portable kernels, two threads). Run it as `make bench` does, under the
Makefile's NB_ENV, so that the kernels see the isolated data folder of the tests.

For every code cell that declares a `tolerance` in its metadata, its fresh text outputs are
paired with the stored ones the way the nbval plugin pairs them (`tests/nbval_tolerance.py`),
and the largest absolute and relative difference of a printed number from the stored one,
over the three runs, is recorded: in `spreads.json` (one entry per notebook, so a run on some
notebooks keeps the others) and as a table between `<!-- spreads:start -->` and
`<!-- spreads:end -->` in RESULTS.md. "Used" is the largest share of its allowance,
`atol + rtol * |stored|`, that any number took: at most 0.5 is covered with margin.
A cell whose fresh text differs in anything but its numbers cannot be covered by any tolerance;
it shows as "text differs".
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbval.plugin import coalesce_streams, get_sanitize_patterns

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from execute_notebooks import execute_notebook
from nbval_tolerance import paired_numbers, tolerance_of
from results import machine, update_section

ROOT = Path(__file__).resolve().parents[1]
SPREADS = Path(__file__).with_name("spreads.json")
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
MARGIN = 0.5  # a tolerance covers a spread "with margin" when the spread uses at most half


def makefile_env(name: str) -> dict[str, str]:
    """The KEY=VALUE pairs of one `NAME := ...` variable of the Makefile (continuations joined)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(rf"^{re.escape(name)} :?= (.*)$", text, re.M)
    if match is None:
        raise ValueError(f"makefile_env: the Makefile defines no variable {name!r}")
    return dict(pair.split("=", 1) for pair in match.group(1).split())


def configurations() -> dict[str, dict[str, str]]:
    """Name -> environment variables of the three configurations."""
    return {
        "native": {},
        "avx2, 1 thread": makefile_env("AVX2_CPU"),
        "default kernels, 2 threads": makefile_env("OTHER_CPU"),
    }


def _execute(path: Path, variables: dict[str, str]) -> tuple[list[list], float]:
    """Execute `path` with `variables` added to the environment; each code cell's outputs."""
    fresh, elapsed = execute_notebook(path, env={**os.environ, **variables})
    return [cell.outputs for cell in fresh.cells if cell.cell_type == "code"], elapsed


def texts(outputs: list) -> list[tuple[str, str]]:
    """(kind, text) of each compared text output, streams merged by name as nbval does."""
    found = []
    for output in coalesce_streams([nbformat.from_dict(dict(o)) for o in outputs]):
        if output.output_type == "stream":
            found.append((f"stream {output.name}", output.text))
        elif "text/plain" in output.get("data", {}):
            found.append((output.output_type, output.data["text/plain"]))
    return found


@functools.cache
def _sanitize_patterns() -> list[tuple[str, str]]:
    return get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))


def sanitize(text: str) -> str:
    """The text with the patterns of tests/nbval_sanitize.cfg replaced, as nbval compares it."""
    for regex, replace in _sanitize_patterns():
        text = re.sub(regex, replace, text)
    return text


def cell_spread(fresh: list, stored: list, rtol: float, atol: float) -> dict:
    """Largest |fresh - stored|, its relative size, and the share of the allowance used."""
    spread = {"abs": 0.0, "rel": 0.0, "used": 0.0, "text_differs": False}
    fresh_texts, stored_texts = texts(fresh), texts(stored)
    if [kind for kind, _ in fresh_texts] != [kind for kind, _ in stored_texts]:
        spread["text_differs"] = True
        return spread
    for (_, new), (_, old) in zip(fresh_texts, stored_texts, strict=True):
        pairs = paired_numbers(sanitize(new), sanitize(old))
        if pairs is None:
            spread["text_differs"] = True
            continue
        for a, b in pairs:
            a, b = float(a), float(b)
            difference = abs(a - b)
            if difference != difference:  # nan: equal only to nan
                difference = 0.0 if a != a and b != b else float("inf")
            spread["abs"] = max(spread["abs"], difference)
            if b != 0:
                spread["rel"] = max(spread["rel"], difference / abs(b))
            allowance = atol + rtol * abs(b)
            used = difference / allowance if allowance > 0 else float(difference > 0) * 1e9
            spread["used"] = max(spread["used"], used)
    return spread


def measure(path: Path) -> list[dict]:
    """Execute `path` under each configuration; one row per tolerant code cell."""
    stored = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in stored.cells if cell.cell_type == "code"]
    rows = {
        number: {"cell": number, "tolerance": tolerance_of(cell.metadata), "runs": {}}
        for number, cell in enumerate(code_cells)
        if tolerance_of(cell.metadata) is not None
    }
    with ProcessPoolExecutor(len(configurations())) as pool:  # the three kernels at once
        runs = {
            name: pool.submit(_execute, path, variables)
            for name, variables in configurations().items()
        }
        for name, run in runs.items():
            fresh_outputs, elapsed = run.result()
            print(f"{path.name} [{name}]: {elapsed:.1f} s", flush=True)
            for number, row in rows.items():
                rtol, atol = row["tolerance"]
                row["runs"][name] = cell_spread(
                    fresh_outputs[number], code_cells[number].outputs, rtol, atol
                )
    return list(rows.values())


def verdict(runs: dict) -> str:
    """Whether the tolerance covers every run, with margin."""
    if any(run["text_differs"] for run in runs.values()):
        return "**no** (text differs)"
    used = max(run["used"] for run in runs.values())
    return "yes" if used <= MARGIN else ("yes, tight" if used <= 1 else "**no**")


def table(spreads: dict[str, list[dict]]) -> str:
    """The RESULTS.md section: one row per tolerant cell of every recorded notebook."""
    lines = [
        "| notebook | cell | rtol | atol | max abs diff | max rel diff | used | covered |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, rows in sorted(spreads.items()):
        for row in rows:
            runs = row["runs"]
            rtol, atol = row["tolerance"]
            worst_abs = max(run["abs"] for run in runs.values())
            worst_rel = max(run["rel"] for run in runs.values())
            used = max(run["used"] for run in runs.values())
            lines.append(
                f"| `{name}` | {row['cell']} | {rtol:g} | {atol:g} | {worst_abs:.3g} | "
                f"{worst_rel:.3g} | {used:.2f} | {verdict(runs)} |"
            )
    configs = "\n".join(
        f"- {name}: {' '.join(f'`{k}={v}`' for k, v in env.items()) or 'as `make test`'}"
        for name, env in configurations().items()
    )
    return f"""## Spreads of the tolerant cells

`python benchmarks/spreads.py` (`make bench`) executes each notebook in a fresh kernel under
three configurations, with the Makefile's NB_ENV:

{configs}

For each cell that declares a tolerance (cell: nbval's code-cell number), the largest
difference of a printed number from the stored output over the three runs. "Used" is the
largest share of the allowance `atol + rtol * |stored|` that one number took; a tolerance
covers its spread with margin when at most {MARGIN} is used.
Machine: {machine()}.

""" + "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument(
        "--table", action="store_true", help="only rewrite the table from spreads.json"
    )
    args = parser.parse_args()
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    spreads = json.loads(SPREADS.read_text()) if SPREADS.exists() else {}
    for path in [] if args.table else paths:
        spreads[path.name] = measure(path)
        SPREADS.write_text(json.dumps(spreads, indent=1, sort_keys=True) + "\n")
    existing = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    spreads = {name: rows for name, rows in spreads.items() if name in existing}
    update_section("spreads", table(spreads))
    uncovered = [
        f"{name} cell {row['cell']}"
        for name, rows in spreads.items()
        for row in rows
        if verdict(row["runs"]).startswith("**no")
    ]
    for where in uncovered:
        print(f"not covered by its tolerance: {where}")
    return 1 if uncovered else 0


if __name__ == "__main__":
    raise SystemExit(main())
