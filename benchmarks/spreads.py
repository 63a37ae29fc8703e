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
A cell whose fresh text differs in anything but the numbers that can move (labels and counts
stay exact) cannot be covered by any tolerance; it shows as "text differs".

Figures: every PNG or JPEG output of every code cell is compared with its stored twin as the
plugin compares it (the largest regional difference of 64-px thumbnails, 0 to 1), into
`figure_spreads.json` and a second table in RESULTS.md, between `<!-- figures:start -->` and
`<!-- figures:end -->`: the cells whose figures differ at all, against their tolerance.

    python benchmarks/spreads.py --executed DIR       # compare runs already executed instead:
                                                      # DIR/native/NB, DIR/avx2/NB, DIR/other/NB
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
from nbval_tolerance import (
    FIGURE_TOLERANCE,
    decode_figure,
    figure_difference,
    figure_problems,
    figure_tolerance_of,
    figures_of,
    paired_numbers,
    rules_of,
    tolerance_of,
)
from results import machine, update_section

ROOT = Path(__file__).resolve().parents[1]
SPREADS = Path(__file__).with_name("spreads.json")
FIGURE_SPREADS = Path(__file__).with_name("figure_spreads.json")
FOLDERS = {"native": "native", "avx2, 1 thread": "avx2", "default kernels, 2 threads": "other"}
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


def cell_spread(fresh: list, stored: list, rtol: float, atol: float, rules=None) -> dict:
    """Largest |fresh - stored|, its relative size, and the share of the allowance used."""
    spread = {"abs": 0.0, "rel": 0.0, "used": 0.0, "text_differs": False}
    fresh_texts, stored_texts = texts(fresh), texts(stored)
    if [kind for kind, _ in fresh_texts] != [kind for kind, _ in stored_texts]:
        spread["text_differs"] = True
        return spread
    for (_, new), (_, old) in zip(fresh_texts, stored_texts, strict=True):
        pairs = paired_numbers(sanitize(new), sanitize(old), rules)
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


def figure_spread(fresh: list, stored: list, tolerance: float) -> dict:
    """Largest regional and mean difference of a cell's figures, and why the plugin would fail."""
    problems = figure_problems(fresh, stored, tolerance)
    spread = {"max": 0.0, "mean": 0.0, "problem": problems[0] if problems else None}
    for (_, new), (_, old) in zip(figures_of(fresh), figures_of(stored), strict=False):
        new_image, old_image = decode_figure(new), decode_figure(old)
        if new_image.shape == old_image.shape:
            largest, mean = figure_difference(new_image, old_image)
            spread["max"] = max(spread["max"], largest)
            spread["mean"] = max(spread["mean"], mean)
    return spread


def compare(path: Path, fresh_by_config: dict[str, list[list]]) -> tuple[list[dict], list[dict]]:
    """Rows of the tolerant cells and of the cells with figures, from each configuration's run."""
    code_cells = [
        cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
    ]
    rows, figure_rows = [], []
    for number, cell in enumerate(code_cells):
        if {"nbval-ignore-output", "nbval-skip"} & set(cell.metadata.get("tags", [])):
            continue
        rules = rules_of(cell.metadata)
        if rules is not None:
            runs = {
                name: cell_spread(fresh[number], cell.outputs, rules.rtol, rules.atol, rules)
                for name, fresh in fresh_by_config.items()
            }
            rows.append({"cell": number, "tolerance": tolerance_of(cell.metadata), "runs": runs})
        if figures_of(cell.outputs):
            tolerance = figure_tolerance_of(cell.metadata)
            runs = {
                name: figure_spread(fresh[number], cell.outputs, tolerance)
                for name, fresh in fresh_by_config.items()
            }
            figure_rows.append({"cell": number, "max_diff": tolerance, "runs": runs})
    return rows, figure_rows


