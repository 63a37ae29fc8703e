"""The book's build time: the English edition alone, and both editions as `make book` builds them.

    python benchmarks/book.py              # 3 runs of each, alternating; update RESULTS.md
    python benchmarks/book.py --repeats 5 --no-write

Every run builds from scratch into a fresh folder (no Sphinx cache), strict (`-W -n`), from the
outputs stored in the notebooks: neither build executes a notebook. The two editions build side
by side (tools/build_book.py), so on two cores they take little more wall time than one.
Budget: both editions in at most twice the English build's time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402
from results import machine, update_section  # noqa: E402

BUDGET = 2.0


def english_only(out: Path) -> None:
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)


def both_editions(out: Path) -> None:
    failures = build_book.build(out)
    if failures:
        raise RuntimeError("\n".join(failures))


def timed(build, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder)
            (out / "_build").mkdir()
            start = time.perf_counter()
            build(out)
            times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    english, both = [], []
    for _ in range(args.repeats):  # alternating, so a busy machine slows both alike
        english += timed(english_only, 1)
        both += timed(both_editions, 1)
    e, b = statistics.median(english), statistics.median(both)
    ratio = b / e
    verdict = "met" if ratio <= BUDGET else "NOT met"
    body = f"""## Book build: English alone and both editions

`python benchmarks/book.py` (a fresh build each run, strict, from the stored outputs; median of
{args.repeats} alternating runs; `make book` builds the two editions side by side).
Machine: {machine()}.

| build | seconds (median) | min | max |
|---|---:|---:|---:|
| English edition alone | {e:.1f} | {min(english):.1f} | {max(english):.1f} |
| both editions (`make book`) | {b:.1f} | {min(both):.1f} | {max(both):.1f} |

Both editions take **{ratio:.2f}x** the English build's time (budget: at most {BUDGET:.0f}x:
{verdict})."""
    print(body)
    if not args.no_write:
        update_section("book", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
