"""A layer's activations and 2-D embeddings of feature vectors (learned features)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from course_utils._validate import as_float_array, as_image_batch, as_number, as_submodule
from course_utils.modes import evaluating

__all__ = ["activations", "embed"]


def activations(model: nn.Module, inputs: torch.Tensor, layer: nn.Module | str) -> torch.Tensor:
    """The output of `layer` (a submodule or its name) when `model` runs on `inputs`.

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
        inputs = as_image_batch(
            inputs, "inputs", "activations", None if parameter is None else parameter.dtype
        )
    elif parameter is not None and inputs.is_floating_point() and inputs.dtype != parameter.dtype:
        raise TypeError(
            f"activations: `inputs` has dtype {inputs.dtype} but the model's weights are "
            f"{parameter.dtype}; convert it with inputs.to({parameter.dtype})"
        )
    module = as_submodule(layer, "layer", "activations", model)
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
    features: np.ndarray | torch.Tensor,
    method: str = "pca",
    seed: int = 0,
    perplexity: float = 30.0,
    pca_dims: int = 50,
    max_iter: int = 1000,
) -> np.ndarray:
    """N feature vectors embedded in 2-D, (N, 2), by PCA or t-SNE (learned features).

    `features` is (N, D), or (N, ...) which is flattened. PCA uses an exact SVD. For t-SNE,
    vectors longer than `pca_dims` are first reduced to `pca_dims` with PCA (the usual recipe:
    faster, less noise); t-SNE starts from the PCA layout (`init="pca"`), is seeded with
    `seed`, and runs `max_iter` gradient steps (at least 250, the early-exaggeration phase).
    """
    array = as_float_array(features, "features", "embed")
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
    from sklearn.decomposition import PCA  # lazy: scikit-learn loads slowly

    if method == "pca":  # an exact SVD: the randomized solver scikit-learn may pick is approximate
        return PCA(n_components=2, svd_solver="full").fit_transform(array)
    if method != "tsne":
        raise ValueError(f"embed: `method` must be 'pca' or 'tsne', got {method!r}")
    if not 0 < as_number(perplexity, "perplexity", "embed") < len(array):
        raise ValueError(
            f"embed: `perplexity` must be in (0, {len(array)}) for {len(array)} vectors, "
            f"got {perplexity!r}"
        )
    if not isinstance(pca_dims, int | np.integer) or isinstance(pca_dims, bool) or pca_dims < 2:
        raise ValueError(f"embed: `pca_dims` must be an int >= 2, got {pca_dims!r}")
    if not isinstance(max_iter, int | np.integer) or isinstance(max_iter, bool) or max_iter < 250:
        raise ValueError(f"embed: `max_iter` must be an int >= 250, got {max_iter!r}")
    from sklearn.manifold import TSNE  # lazy: scikit-learn loads slowly
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    if array.shape[1] > pca_dims and len(array) > pca_dims:
        array = PCA(n_components=pca_dims, random_state=seed).fit_transform(array)
    tsne = TSNE(
        n_components=2,
        perplexity=float(perplexity),
        init="pca",
        learning_rate="auto",
        max_iter=max_iter,
        random_state=seed,
    )
    # One OpenMP thread: t-SNE's many small steps run slower, not faster, with threads waiting
    # on each other at every step when the CPU is shared (a class lab, a CI runner).
    with threadpool_limits(limits=1, user_api="openmp"):
        return tsne.fit_transform(array.astype(np.float32))