def measure(path: Path, executed: Path | None = None) -> tuple[list[dict], list[dict]]:
    """Execute `path` under each configuration (or read DIR/<folder>/NB); compare with the store."""
    fresh_by_config = {}
    if executed is not None:
        for name, folder in FOLDERS.items():
            if not (executed / folder / path.name).exists():
                print(f"{path.name} [{name}]: no run in {executed / folder}", flush=True)
                continue
            run = nbformat.read(executed / folder / path.name, as_version=4)
            fresh_by_config[name] = [c.outputs for c in run.cells if c.cell_type == "code"]
        return compare(path, fresh_by_config)
    with ProcessPoolExecutor(len(configurations())) as pool:  # the three kernels at once
        runs = {
            name: pool.submit(_execute, path, variables)
            for name, variables in configurations().items()
        }
        for name, run in runs.items():
            fresh_by_config[name], elapsed = run.result()
            print(f"{path.name} [{name}]: {elapsed:.1f} s", flush=True)
    return compare(path, fresh_by_config)


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


def figure_verdict(runs: dict, tolerance: float) -> str:
    """Whether the figure tolerance covers every run, with margin (or why the plugin fails)."""
    if any(run["problem"] and "changed size" in run["problem"] for run in runs.values()):
        return "**no** (size changed)"
    if any(run["problem"] and "drew" in run["problem"] for run in runs.values()):
        return "**no** (number of figures)"
    used = max(run["max"] for run in runs.values()) / tolerance
    return "yes" if used <= MARGIN else ("yes, tight" if used <= 1 else "**no**")


def figure_table(spreads: dict[str, list[dict]]) -> str:
    """The RESULTS.md section: every cell whose figures differ at all from the stored ones."""
    lines = [
        "| notebook | cell | max_diff | largest regional diff | mean diff | used | covered |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    count = sum(len(rows) for rows in spreads.values())
    for name, rows in sorted(spreads.items()):
        for row in rows:
            runs, tolerance = row["runs"], row["max_diff"]
            largest = max(run["max"] for run in runs.values())
            if largest < 0.001 and not any(run["problem"] for run in runs.values()):
                continue
            mean = max(run["mean"] for run in runs.values())
            lines.append(
                f"| `{name}` | {row['cell']} | {tolerance:g} | {largest:.3f} | {mean:.4f} | "
                f"{largest / tolerance:.2f} | {figure_verdict(runs, tolerance)} |"
            )
    return f"""## Spreads of the figures

The same three runs: each cell's PNG and JPEG outputs against the stored ones, as
`tests/nbval_tolerance.py` compares them (the largest mean absolute difference of any
8 x 8 region of 64-px colour thumbnails, colour values 0 to 1; default tolerance
{FIGURE_TOLERANCE:g}, or the cell's `figure_tolerance.max_diff`). Of {count} cells with
figures, the ones whose figures differ by 0.001 or more in some run:

""" + "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument(
        "--table", action="store_true", help="only rewrite the tables from the JSON files"
    )
    parser.add_argument(
        "--executed", type=Path, help="compare DIR/native|avx2|other/NB instead of executing"
    )
    args = parser.parse_args()
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    spreads = json.loads(SPREADS.read_text()) if SPREADS.exists() else {}
    figures = json.loads(FIGURE_SPREADS.read_text()) if FIGURE_SPREADS.exists() else {}
    for path in [] if args.table else paths:
        spreads[path.name], figures[path.name] = measure(path, args.executed)
        SPREADS.write_text(json.dumps(spreads, indent=1, sort_keys=True) + "\n")
        FIGURE_SPREADS.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    existing = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    spreads = {name: rows for name, rows in spreads.items() if name in existing}
    figures = {name: rows for name, rows in figures.items() if name in existing}
    update_section("spreads", table(spreads))
    update_section("figures", figure_table(figures))
    uncovered = [
        f"{name} cell {row['cell']}"
        for name, rows in spreads.items()
        for row in rows
        if verdict(row["runs"]).startswith("**no")
    ] + [
        f"{name} cell {row['cell']} (figure)"
        for name, rows in figures.items()
        for row in rows
        if figure_verdict(row["runs"], row["max_diff"]).startswith("**no")
    ]
    for where in uncovered:
        print(f"not covered by its tolerance: {where}")
    return 1 if uncovered else 0


if __name__ == "__main__":
    raise SystemExit(main())
