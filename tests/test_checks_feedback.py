"""The machinery every exercise check shares: `@exercise`, `NotYet` and the learner's errors."""

import numpy as np
import pytest

from course_utils.checks import Feedback, NotYet, exercise, learner_call, read_array
from course_utils.checks._feedback import read_int, read_pair, second_part


@exercise("your number, an int ({n_classes} classes)")
def _count(answer, n_classes=10):
    if read_int(answer) != n_classes:
        raise NotYet(f"expected {n_classes}.")
    return Feedback(True, "right")


@exercise("the pair (a, b)", pair=True)
def _pair(answer):
    a, b = read_pair(answer, ("a", "b"))
    with second_part("a is right; "):
        if not np.array_equal(b, a):
            raise NotYet("b differs.")
    return Feedback(True, "both right")


@exercise("your function")
def _calls(func):
    return Feedback(True, str(learner_call("your function", func, 2, on=" on 2")))


def test_placeholder_is_not_yet_and_names_the_arguments():
    verdict = _count(None, n_classes=3)
    assert not verdict
    assert verdict.message == "replace `None` with your number, an int (3 classes)."
    assert _count(None).message.endswith("(10 classes).")


def test_a_pair_with_a_none_in_it_is_still_the_placeholder():
    for answer in (None, (None, None), (1.0, None), [None, 2.0]):
        assert _pair(answer).message == "replace `None` with the pair (a, b)."
    assert _pair((1.0, 1.0))


def test_an_early_stop_becomes_not_yet_with_its_message():
    assert _count(10)
    assert _count(4).message == "expected 10."
    assert _count(4.0).message == "expected 10."  # a whole float counts as an int
    assert "whole number" in _count(4.5).message
    assert _pair((1.0, 2.0)).message == "a is right; b differs."
    assert "`a` holds NaN" in _pair((np.nan, 1.0)).message
    assert _pair(3).message == "`answer` should be the pair (a, b)."


def test_the_learners_exception_is_named_in_the_verdict():
    def crashes(x):
        raise IndexError("oops")

    assert _calls(lambda x: x + 1).message == "3"
    verdict = _calls(crashes)
    assert not verdict
    assert verdict.message == "your function raised IndexError on 2: oops"


def test_a_bug_in_the_check_itself_is_not_hidden():
    @exercise("anything")
    def broken(answer):
        return answer.no_such_attribute

    with pytest.raises(AttributeError):
        broken(1)


def test_read_array_stops_on_unreadable_answers():
    with pytest.raises(NotYet, match="complex"):
        read_array(1j, "x")
    with pytest.raises(NotYet, match="array of numbers"):
        read_array("abc", "x")
    assert read_array([1, 2], "x").dtype == np.float64
