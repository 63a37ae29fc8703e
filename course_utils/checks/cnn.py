"""Exercise checks of the chapter on a CNN in PyTorch: sizes, parameter counts, a second block."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from course_utils.i18n import N_, _
from course_utils.ops import output_size

from ._feedback import Feedback, NotYet, exercise, learner_call, read_array, read_int, second_part

__all__ = ["check_flattened_size", "check_parameter_count", "check_two_conv_net"]


def _run(module: Any, shape: tuple[int, ...], name: str) -> torch.Tensor:
    """The learner's module run on zeros of `shape`: its (batch, values) output, or a stop."""
    if not isinstance(module, nn.Module):
        raise NotYet(
            _("`{name}` should be an nn.Module, got {type}.").format(
                name=name, type=type(module).__name__
            )
        )
    with torch.no_grad():
        out = learner_call(
            _("`{name}`").format(name=name),
            lambda x: module.eval()(x),
            torch.zeros(*shape),
            on=_(" on a batch of shape {shape}").format(shape=shape),
        )
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise NotYet(
            _("`{name}` should return a (batch, values) tensor, got {got}.").format(
                name=name, got=got
            )
        )
    return out


def _check_features(features: Any, expected: int) -> Feedback:
    """The second part of ex-flattened-size: the layers, run on 3x32x32 images."""
    with second_part(_("your number is right; ")):
        out = _run(features, (2, 3, 32, 32), "features")
        convs = [m for m in features.modules() if isinstance(m, nn.Conv2d)]
        if [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] != [(3, 32, (5, 5))]:
            raise NotYet(_("`features` should hold one nn.Conv2d(3, 32, 5), like conv1."))
    if out.shape[1] != expected:
        return Feedback(
            False,
            _(
                "your number is right, but `features` gives {out_shape} values per image: is "
                "the 2x2 pooling in it?"
            ).format(out_shape=out.shape[1]),
        )
    return Feedback(True, "")


@exercise(N_("the number of values per image after `torch.flatten`"))
def check_flattened_size(answer: Any, features: Any) -> Feedback:
    """Exercise ex-flattened-size: NotesNet's flattened size for 3x32x32 inputs."""
    value = read_int(answer)
    side = output_size(32, 5)  # 28 after the 5x5 convolution
    pooled = output_size(side, 2, 2)  # 14 after 2x2 pooling with stride 2
    expected = 32 * pooled * pooled
    hints = {
        32 * side * side: _("that is the size before pooling; the 2x2 pooling halves each side."),
        32 * 16 * 16: _(
            "you halved 32 but forgot that the 5x5 convolution first shrinks 32 to 28."
        ),
        3 * pooled * pooled: _(
            "the flattened vector has one block per *output* channel of conv1 (32), not "
            "per input channel (3)."
        ),
        3 * 32 * pooled * pooled: _(
            "the input channels are summed by the convolution; they do not multiply the count."
        ),
        32 * 4: _(
            "that is the notes' 32*4, which fits only 8x8 or 9x9 inputs (scikit-learn's "
            "8x8 digits: 8 -> 4 -> 2, and 32 x 2 x 2 = 128), not 32x32 colour images: "
            "trace the sizes yourself."
        ),
    }
    if value != expected:
        return Feedback(
            False,
            hints.get(
                value,
                _(
                    "got {value}; trace 32 -> conv 5x5 -> pool 2x2, then multiply by the 32 "
                    "channels."
                ).format(value=value),
            ),
        )
    if features is None:
        return Feedback(
            False,
            _(
                "your number is right; now replace `None` in `features` with the layers "
                "(conv1, ReLU, pool, flatten) for 3x32x32 images, to let PyTorch confirm it."
            ),
        )
    verdict = _check_features(features, expected)
    if not verdict:
        return verdict
    return Feedback(
        True,
        _(
            "32 channels x {pooled} x {pooled} = {expected}: 32 -> 28 (conv) -> 14 (pool), "
            "and your layers agree."
        ).format(pooled=pooled, expected=expected),
    )


