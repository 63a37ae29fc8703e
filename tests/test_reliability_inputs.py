"""The bad-input battery over the public API: every bad input gets a clear error naming the argument.

The table lives in tests/reliability_cases.py (benchmarks/reliability.py counts the same cases).
A case passes when the call raises the expected kind of error with a one-line message that
names the argument, or, for an exercise check, answers "not yet". A call that returns normally
is a silent wrong result, the failure this battery exists to catch.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from reliability_cases import all_cases, outcome  # noqa: E402

CASES = all_cases()


def test_the_battery_is_large_and_its_ids_are_unique():
    assert len(CASES) >= 300
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_a_clear_error(case):
    verdict, detail = outcome(case)
    assert verdict == "clear", f"{case.id}: expected {getattr(case.error, '__name__', case.error)} naming " \
                               f"`{case.arg}`, got {verdict}: {detail}"
