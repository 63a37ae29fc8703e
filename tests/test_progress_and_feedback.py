"""Progress bars draw nothing in plain mode; exercise feedback is truthful."""

import numpy as np

from course_utils.checks import Feedback
from course_utils.checks._feedback import _compare
from course_utils.progress import plain_mode, progress


def test_plain_progress_draws_nothing_but_still_iterates(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    assert plain_mode()
    total = 0
    for i in progress(range(50), desc="steps"):
        total += i
    bar = progress(total=4, desc="epochs")
    for _ in range(4):
        bar.update(1)
        bar.set_postfix(loss=0.25)
    bar.close()
    captured = capsys.readouterr()
    assert total == sum(range(50))
    assert captured.err == "" and captured.out == "", "stored outputs must hold no progress bar"


def test_progress_shows_a_bar_outside_plain_mode(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    for _ in progress(range(3), desc="steps"):
        pass
    assert "steps" in capsys.readouterr().err


def test_plain_mode_is_off_by_default(monkeypatch):
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    assert not plain_mode()
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "0")
    assert not plain_mode()


def test_feedback_is_truthy_only_when_right():
    assert Feedback(True, "fine") and not Feedback(False, "wrong")
    assert repr(Feedback(True, "fine")).startswith("Correct")
    assert repr(Feedback(False, "wrong")).startswith("Not yet")


def test_compare_checks_shape_then_values():
    expected = np.eye(2)
    assert _compare(np.eye(2), expected, "k", "ok")
    assert "shape" in _compare(np.eye(3), expected, "k", "ok").message
    assert "differ" in _compare(np.eye(2) * 2, expected, "k", "ok").message
    assert not _compare(None, expected, "k", "ok")


def test_feedback_wraps_at_88_characters_so_nothing_scrolls():
    message = "the kernel must sum to 1 so that a flat image keeps its brightness; " * 4
    shown = repr(Feedback(False, message))
    assert shown.startswith("Not yet: the kernel") and "\n" in shown
    assert max(len(line) for line in shown.splitlines()) <= 88
    assert " ".join(shown.split()) == " ".join(("Not yet: " + message).split()), "no word lost"