def _check_model(model: Any, expected: int) -> None:
    """The second part of ex-parameter-count: the corrected network for 20 classes."""
    with second_part(_("your count is right; ")):
        out = _run(model, (2, 1, 28, 28), "model")
    if out.shape[1] != 20:
        raise NotYet(
            _(
                "your count is right, but `model` gives {out_shape} scores per image; the "
                "notes' network has 20 classes."
            ).format(out_shape=out.shape[1])
        )
    counted = sum(p.numel() for p in model.parameters())
    if counted != expected:
        raise NotYet(
            _(
                "your count is right, but `model` has {counted:,} parameters: is it the "
                "corrected network (conv1 5x5 with 32 maps, pool, fc1)?"
            ).format(counted=counted)
        )


@exercise(N_("the total number of parameters, an int"))
def check_parameter_count(answer: Any, model: Any) -> Feedback:
    """Exercise ex-parameter-count: NotesNet(20)'s parameters, and the model."""
    value = read_int(answer)
    conv_weights, conv_bias = 32 * 1 * 5 * 5, 32
    fc_weights, fc_bias = 32 * 12 * 12 * 20, 20
    expected = conv_weights + conv_bias + fc_weights + fc_bias
    hints = {
        conv_weights + fc_weights: _(
            "you counted the weights only; each layer also has one bias per output."
        ),
        fc_weights + fc_bias: _(
            "that is the linear layer alone; add the convolution's weights and biases."
        ),
        conv_weights + conv_bias: _("that is the convolution alone; add the linear layer."),
        conv_weights + conv_bias + 32 * 4 * 20 + 20: _(
            "that uses the notes' 32*4 inputs for fc1; the real flattened size for 28x28 "
            "is 32 x 12 x 12 = 4608."
        ),
    }
    if value != expected:
        return Feedback(
            False,
            hints.get(
                value,
                _("got {value}; count weights and biases of conv1 and of fc1.").format(value=value),
            ),
        )
    if model is None:
        return Feedback(
            False,
            _(
                "your count is right; now replace `None` in `model` with the corrected network "
                "for 20 classes, to count its parameters with PyTorch."
            ),
        )
    _check_model(model, expected)
    return Feedback(
        True,
        _(
            "{conv} (conv1) + {fc} (fc1) = {expected}, "
            "as PyTorch counts for your model; the linear layer holds 99% of them."
        ).format(
            conv=conv_weights + conv_bias,
            fc=fc_weights + fc_bias,
            expected=expected,
        ),
    )


def _check_two_conv_layers(model: nn.Module) -> None:
    """The layers of ex-two-conv: conv1, conv2 (32 -> 64, 3x3), pool, fc1 (1600 inputs)."""
    for name, kind in (
        ("conv1", nn.Conv2d),
        ("conv2", nn.Conv2d),
        ("pool", nn.MaxPool2d),
        ("fc1", nn.Linear),
    ):
        if not isinstance(getattr(model, name, None), kind):
            raise NotYet(
                _("the model needs a layer `{name}` of type nn.{name2}.").format(
                    name=name, name2=kind.__name__
                )
            )
    conv2 = model.conv2
    if (conv2.in_channels, conv2.out_channels, conv2.kernel_size) != (32, 64, (3, 3)):
        raise NotYet(
            _("conv2 should be nn.Conv2d(32, 64, 3): 32 channels in, 64 out, 3x3 kernels.")
        )
    if model.fc1.in_features != 64 * 5 * 5:
        raise NotYet(
            _(
                "fc1 takes {in_features} inputs; trace 28 -> 24 -> 12 -> 10 -> 5 and multiply "
                "by conv2's 64 channels."
            ).format(in_features=model.fc1.in_features)
        )


