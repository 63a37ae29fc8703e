"""Grad-CAM: a layer's feature maps weighted by their average gradient (attribution)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from course_utils._validate import as_model_input, as_submodule, as_targets, require_class_scores
from course_utils.modes import evaluating

from .gradients import pick_scores

__all__ = ["grad_cam"]


def _layer_output_and_gradient(model: nn.Module, x, target, module: nn.Module, func: str):
    """The layer's output A (N, C, h, w) and d score[i, target[i]] / dA, with hooks."""
    recorded: list[torch.Tensor] = []

    def hook(_module, _inputs, output):
        recorded.append(output)

    handle = module.register_forward_hook(hook)
    try:
        with torch.enable_grad(), evaluating(model):
            scores = model(x.clone().requires_grad_(True))
    finally:
        handle.remove()
    if len(recorded) != 1:
        raise ValueError(
            f"{func}: `layer` must run exactly once in the model's forward pass, "
            f"it ran {len(recorded)} times"
        )
    (output,) = recorded
    if not isinstance(output, torch.Tensor) or output.ndim != 4:
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise ValueError(
            f"{func}: `layer` must output feature maps of shape (N, C, h, w), like a "
            f"convolution, got {shape}"
        )
    if not isinstance(scores, torch.Tensor):
        raise ValueError(f"{func}: the model must return a tensor of scores (N, classes)")
    require_class_scores(target, "target", func, scores)
    if not output.requires_grad:
        raise ValueError(f"{func}: the score does not depend on the output of `layer`")
    (gradient,) = torch.autograd.grad(pick_scores(scores, target).sum(), output, allow_unused=True)
    if gradient is None:
        raise ValueError(f"{func}: the score does not depend on the output of `layer`")
    return output.detach(), gradient.detach()


def grad_cam(
    model: nn.Module,
    x: torch.Tensor,
    target: int | Sequence[int] | torch.Tensor,
    layer: nn.Module | str,
    upsample: bool = True,
) -> torch.Tensor:
    """Grad-CAM map of the target score at a convolutional `layer` (attribution).

    Selvaraju et al. (2017). With A (N, C, h, w) the output of `layer` (a submodule of `model`,
    or its name) and G = d score[i, target[i]] / dA its gradient, each channel k gets the
    weight alpha_k = mean of G[k] over the h x w positions, and the map is
    ReLU(sum_k alpha_k A[k]): the channels whose increase raises the score, added up where they
    are active. Returns (N, 1, h, w), or with `upsample=True` (N, 1, H, W) at the input's size
    by bilinear interpolation (`align_corners=False`).

    This equals Captum's `LayerGradCam(model, layer).attribute(x, target,
    relu_attributions=True)`, then `LayerAttribution.interpolate(map, (H, W), "bilinear")`.
    The model runs once in evaluation mode (its modes are restored afterwards); only the
    layer's output is differentiated, so no `.grad` is left on the parameters or on `x`.
    """
    func = "grad_cam"
    if not isinstance(model, nn.Module):
        raise TypeError(f"{func}: `model` must be an nn.Module, got {type(model).__name__}")
    if not isinstance(upsample, bool):
        raise TypeError(f"{func}: `upsample` must be True or False, got {upsample!r}")
    x = as_model_input(x, "x", func, model)
    target = as_targets(target, "target", func, x.shape[0])
    module = as_submodule(layer, "layer", func, model)
    features, gradient = _layer_output_and_gradient(model, x, target, module, func)
    weights = gradient.mean(dim=(2, 3), keepdim=True)  # alpha: one weight per channel
    cam = F.relu((weights * features).sum(dim=1, keepdim=True))
    if upsample:
        cam = F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)
    return cam
