"""Build both editions of the book: English at `<out>/_build/html/`, Spanish at `.../html/es/`.

    python tools/build_book.py [--out DIR]      # DIR defaults to the repository root

Neither build executes a notebook: both read the outputs stored in the notebooks (English in
`notebooks/`, Spanish in `es/notebooks/`). The Spanish sources are staged first (pages translated
from `locale/es/`, tools/translations.py); then the two builds run side by side, each strict
(`-W -n`), and the Spanish site is copied under the English one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import translations

ROOT = translations.ROOT


def build(out: Path) -> list[str]:
    """Build both editions under `out`; return the failures (empty when both built cleanly)."""
    exe = Path(sys.executable).with_name("jupyter-book")
    stage = translations.stage_book(out / "_build" / "es_src")
    runs = {
        "English": [str(exe), "build", str(ROOT), "--path-output", str(out)],
        "Spanish": [str(exe), "build", str(stage), "--path-output", str(out / "_build" / "es")],
    }
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    logs = {name: out / "_build" / f"book-{name.lower()}.log" for name in runs}
    started = {}
    for name, command in runs.items():
        log = logs[name].open("w")
        started[name] = subprocess.Popen(
            [*command, "-W", "-n", "--keep-going"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    failures = []
    for name, process in started.items():
        if process.wait() != 0:
            tail = logs[name].read_text()[-6000:]
            failures.append(f"the {name} book failed (exit {process.returncode}):\n{tail}")
    if not failures:
        spanish = out / "_build" / "html" / translations.LANG
        shutil.rmtree(spanish, ignore_errors=True)
        shutil.copytree(out / "_build" / "es" / "_build" / "html", spanish)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT)
    out = parser.parse_args().out.resolve()
    (out / "_build").mkdir(parents=True, exist_ok=True)
    failures = build(out)
    for failure in failures:
        print(failure, file=sys.stderr)
    if not failures:
        print(f"Book: {out / '_build' / 'html' / 'index.html'} (Spanish: .../html/es/index.html)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
