"""Exercise checks of dropout and batch norm, and of a CNN in PyTorch: right answers pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import checks

# --- dropout and batch norm ---------------------------------------------------------------

X = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
KEEP = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=bool)


def test_inverted_dropout_right_answer():
    verdict = checks.check_inverted_dropout(X * KEEP / 0.75)
    assert verdict and "4/3" in verdict.message
    assert checks.check_inverted_dropout(torch.from_numpy(X * KEEP / 0.75))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (X * KEEP, "not scaled"),
        (X * KEEP * 0.75, "multiplied the survivors by 1 - p"),
        (X * ~KEEP / 0.75, "zeroed the kept values"),
        (X * KEEP / 0.25, "divided by p"),
        (X / 0.75, "differ"),
        (np.zeros((4, 2)), "shape"),
    ],
)
def test_inverted_dropout_mistakes(wrong, hint):
    verdict = checks.check_inverted_dropout(wrong)
    assert not verdict
    assert hint in verdict.message


def test_inverted_dropout_placeholder_and_junk():
    assert "replace `None`" in checks.check_inverted_dropout(None).message
    assert not checks.check_inverted_dropout("abc")


def _fed_layer(batches=1, values=(2.0, 4.0, 6.0, 8.0)):
    layer = nn.BatchNorm1d(1, momentum=0.1)
    for _ in range(batches):
        layer(torch.tensor(values)[:, None])
    return layer


def _torch_running_stats():
    layer = _fed_layer()
    return layer.running_mean.item(), layer.running_var.item()


def test_running_stats_right_answer_agrees_with_torch():
    mean, var = _torch_running_stats()
    assert checks.check_running_stats((mean, var), _fed_layer())
    assert checks.check_running_stats(
        [np.float32(0.5), torch.tensor(0.9 + 0.1 * 20 / 3)], _fed_layer()
    )


@pytest.mark.parametrize(
    "layer, hint",
    [
        (None, "replace `None`"),
        (nn.BatchNorm1d(1), "not seen a batch"),
        (_fed_layer(batches=2), "seen 2 batches"),
        (_fed_layer(values=(1.0, 2.0, 3.0, 4.0)), "did it see the batch"),
        (nn.BatchNorm1d(2), "nn.BatchNorm1d(1)"),
        (nn.BatchNorm1d(1, momentum=0.5), "momentum 0.1"),
        (nn.BatchNorm2d(1), "nn.BatchNorm1d(1)"),
    ],
)
def test_running_stats_need_the_layer(layer, hint):
    verdict = checks.check_running_stats(_torch_running_stats(), layer)
    assert not verdict
    assert "your pair is right" in verdict.message and hint in verdict.message, verdict.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        ((0.5, 0.9 + 0.1 * 5.0), "biased"),
        ((4.5, 1.5667), "swapped"),
        ((5.0, 1.5667), "batch mean itself"),
        ((0.4, 1.5667), "0.9 * 0 + 0.1"),
        ((0.5, 2.0), "unbiased variance"),
        ((0.5,), "2 numbers"),
        ("ab", "pair of numbers"),
        (None, "replace `None`"),
    ],
)
def test_running_stats_mistakes(answer, hint):
    verdict = checks.check_running_stats(answer, _fed_layer())
    assert not verdict
    assert hint in verdict.message


def _bn_eval_expected():
    image = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 10.0], [20.0, 30.0]]])
    return F.batch_norm(
        image[None],
        torch.tensor([2.0, 10.0]),
        torch.tensor([4.0, 100.0]),
        torch.tensor([1.0, 0.5]),
        torch.tensor([0.0, 1.0]),
        training=False,
    )[0]


def test_bn_eval_right_answer_agrees_with_torch():
    expected = _bn_eval_expected()
    assert checks.check_bn_eval(expected)
    assert checks.check_bn_eval(expected[None])  # a batch of one is fine too


def test_bn_eval_mistakes():
    image = np.array([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 10.0], [20.0, 30.0]]])
    mean, var = np.array([2.0, 10.0]).reshape(2, 1, 1), np.array([4.0, 100.0]).reshape(2, 1, 1)
    weight, bias = np.array([1.0, 0.5]).reshape(2, 1, 1), np.array([0.0, 1.0]).reshape(2, 1, 1)
    own = (image - image.mean(axis=(1, 2), keepdims=True)) / np.sqrt(
        image.var(axis=(1, 2), keepdims=True) + 1e-5
    )
    cases = [
        (own * weight + bias, "training mode"),
        ((image - mean) / np.sqrt(var), "scale by `weight`"),
        ((image - mean) / var * weight + bias, "square root"),
        (image, "differ"),
        (np.zeros((2, 4)), "shape"),
        (None, "replace `None`"),
    ]
    for answer, hint in cases:
        verdict = checks.check_bn_eval(answer)
        assert not verdict, hint
        assert hint in verdict.message, (hint, verdict.message)


# --- a CNN in PyTorch ----------------------------------------------------------------------


def test_flattened_size():
    from course_utils.models import NotesNet

    expected = NotesNet(10, in_channels=3, input_size=32).flattened_size
    assert expected == 6272
    assert checks.check_flattened_size(expected, _features())
    assert checks.check_flattened_size(np.int64(6272), _features())
    assert checks.check_flattened_size(6272.0, _features())
    for wrong, hint in [
        (32 * 28 * 28, "before pooling"),
        (32 * 16 * 16, "shrinks 32 to 28"),
        (3 * 14 * 14, "output"),
        (3 * 32 * 14 * 14, "summed"),
        (128, "fits only 8x8 or 9x9 inputs"),
        (1000, "got 1000"),
        (62.72, "whole number"),
        (None, "replace `None`"),
    ]:
        verdict = checks.check_flattened_size(wrong, _features())
        assert not verdict
        assert hint in verdict.message, (wrong, verdict.message)


def _features(pool=True, conv=(3, 32, 5)):
    layers = [nn.Conv2d(*conv), nn.ReLU()] + ([nn.MaxPool2d(2)] if pool else []) + [nn.Flatten()]
    return nn.Sequential(*layers)


@pytest.mark.parametrize(
    "features, hint",
    [
        (None, "replace `None`"),
        (_features(pool=False), "is the 2x2 pooling in it"),
        (_features(conv=(1, 32, 5)), "raised RuntimeError"),  # built for grayscale
        (_features(conv=(3, 32, 3)), "one nn.Conv2d(3, 32, 5)"),
        (nn.Sequential(nn.Conv2d(3, 32, 5)), "(batch, values)"),  # flatten forgotten
        ("layers", "nn.Module"),
    ],
)
def test_flattened_size_needs_the_layers(features, hint):
    verdict = checks.check_flattened_size(6272, features)
    assert not verdict
    assert "your number is right" in verdict.message and hint in verdict.message, verdict.message


def test_parameter_count():
    from course_utils.models import NotesNet

    expected = sum(p.numel() for p in NotesNet(20).parameters())
    assert expected == 93012
    assert checks.check_parameter_count(expected, NotesNet(20))
    assert checks.check_parameter_count(torch.tensor(expected), NotesNet(20))
    for model, hint in [
        (None, "replace `None`"),
        (NotesNet(10), "20 classes"),
        (NotesNet(20, in_channels=3), "raised ValueError"),
        (nn.Sequential(nn.Flatten(), nn.Linear(784, 20)), "is it the corrected network"),
        (nn.Conv2d(1, 20, 28), "(batch, values)"),
        (93012, "nn.Module"),
    ]:
        verdict = checks.check_parameter_count(expected, model)
        assert not verdict
        assert "your count is right" in verdict.message and hint in verdict.message, (
            hint,
            verdict.message,
        )
    for wrong, hint in [
        (800 + 92160, "weights only"),
        (92180, "linear layer alone"),
        (832, "convolution alone"),
        (832 + 128 * 20 + 20, "32*4"),
        (5, "got 5"),
        ("93012", "whole number"),
        (None, "replace `None`"),
    ]:
        verdict = checks.check_parameter_count(wrong, NotesNet(20))
        assert not verdict
        assert hint in verdict.message, (wrong, verdict.message)


def test_flattened_size_says_where_the_notes_number_fits():
    from course_utils.models import NotesNet

    message = checks.check_flattened_size(128, _features()).message
    assert "no usual input" not in message and "scikit-learn's 8x8 digits" in message
    # the claim itself: the notes' network on 8x8 images flattens to 32*4 = 128
    assert NotesNet(10, in_channels=1, input_size=8).flattened_size == 32 * 4
    assert NotesNet(10, in_channels=1, input_size=9).flattened_size == 32 * 4


def _two_conv(relu_on_output=False, conv2=(32, 64, 3), flat=64 * 5 * 5, softmax=False):
    class TwoConv(nn.Module):
        def __init__(self, n_classes):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 5)
            self.conv2 = nn.Conv2d(*conv2)
            self.pool = nn.MaxPool2d(2, 2)
            self.fc1 = nn.Linear(flat, n_classes)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = self.fc1(torch.flatten(x, 1))
            if softmax:
                return x.softmax(dim=1)
            return F.relu(x) if relu_on_output else x

    return TwoConv


def test_two_conv_net_right_answer():
    torch.manual_seed(0)
    verdict = checks.check_two_conv_net(_two_conv())
    assert verdict
    assert "35,338" in verdict.message


def test_two_conv_net_mistakes():
    torch.manual_seed(0)

    class Broken(nn.Module):
        def __init__(self, n_classes):
            super().__init__()
            raise RuntimeError("boom")

    class MissingLayers(nn.Module):
        def __init__(self, n_classes):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 5)

    cases = [
        (None, "replace `None`"),
        (_two_conv()(10), "subclass"),
        (Broken, "RuntimeError: boom"),
        (MissingLayers, "`conv2`"),
        (_two_conv(conv2=(32, 64, 5)), "nn.Conv2d(32, 64, 3)"),
        (_two_conv(flat=128), "fc1 takes 128"),
        (_two_conv(relu_on_output=True), "ReLU"),
        (_two_conv(softmax=True), "not softmax"),
    ]
    for answer, hint in cases:
        verdict = checks.check_two_conv_net(answer)
        assert not verdict, hint
        assert hint in verdict.message, (hint, verdict.message)


def _shortcut(forward):
    """A TwoConvNet with the exercise's layers whose forward is `forward(self, x)`."""

    class Shortcut(_two_conv()):
        pass

    Shortcut.forward = forward
    return Shortcut


