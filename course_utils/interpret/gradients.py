"""Gradient maps: saliency and guided backpropagation (attribution)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from course_utils._validate import (
    as_bool,
    as_callable,
    as_model_input,
    as_targets,
    require_class_scores,
)
from course_utils.modes import evaluating

__all__ = ["saliency", "guided_backprop", "pick_scores"]


def pick_scores(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """scores[i, target[i]] for every image i: the score each attribution method explains."""
    return scores.gather(1, target.to(scores.device)[:, None])[:, 0]


def _input_gradient(model, x: torch.Tensor, target, func: str) -> torch.Tensor:
    """d score[i, target[i]] / d x[i] for every image i (independent images in eval mode)."""
    target = as_targets(target, "target", func, x.shape[0])
    x = x.clone().requires_grad_(True)
    with torch.enable_grad(), evaluating(model):
        scores = model(x)
        require_class_scores(target, "target", func, scores)
        (gradient,) = torch.autograd.grad(pick_scores(scores, target).sum(), x)
    return gradient


def saliency(
    model: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    target: int | Sequence[int] | torch.Tensor,
    abs: bool = True,  # Captum's name, though it shadows the builtin
) -> torch.Tensor:
    """Saliency map: the gradient of the target score with respect to each pixel (attribution).

    Equals Captum's `Saliency(model).attribute(x, target=target, abs=abs)`: shaped like `x`,
    with absolute values when `abs=True`.
    """
    func = "saliency"
    as_callable(model, "model", func)
    abs = as_bool(abs, "abs", func)
    x = as_model_input(x, "x", func, model)
    gradient = _input_gradient(model, x, target, func)
    return gradient.abs() if abs else gradient


class _GuidedReLU(torch.autograd.Function):
    """ReLU forward; backward passes only positive gradients through positive inputs."""

    @staticmethod
    def forward(ctx, x):
        out = torch.relu(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad.clamp(min=0) * (out > 0)


class _GuidedReLUInplace(_GuidedReLU):
    """The same rule for in-place ReLUs (`relu_`, `inplace=True`): modifies and returns `x`."""

    @staticmethod
    def forward(ctx, x):
        x.relu_()
        ctx.mark_dirty(x)
        ctx.save_for_backward(x)
        return x


class _GuidedClippedReLU(torch.autograd.Function):
    """min(max(x, 0), top), as ReLU6; backward: positive gradients where 0 < x < top."""

    @staticmethod
    def forward(ctx, x, top, inplace):
        out = x.clamp_(0.0, top) if inplace else x.clamp(0.0, top)
        if inplace:
            ctx.mark_dirty(x)
        ctx.save_for_backward(out)
        ctx.top = top
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad.clamp(min=0) * ((out > 0) & (out < ctx.top)), None, None


_RELUS = {F.relu, torch.relu, torch.Tensor.relu}
_RELUS_INPLACE = {torch.relu_, torch.Tensor.relu_}
# Rectifier-like activations guided backprop is not defined for: refused, never silently passed.
_NOT_RELU = {
    F.threshold,
    F.threshold_,
    F.hardtanh_,
    F.leaky_relu,
    F.leaky_relu_,
    F.rrelu,
    F.rrelu_,
    F.prelu,
    F.elu,
    F.elu_,
    F.selu,
    F.celu,
    F.gelu,
    F.silu,
    F.mish,
    F.softplus,
    F.hardswish,
    torch.threshold,
    torch.threshold_,
    torch.prelu,
    torch.rrelu,
    torch.selu,
    torch.celu,
}
_CLAMPS = {
    torch.clamp,
    torch.clip,
    torch.clamp_min,
    torch.Tensor.clamp,
    torch.Tensor.clip,
    torch.Tensor.clamp_min,
    torch.clamp_,
    torch.Tensor.clamp_,
    torch.Tensor.clamp_min_,
    torch.clamp_min_,
}


def _clipped_relu(func, args, kwargs) -> torch.Tensor:
    """ReLU6 (`F.relu6`, or `F.hardtanh(x, 0, top)` as `nn.ReLU6` calls it), guided."""
    names = ("input", "inplace") if func is F.relu6 else ("input", "min_val", "max_val", "inplace")
    given = dict(zip(names, args, strict=False)) | kwargs
    low, top = (
        (0.0, 6.0) if func is F.relu6 else (given.get("min_val", -1.0), given.get("max_val", 1.0))
    )
    if low != 0 or not top > 0:
        raise ValueError(
            f"guided_backprop: the model calls `hardtanh` with min_val={low}, max_val={top}; "
            "guided backpropagation is defined for rectifiers (ReLU, ReLU6) only, so it is "
            "refused here"
        )
    return _GuidedClippedReLU.apply(given["input"], float(top), bool(given.get("inplace", False)))


class _GuidedReLUMode(TorchFunctionMode):
    """While active, every ReLU call (module, functional or in-place) uses the guided backward."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _RELUS or func in _RELUS_INPLACE:
            inplace = func in _RELUS_INPLACE or bool(
                kwargs.get("inplace", args[1] if len(args) > 1 else False)
            )
            return (_GuidedReLUInplace if inplace else _GuidedReLU).apply(args[0])
        if func in (F.relu6, F.hardtanh):
            return _clipped_relu(func, args, kwargs)
        if func in _NOT_RELU:
            raise ValueError(
                f"guided_backprop: the model calls `{getattr(func, '__name__', func)}`; guided "
                "backpropagation is defined for ReLU networks only, so it is refused here"
            )
        if func in _CLAMPS:
            low = kwargs.get("min", args[1] if len(args) > 1 else None)
            high = kwargs.get("max", args[2] if len(args) > 2 else None)
            if high is None and isinstance(low, int | float) and low == 0:
                raise ValueError(
                    "guided_backprop: the model computes a ReLU with `clamp(min=0)`; write it "
                    "as nn.ReLU, F.relu or torch.relu so that its backward can be guided"
                )
        return func(*args, **kwargs)


def guided_backprop(
    model: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    target: int | Sequence[int] | torch.Tensor,
) -> torch.Tensor:
    """Guided backpropagation: the gradient through ReLUs that pass back positives (attribution).

    At each ReLU the backward pass keeps the gradient only where the ReLU's input was positive
    (the ordinary rule) AND the incoming gradient is positive (the guided rule), Springenberg et
    al. (2015). For networks whose ReLUs are `nn.ReLU` modules this equals Captum's
    `GuidedBackprop`. Unlike Captum, functional and in-place ReLUs (`F.relu`, `torch.relu`,
    `x.relu()`, `relu_`, `inplace=True`) are guided too, and so is ReLU6 (`nn.ReLU6`, `F.relu6`,
    `F.hardtanh(x, 0, top)`; as in MobileNetV2), with the same rule where 0 < input < 6: Captum
    leaves ReLU6 unguided. Other activations (LeakyReLU, hardtanh(-1, 1), `clamp(min=0)`, ...)
    and TorchScript models raise a ValueError/TypeError instead of giving a silently wrong
    map. A ReLU written as plain arithmetic (`x * (x > 0)`) cannot be detected.
    """
    func = "guided_backprop"
    as_callable(model, "model", func)
    if isinstance(model, torch.jit.ScriptModule | torch.jit.ScriptFunction):
        raise TypeError(
            f"{func}: TorchScript models hide their ReLUs; pass the eager nn.Module instead"
        )
    x = as_model_input(x, "x", func, model)
    with _GuidedReLUMode():  # the same input gradient, through guided ReLUs
        return _input_gradient(model, x, target, func)
