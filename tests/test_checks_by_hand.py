"""How the by-hand checks read the learner's code: names called, aliases, helpers, history."""

import numpy as np
import torch.nn.functional as F
from scipy.special import log_softmax as renamed

from course_utils.checks._by_hand import answer_names, called_names, refuse


def test_called_names_reads_attributes_aliases_closures_and_helpers():
    def attribute(x):
        return F.conv2d(x)

    def alias(x):
        return renamed(x)

    library = F.max_pool2d

    def closure(x):
        return library(x)

    def helper(x):
        return attribute(x)

    def nested(x):
        return (lambda y: F.avg_pool2d(y))(x)

    assert "conv2d" in called_names(attribute)
    assert "log_softmax" in called_names(alias)  # scipy's function under another name
    assert "max_pool2d" in called_names(closure)
    assert "conv2d" in called_names(helper)  # followed into the learner's own function
    assert "avg_pool2d" in called_names(nested)
    assert called_names(np.sum) == set()  # not the learner's Python code: nothing to read


def test_called_names_never_refuses_a_learner_helper_by_its_name():
    def conv2d(image):  # the learner's own, named like the library's
        return image.sum()

    def mine(image):
        return conv2d(image)

    assert refuse(called_names(mine), {"conv2d": "no"}) is None


def test_answer_names_follows_the_variables_back_from_the_exercise_on():
    answer = np.zeros(3)
    namespace = {
        "In": [
            "",
            "early = library_op(x)",  # before the exercise: never read
            "answer = None\ncheck_thing(answer)",
            "middle = early * 2\nother = unrelated_op(x)",
            "answer = middle + 1\ncheck_thing(answer)",
        ],
        "answer": answer,
        "middle": np.ones(3),
        "early": np.ones(3),
    }
    names = answer_names(answer, "check_thing", namespace)
    assert {"middle", "early"} <= names
    assert "library_op" not in names and "unrelated_op" not in names
    namespace["In"][3] = "middle = library_op(x) * 2"
    assert "library_op" in answer_names(answer, "check_thing", namespace)


def test_answer_names_outside_a_notebook_or_before_the_exercise_is_empty():
    answer = np.zeros(3)
    assert answer_names(answer, "check_thing", {}) == set()
    namespace = {"In": ["", "answer = library_op(x)"], "answer": answer}
    assert answer_names(answer, "check_thing", namespace) == set()
    namespace["In"].append("check_thing([1, 2, 3])")  # a literal: no variable holds it
    assert answer_names(np.zeros(3), "check_thing", namespace) == set()
