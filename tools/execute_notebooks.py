"""Re-execute chapter notebooks and store their outputs: the authoring tool behind `make notebooks`.

    python tools/execute_notebooks.py                                  # every notebooks/*.ipynb
    python tools/execute_notebooks.py notebooks/01_convolutions.ipynb  # one chapter

Each notebook is executed once, top to bottom, in a fresh kernel, and written back with its
fresh outputs, no widget state and the `python3` kernelspec: the only way stored outputs are
made. Run it through `make notebooks NB=...`, which adds the test environment (the isolated data
folder, plain-text progress). `benchmarks/notebooks.py` times the same execution.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


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


def store_outputs(path: Path) -> float:
    """Execute `path` in a fresh kernel and write it back with its outputs; return the seconds."""
    nb, elapsed = execute_notebook(path)
    errors = [  # an error a cell's code did not raise: a failed figure text check (the formatter)
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    if errors:
        raise RuntimeError(f"{path.name} shows errors, not saved:\n" + "\n".join(errors))
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.write(nb, path)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    args = parser.parse_args()
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: stored, executed in {store_outputs(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
