"""Looking inside a trained network (chapters 08-09).

- `activations`: a layer's output, read with a forward hook.
- `embed`: 2-D PCA or t-SNE embeddings of feature vectors (scikit-learn).
- `occlusion`, `saliency`, `guided_backprop`: attribution maps that equal Captum's `Occlusion`,
  `Saliency` and `GuidedBackprop` for the same window, stride, baseline and target.

Every function runs the model in evaluation mode (dropout off, batch norm on its running
statistics) and puts it back in the mode it was in, so looking inside a model never changes
it. Integer images (uint8 and the like) are read as 0-255 pixel values and scaled to [0, 1].
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from ._validate import as_float_array, as_pair

__all__ = [
    "evaluating",
    "activations",
    "embed",
    "occlusion_positions",
    "occlusion",
    "saliency",
    "guided_backprop",
]


# --- shared input checks ------------------------------------------------------------------


def _check_model(model, func: str) -> None:
    if not callable(model):
        raise TypeError(
            f"{func}: `model` must be a callable such as an nn.Module, got {type(model).__name__}"
        )


@contextlib.contextmanager
def evaluating(model) -> Iterator[None]:
    """Run `model` in eval mode inside the block, then restore its own mode (chapters 08-10)."""
    if not isinstance(model, nn.Module):
        yield
        return
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _as_image_batch(x, name: str, func: str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """`x` (N, C, H, W) as a float tensor: integers are 0-255 pixels, floats must match `dtype`."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{func}: `{name}` must be a torch.Tensor of shape (N, C, H, W), got {type(x).__name__}"
        )
    if x.ndim != 4:
        raise ValueError(
            f"{func}: `{name}` must have shape (N, C, H, W), got shape {tuple(x.shape)}; "
            "for one image use x[None]"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{func}: `{name}` holds no images (batch size 0)")
    if x.is_complex():
        raise TypeError(f"{func}: `{name}` must hold real numbers, got dtype {x.dtype}")
    if x.dtype == torch.bool:
        raise TypeError(f"{func}: `{name}` must hold pixel values, got dtype torch.bool")
    if not torch.is_floating_point(x):  # integer pixels: 0-255, as uint8 images are stored
        low, high = int(x.min()), int(x.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"{func}: integer `{name}` must hold 0-255 pixel values, got values in "
                f"[{low}, {high}]; pass floats for other ranges"
            )
        x = x.to(dtype or torch.float32) / 255.0
    elif dtype is not None and x.dtype != dtype:
        raise TypeError(
            f"{func}: `{name}` has dtype {x.dtype} but the model's weights are {dtype}; "
            f"convert it with {name}.to({dtype})"
        )
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{func}: `{name}` contains NaN or infinite values")
    return x


def _check_inputs(x, func: str, model=None) -> torch.Tensor:
    """`x` as a float tensor (N, C, H, W) on the model's device, in the model's dtype."""
    parameter = next(model.parameters(), None) if isinstance(model, nn.Module) else None
    x = _as_image_batch(x, "x", func, None if parameter is None else parameter.dtype)
    if parameter is not None and parameter.device != x.device:
        x = x.to(parameter.device)
    return x.detach()


def _check_target(target, batch_size: int, func: str) -> torch.Tensor:
    """`target` (an int, or one int per image) as an int64 tensor of length `batch_size`."""
    if isinstance(target, bool | str | bytes) or target is None:
        raise TypeError(f"{func}: `target` must be an int or a sequence of ints, got {target!r}")
    if isinstance(target, int | np.integer):
        return torch.full((batch_size,), int(target), dtype=torch.int64)
    if isinstance(target, torch.Tensor):
        values = target.detach().cpu()
    elif isinstance(target, Sequence | np.ndarray):
        array = np.asarray(target)
        if not (
            np.issubdtype(array.dtype, np.integer)
            or np.issubdtype(array.dtype, np.floating)
            or array.dtype == bool
        ):
            raise TypeError(f"{func}: `target` must hold integers, one per image, got {target!r}")
        values = torch.as_tensor(array)
    else:
        raise TypeError(
            f"{func}: `target` must be an int or a sequence of ints, got {type(target).__name__}"
        )
    if values.ndim == 0:
        values = values.reshape(1).expand(batch_size)
    if values.dtype.is_floating_point or values.dtype == torch.bool or values.ndim != 1:
        raise TypeError(
            f"{func}: `target` must hold integers, one per image, got {values.dtype} "
            f"with shape {tuple(values.shape)}"
        )
    if len(values) != batch_size:
        raise ValueError(
            f"{func}: `target` has {len(values)} entries but `x` holds {batch_size} images"
        )
    return values.to(torch.int64)


def _check_scores(scores: torch.Tensor, target: torch.Tensor, func: str) -> None:
    if scores.ndim != 2:
        raise ValueError(
            f"{func}: the model must return scores of shape (N, classes), "
            f"got shape {tuple(scores.shape)}"
        )
    classes = scores.shape[1]
    bad = (target < 0) | (target >= classes)
    if bool(bad.any()):
        raise ValueError(
            f"{func}: `target` must be in 0..{classes - 1} (the model has {classes} "
            f"outputs), got {target[bad][0].item()}"
        )


def _pick(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """scores[i, target[i]] for every image i."""
    return scores.gather(1, target.to(scores.device)[:, None])[:, 0]


# --- activations and embeddings (chapter 08) ----------------------------------------------


def activations(model: nn.Module, inputs: torch.Tensor, layer: nn.Module | str) -> torch.Tensor:
    """The output of `layer` (a submodule or its name) when `model` runs on `inputs` (chapter 08).

    A forward hook records the output; the hook is removed afterwards. Runs without gradients
    and returns a detached tensor. A module called several times in one forward pass (a shared
    pooling layer) returns its last call's output.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"activations: `model` must be an nn.Module, got {type(model).__name__}")
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(
            f"activations: `inputs` must be a torch.Tensor, got {type(inputs).__name__}"
        )
    parameter = next(model.parameters(), None)
    if inputs.ndim == 4:
        inputs = _as_image_batch(
            inputs, "inputs", "activations", None if parameter is None else parameter.dtype
        )
    elif parameter is not None and inputs.is_floating_point() and inputs.dtype != parameter.dtype:
        raise TypeError(
            f"activations: `inputs` has dtype {inputs.dtype} but the model's weights are "
            f"{parameter.dtype}; convert it with inputs.to({parameter.dtype})"
        )
    modules = dict(model.named_modules())
    if isinstance(layer, str):
        if layer not in modules:
            names = ", ".join(repr(n) for n in modules if n)
            raise ValueError(
                f"activations: `layer` {layer!r} is not a submodule of the model; "
                f"its submodules are {names}"
            )
        module = modules[layer]
    elif isinstance(layer, nn.Module):
        if not any(m is layer for m in modules.values()):
            raise ValueError("activations: `layer` is not a submodule of `model`")
        module = layer
    else:
        raise TypeError(
            f"activations: `layer` must be an nn.Module or its name, got {type(layer).__name__}"
        )
    recorded: list[torch.Tensor] = []

    def hook(_module, _inputs, output):
        recorded.append(output[0] if isinstance(output, tuple) else output)

    handle = module.register_forward_hook(hook)
    try:
        with torch.no_grad(), evaluating(model):
            model(inputs)
    finally:
        handle.remove()
    if not recorded:
        raise ValueError("activations: `layer` was never called in the model's forward pass")
    return recorded[-1].detach()


def embed(
    features,
    method: str = "pca",
    seed: int = 0,
    perplexity: float = 30.0,
    pca_dims: int = 50,
    max_iter: int = 1000,
) -> np.ndarray:
    """Embed N feature vectors in 2-D with PCA or t-SNE (scikit-learn); returns (N, 2) (chapter 08).

    `features` is (N, D), or (N, ...) which is flattened. PCA uses an exact SVD. For t-SNE, vectors longer than
    `pca_dims` are first reduced to `pca_dims` with PCA (the usual recipe: faster, less noise);
    t-SNE starts from the PCA layout (`init="pca"`), is seeded with `seed`, and runs `max_iter`
    gradient steps (at least 250, the early-exaggeration phase).
    """
    array = as_float_array(features, "features", func="embed")
    if array.ndim < 2:
        raise ValueError(f"embed: `features` must be (N, D), got shape {array.shape}")
    array = array.reshape(len(array), -1)
    if len(array) < 3 or array.shape[1] < 2:
        raise ValueError(
            f"embed: `features` needs at least 3 vectors of length >= 2, got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("embed: `features` contains NaN or infinite values")
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"embed: `seed` must be a non-negative int, got {seed!r}")
    from sklearn.decomposition import PCA

    if method == "pca":  # an exact SVD: the randomized solver scikit-learn may pick is approximate
        return PCA(n_components=2, svd_solver="full").fit_transform(array)
    if method != "tsne":
        raise ValueError(f"embed: `method` must be 'pca' or 'tsne', got {method!r}")
    if not 0 < perplexity < len(array):
        raise ValueError(
            f"embed: `perplexity` must be in (0, {len(array)}) for {len(array)} vectors, "
            f"got {perplexity!r}"
        )
    if not isinstance(pca_dims, int | np.integer) or isinstance(pca_dims, bool) or pca_dims < 2:
        raise ValueError(f"embed: `pca_dims` must be an int >= 2, got {pca_dims!r}")
    if not isinstance(max_iter, int | np.integer) or isinstance(max_iter, bool) or max_iter < 250:
        raise ValueError(f"embed: `max_iter` must be an int >= 250, got {max_iter!r}")
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    if array.shape[1] > pca_dims and len(array) > pca_dims:
        array = PCA(n_components=pca_dims, random_state=seed).fit_transform(array)
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        max_iter=max_iter,
        random_state=seed,
    )
    # One OpenMP thread: t-SNE's many small steps run slower, not faster, with threads waiting
    # on each other at every step when the CPU is shared (a class lab, a CI runner).
    with threadpool_limits(limits=1, user_api="openmp"):
        return tsne.fit_transform(array.astype(np.float32))


# --- occlusion (chapter 09) ---------------------------------------------------------------


def occlusion_positions(size: int, window: int, stride: int) -> list[int]:
    """Start offsets of the window along one axis, as Captum places them (chapter 09).

    The first window starts at 0; the last start is the first multiple of `stride` at or past
    `size - window`, so a window at the far edge may be cut off by the border.
    """
    steps = -(-(size - window) // stride)  # ceil((size - window) / stride)
    return [i * stride for i in range(steps + 1)]


def occlusion(
    model,
    x: torch.Tensor,
    target,
    window: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    baseline: float | torch.Tensor = 0.0,
    max_batch: int = 1024,
) -> torch.Tensor:
    """Occlusion map: for each pixel, the mean drop of the target score over the windows covering it (chapter 09).

    A `window` (h, w) patch, across all channels, is set to `baseline` at every position on a
    grid with step `stride`, starting at the top-left corner (the last window in a row or column
    may be cut off by the border). For each occluded copy, the drop `score(x) - score(occluded)`
    is added to every pixel under the patch; each pixel's total is then divided by the number of
    windows that covered it. This is Captum's `Occlusion` with `sliding_window_shapes=(C, h, w)`,
    `strides=(C, sh, sw)` (any channel stride: there is one channel position), `baselines` and
    `target`.

    All occluded copies of all images are evaluated in batches of at most `max_batch` copies, so
    a 28x28 image with window 4 and stride 2 (169 copies) takes one forward pass. Returns a
    tensor shaped like `x`. `target` is an int or one int per image; `baseline` is a number or
    a tensor broadcastable to `x`.
    """
    func = "occlusion"
    _check_model(model, func)
    x = _check_inputs(x, func, model)
    n, channels, height, width = x.shape
    win_h, win_w = as_pair(window, "window", 1, func=func)
    step_h, step_w = as_pair(stride, "stride", 1, func=func)
    if win_h > height or win_w > width:
        raise ValueError(
            f"{func}: `window` {(win_h, win_w)} is larger than the image {(height, width)}"
        )
    if (step_h > win_h and win_h < height) or (step_w > win_w and win_w < width):
        raise ValueError(
            f"{func}: `stride` {(step_h, step_w)} must not exceed `window` {(win_h, win_w)}, "
            "or some pixels would never be occluded"
        )
    if not isinstance(max_batch, int | np.integer) or isinstance(max_batch, bool) or max_batch < 1:
        raise ValueError(f"{func}: `max_batch` must be a positive int, got {max_batch!r}")
    target = _check_target(target, n, func)
    if isinstance(baseline, torch.Tensor):
        try:
            fill = torch.broadcast_to(baseline.to(x.device, x.dtype), x.shape)
        except RuntimeError:
            raise ValueError(
                f"{func}: `baseline` of shape {tuple(baseline.shape)} does not broadcast "
                f"to `x` of shape {tuple(x.shape)}"
            ) from None
    elif isinstance(baseline, int | float | np.number) and not isinstance(baseline, bool):
        fill = torch.full_like(x, float(baseline))
    else:
        raise TypeError(
            f"{func}: `baseline` must be a number or a tensor, got {type(baseline).__name__}"
        )

    # Step 1 of the recipe, for every position at once: one boolean mask (H, W) per window.
    tops = occlusion_positions(height, win_h, step_h)
    lefts = occlusion_positions(width, win_w, step_w)
    masks = torch.zeros(len(tops) * len(lefts), height, width, dtype=torch.bool, device=x.device)
    for i, (top, left) in enumerate((t, s) for t in tops for s in lefts):
        masks[i, top : top + win_h, left : left + win_w] = True
    coverage = masks.sum(0).to(x.dtype)  # how many windows cover each pixel (>= 1)

    with torch.no_grad(), evaluating(model):
        original = model(x)
        _check_scores(original, target, func)
        original = _pick(original, target)
        # Steps 2-3: score every (image, position) pair, `max_batch` copies per forward pass.
        positions = len(masks)
        images = torch.arange(n, device=x.device).repeat_interleave(positions)
        which = torch.arange(positions, device=x.device).repeat(n)
        drops = torch.empty(n * positions, dtype=x.dtype, device=x.device)
        for start in range(0, n * positions, max_batch):
            rows = slice(start, start + max_batch)
            mask = masks[which[rows]][:, None]  # (B, 1, H, W): the same for every channel
            occluded = torch.where(mask, fill[images[rows]], x[images[rows]])
            drops[rows] = original[images[rows]] - _pick(model(occluded), target[images[rows]])
        # Each pixel: the sum of the drops of the windows that cover it, then their mean.
        total = torch.einsum("np,phw->nhw", drops.view(n, positions), masks.to(x.dtype))
    heat = total / coverage
    return heat[:, None].expand(n, channels, height, width).clone()


# --- gradients (chapter 09) ---------------------------------------------------------------


def _input_gradient(model, x: torch.Tensor, target, func: str) -> torch.Tensor:
    """d score[i, target[i]] / d x[i] for every image i (the images are independent in eval mode)."""
    target = _check_target(target, x.shape[0], func)
    x = x.clone().requires_grad_(True)
    with torch.enable_grad(), evaluating(model):
        scores = model(x)
        _check_scores(scores, target, func)
        (gradient,) = torch.autograd.grad(_pick(scores, target).sum(), x)
    return gradient


def saliency(model, x: torch.Tensor, target, abs: bool = True) -> torch.Tensor:  # noqa: A002 - Captum's name
    """Saliency map: the gradient of the target score with respect to each input pixel (chapter 09).

    Equals Captum's `Saliency(model).attribute(x, target=target, abs=abs)`: shaped like `x`,
    with absolute values when `abs=True`.
    """
    func = "saliency"
    _check_model(model, func)
    x = _check_inputs(x, func, model)
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


_RELUS = {F.relu, torch.relu, torch.Tensor.relu}
_RELUS_INPLACE = {torch.relu_, torch.Tensor.relu_}
# Rectifier-like activations guided backprop is not defined for: refused, never silently passed.
_NOT_RELU = {
    F.threshold,
    F.threshold_,
    F.relu6,
    F.hardtanh,
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


class _GuidedReLUMode(TorchFunctionMode):
    """While active, every ReLU call (module, functional or in-place) uses the guided backward."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _RELUS or func in _RELUS_INPLACE:
            inplace = func in _RELUS_INPLACE or bool(
                kwargs.get("inplace", args[1] if len(args) > 1 else False)
            )
            return (_GuidedReLUInplace if inplace else _GuidedReLU).apply(args[0])
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


def guided_backprop(model, x: torch.Tensor, target) -> torch.Tensor:
    """Guided backpropagation map: the gradient with every ReLU passing back only positive gradients (chapter 09).

    At each ReLU the backward pass keeps the gradient only where the ReLU's input was positive
    (the ordinary rule) AND the incoming gradient is positive (the guided rule), Springenberg et
    al. (2015). For networks whose ReLUs are `nn.ReLU` modules this equals Captum's
    `GuidedBackprop`. Unlike Captum, functional and in-place ReLUs (`F.relu`, `torch.relu`,
    `x.relu()`, `relu_`, `inplace=True`) are guided too; other rectifiers (LeakyReLU, ReLU6,
    `clamp(min=0)`, ...) and TorchScript models raise a ValueError/TypeError instead of giving a
    silently wrong map. A ReLU written as plain arithmetic (`x * (x > 0)`) cannot be detected.
    """
    func = "guided_backprop"
    _check_model(model, func)
    if isinstance(model, torch.jit.ScriptModule | torch.jit.ScriptFunction):
        raise TypeError(
            f"{func}: TorchScript models hide their ReLUs; pass the eager nn.Module instead"
        )
    x = _check_inputs(x, func, model)
    with _GuidedReLUMode():  # the same input gradient, through guided ReLUs
        return _input_gradient(model, x, target, func)