@exercise(N_("your class (the class itself, not an instance)"))
def check_two_conv_net(model_class: Any) -> Feedback:
    """Exercise ex-two-conv: a NotesNet with a second conv + pool block."""
    if not (isinstance(model_class, type) and issubclass(model_class, nn.Module)):
        return Feedback(
            False,
            _("pass a subclass of nn.Module, got {model_class!r}.").format(model_class=model_class),
        )
    model = learner_call(_("`{name}(10)`").format(name=model_class.__name__), model_class, 10)
    _check_two_conv_layers(model)
    images = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = learner_call(_("the forward pass"), model, images)
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (8, 10):
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        return Feedback(
            False,
            _("for a batch (8, 1, 28, 28) the output should be (8, 10), got {shape}.").format(
                shape=shape
            ),
        )
    try:
        read_array(logits, "logits")
    except NotYet:
        return Feedback(
            False, _("the forward pass returns NaN or infinite logits for ordinary images.")
        )
    _check_composition(model, images, logits)
    count = sum(p.numel() for p in model.parameters())
    return Feedback(
        True,
        _(
            "output (8, 10), fc1 takes 64 x 5 x 5 = 1600 inputs, {count:,} parameters in all."
        ).format(count=count),
    )


def _compositions(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The exercise's composition of the model's own layers, and named slips of it."""
    relu = torch.relu

    def through(first=relu, second=relu) -> torch.Tensor:
        hidden = model.pool(second(model.conv2(model.pool(first(model.conv1(x))))))
        return model.fc1(torch.flatten(hidden, 1))

    same = through()
    return {
        "right": same,
        "the outputs are log-probabilities (log_softmax): return the raw logits of fc1; "
        "the loss takes care of the softmax.": torch.log_softmax(same, dim=1),
        "the outputs sum to 1 per image: return logits, not softmax probabilities.": torch.softmax(
            same, dim=1
        ),
        "the outputs went through a sigmoid: return fc1's raw logits, with nothing after it.": (
            torch.sigmoid(same)
        ),
        "the outputs are a sigmoid minus 0.5: return fc1's raw logits, with nothing after it.": (
            torch.sigmoid(same) - 0.5
        ),
        "no output is negative: is there a ReLU on the last layer? Return raw logits.": relu(same),
        "there is no ReLU after conv1 and conv2: each block is conv, ReLU, pool.": through(
            lambda t: t, lambda t: t
        ),
        "there is no ReLU after conv2: each block is conv, ReLU, pool.": through(
            second=lambda t: t
        ),
        "there is no ReLU after conv1: each block is conv, ReLU, pool.": through(first=lambda t: t),
    }


def _check_composition(model: nn.Module, images: torch.Tensor, logits: torch.Tensor) -> None:
    """Stop unless the output is the model's own layers composed as the exercise says.

    Checked on a second batch too: an output that does not follow its input (a forward that
    ignores `x`, or that remembers its first call) is refused.
    """
    if len(images) > 1 and (logits - logits[:1]).abs().max() < 1e-6:
        raise NotYet(_("every image gets the same output: forward must compute it from `x`."))
    with torch.no_grad():
        candidates = _compositions(model, images)
    for message, candidate in candidates.items():
        if torch.allclose(logits, candidate, atol=1e-5, rtol=1e-4):
            if message != "right":
                raise NotYet(message)
            break
    else:
        raise NotYet(
            _(
                "the output is not fc1(flatten(pool(relu(conv2(pool(relu(conv1(x)))))))) of "
                "your own layers: check that forward uses `x`, and the order of the layers."
            )
        )
    other = torch.rand(images.shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        again = learner_call(_("the forward pass"), model, other)
        expected = _compositions(model, other)["right"]
    if not (isinstance(again, torch.Tensor) and torch.allclose(again, expected, 1e-4, 1e-5)):
        raise NotYet(
            _(
                "on a second batch the output is not the composition of your layers: forward "
                "must compute the logits from the `x` it is given, every time."
            )
        )
