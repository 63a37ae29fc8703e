"""Reliability counts: the bad-input battery and the fault injection, run and counted.

    python benchmarks/reliability.py           # print the counts and record them in RESULTS.md
    python benchmarks/reliability.py --list    # also list every case that is not a clear error

The battery is tests/reliability_cases.py: each case calls the public course_utils API with
one bad input. It gives a clear error (the expected kind, one line, naming the argument; for
exercise checks a "not yet"), an unclear error, or a silent wrong result (the call returned).
The faults are the tests of tests/test_reliability_faults.py, one injected fault each (damaged
caches, checkpoints and assets, read-only folders, a data folder that is a file); a fault is
survived when its test passes, that is when it ended in a rebuild or a clear one-line error.
Runs in an isolated data folder unless COURSE_DATA_DIR is set.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def run_battery(show: bool) -> collections.Counter:
    """Run every bad-input case; return the counts of clear / unclear / silent outcomes."""
    from reliability_cases import all_cases, outcome

    counts: collections.Counter = collections.Counter()
    for case in all_cases():
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            verdict, detail = outcome(case)
        counts[verdict] += 1
        if show and verdict != "clear":
            print(f"  {verdict:<8} {case.id}: {detail}")
    return counts


def run_acceptable(show: bool) -> collections.Counter:
    """Run every acceptable input; return the counts of right / wrong / refused outcomes."""
    from reliability_cases import acceptable_inputs, accepted

    counts: collections.Counter = collections.Counter()
    for case in acceptable_inputs():
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            verdict, detail = accepted(case)
        counts[verdict] += 1
        if show and verdict != "right":
            print(f"  {verdict:<8} {case.id}: {detail}")
    return counts


class _Count:
    """A pytest plugin that counts the outcome of each test's call phase."""

    def __init__(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.counts[report.outcome] += 1
            if report.outcome == "failed":
                self.failed.append(report.nodeid)


def run_faults() -> _Count:
    """Run the fault-injection tests quietly; return their counts."""
    import pytest

    plugin = _Count()
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(
            [str(ROOT / "tests" / "test_reliability_faults.py"), "-q", "-p", "no:cacheprovider"],
            plugins=[plugin],
        )
    return plugin


def main() -> int:
    """Print the counts; exit 1 if any silent wrong result or unsurvived fault remains."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--list", action="store_true", help="list every case that is not a clear error"
    )
    args = parser.parse_args()
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    with tempfile.TemporaryDirectory(prefix="course-reliability-") as folder:
        os.environ.setdefault("COURSE_DATA_DIR", folder)
        start = time.perf_counter()
        battery = run_battery(args.list)
        acceptable = run_acceptable(args.list)
        battery_s = time.perf_counter() - start
        start = time.perf_counter()
        faults = run_faults()
        faults_s = time.perf_counter() - start
    tried = sum(battery.values())
    injected = sum(faults.counts.values())
    print(f"bad inputs tried:        {tried}")
    print(f"  clear error:           {battery['clear']} ({battery['clear'] / tried:.0%})")
    print(f"  unclear error:         {battery['unclear']}")
    print(f"  silent wrong result:   {battery['silent']}")
    print(f"acceptable inputs:       {sum(acceptable.values())}")
    print(f"  taken and read right:  {acceptable['right']}")
    print(f"  wrong or refused:      {acceptable['wrong'] + acceptable['refused']}")
    print(f"faults injected:         {injected}")
    print(
        f"  survived:              {faults.counts['passed']} (rebuilt, or a clear one-line error)"
    )
    print(f"  not survived:          {faults.counts['failed']}")
    print(
        f"  skipped:               {faults.counts['skipped']} (e.g. no way to drop root privileges)"
    )
    for nodeid in faults.failed:
        print(f"    FAILED {nodeid}")
    print(f"time: battery {battery_s:.1f} s, faults {faults_s:.1f} s")
    from results import machine, update_section

    update_section(
        "reliability",
        f"""## Reliability: bad inputs and injected faults

`python benchmarks/reliability.py`: the bad-input battery of `tests/reliability_cases.py` (each case
calls the public `course_utils` API with one bad input; issue 24 added the families integer or 0-255
images, empty or degenerate shapes, NaN and impossible values, shapes that mean something else, and
errors from inside torch/sklearn/matplotlib), the acceptable inputs that must be taken and read
right, and the fault injection of
`tests/test_reliability_faults.py` (damaged caches, checkpoints and assets, read-only folders run as
an unprivileged user, a data folder that is a file). Machine: {machine()}.

| measure | count |
|---|---:|
| bad inputs tried | {tried} |
| clear error (expected kind, one line, names the argument; "not yet") | {battery["clear"]} |
| unclear error | {battery["unclear"]} |
| silent wrong result (goal: 0) | {battery["silent"]} |
| acceptable inputs tried (NumPy scalars, integer images, ...) | {sum(acceptable.values())} |
| taken and read right | {acceptable["right"]} |
| wrong or refused (goal: 0) | {acceptable["wrong"] + acceptable["refused"]} |
| faults injected | {injected} |
| survived (rebuilt, or a clear one-line error) | {faults.counts["passed"]} |
| not survived | {faults.counts["failed"]} |
| skipped | {faults.counts["skipped"]} |
""",
    )
    bad = battery["silent"] or acceptable["wrong"] or acceptable["refused"]
    return 1 if bad or faults.counts["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
