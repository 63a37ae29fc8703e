"""Progress bars print one final line in plain mode; exercise feedback is truthful."""

import numpy as np

from course_utils.checks import Feedback, _compare
from course_utils.progress import plain_mode, progress


def test_plain_progress_prints_only_the_final_line(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    assert plain_mode()
    total = 0
    for i in progress(range(50), desc="steps"):
        total += i
    err = capsys.readouterr().err
    assert total == sum(range(50))
    assert err.count("steps:") == 1 and "50/50" in err and "100%" in err


def test_plain_progress_manual_updates_and_postfix(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    bar = progress(total=4, desc="epochs")
    for _ in range(4):
        bar.update(1)
        bar.set_postfix(loss=0.25)
    bar.close()
    err = capsys.readouterr().err
    assert err.count("epochs:") == 1 and "loss=0.25" in err


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