@pytest.mark.parametrize(
    "forward, hint",
    [
        # the forward ignores its input
        (lambda self, x: self.fc1(torch.randn(len(x), 1600)), "not fc1(flatten(pool(relu"),
        (lambda self, x: self.fc1(torch.zeros(len(x), 1600)), "same output"),
        # no ReLUs, returning log_softmax
        (
            lambda self, x: torch.log_softmax(
                self.fc1(torch.flatten(self.pool(self.conv2(self.pool(self.conv1(x)))), 1)), 1
            ),
            "not fc1(flatten(pool(relu",
        ),
        # sigmoid - 0.5
        (
            lambda self, x: (
                torch.sigmoid(
                    self.fc1(
                        torch.flatten(
                            self.pool(F.relu(self.conv2(self.pool(F.relu(self.conv1(x)))))), 1
                        )
                    )
                )
                - 0.5
            ),
            "sigmoid minus 0.5",
        ),
        (
            lambda self, x: torch.log_softmax(
                self.fc1(
                    torch.flatten(
                        self.pool(F.relu(self.conv2(self.pool(F.relu(self.conv1(x)))))), 1
                    )
                ),
                1,
            ),
            "log_softmax",
        ),
        (
            lambda self, x: self.fc1(
                torch.flatten(self.pool(self.conv2(self.pool(self.conv1(x)))), 1)
            ),
            "no ReLU after conv1 and conv2",
        ),
        (
            lambda self, x: self.fc1(
                torch.flatten(self.pool(self.conv2(self.pool(F.relu(self.conv1(x))))), 1)
            ),
            "no ReLU after conv2",
        ),
    ],
)
def test_two_conv_net_refuses_models_that_do_not_do_the_task(forward, hint):
    torch.manual_seed(0)
    verdict = checks.check_two_conv_net(_shortcut(forward))
    assert not verdict and hint in verdict.message, verdict.message


def test_two_conv_net_refuses_a_forward_that_remembers_its_first_batch():
    class Remembers(_two_conv()):
        def forward(self, x):
            if not hasattr(self, "first"):
                self.first = super().forward(x)
            return self.first

    verdict = checks.check_two_conv_net(Remembers)
    assert not verdict and "second batch" in verdict.message


def test_two_conv_net_accepts_relu_modules_and_a_sequential_forward():
    class WithModules(_two_conv()):
        def __init__(self, n_classes):
            super().__init__(n_classes)
            self.act = nn.ReLU()

        def forward(self, x):
            x = self.pool(self.act(self.conv1(x)))
            x = self.pool(self.act(self.conv2(x)))
            return self.fc1(x.view(x.size(0), -1))

    assert checks.check_two_conv_net(WithModules)
