"""The training loop, evaluation, prediction and checkpoints (chapters 06-07).

`seed_everything` and `pick_device` live in `course_utils.runtime` and are re-exported here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from course_utils._validate import as_device
from course_utils.runtime import pick_device, seed_everything  # noqa: F401 - re-exported

# --- Chapter 07: the training loop, evaluation, prediction, checkpoints ------------------------

__all__ = [
    "History",
    "fit",
    "evaluate",
    "predict",
    "random_shift",
    "random_affine",
    "save_checkpoint",
    "load_checkpoint",
    "CHECKPOINT_FORMAT",
]

CHECKPOINT_FORMAT = "course_utils.checkpoint/1"


@dataclass
class History:
    """Per-epoch numbers recorded by `fit`: one entry per epoch in each list (chapter 07).

    `val_loss` and `val_acc` stay empty when `fit` had no validation loader. Losses are mean
    losses per sample; accuracies are fractions in [0, 1]. The training numbers are measured
    while the model trains (dropout on, augmented inputs), so they are not directly comparable
    with the validation numbers.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """How many epochs were recorded."""
        return len(self.train_loss)

    def as_dict(self) -> dict[str, list[float]]:
        """The history as a dict of lists (for a DataFrame or a JSON file)."""
        return {
            "train_loss": list(self.train_loss),
            "train_acc": list(self.train_acc),
            "val_loss": list(self.val_loss),
            "val_acc": list(self.val_acc),
        }


def _check_module(model, func: str) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{func}: `model` must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer), CPU for a model with neither."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _resolve_device(model: nn.Module, device, func: str) -> torch.device:
    """Move `model` to `device` when one is given; otherwise use the device it is on."""
    if device is None:
        return _model_device(model)
    device = as_device(device, func)
    model.to(device)
    return device


def _check_loader(loader, name: str, func: str) -> int | None:
    """The number of batches of a DataLoader-like iterable (None if unknown); reject empty ones."""
    if (
        loader is None
        or isinstance(loader, torch.Tensor | np.ndarray)
        or not hasattr(loader, "__iter__")
    ):
        raise TypeError(
            f"{func}: `{name}` must be a DataLoader (an iterable of (inputs, targets) "
            f"batches), got {type(loader).__name__}"
        )
    try:
        length = len(loader)
    except TypeError:
        return None
    if length == 0:
        raise ValueError(
            f"{func}: `{name}` is empty (0 batches); check the dataset and batch_size "
            "(with drop_last=True a dataset smaller than one batch gives no batch)"
        )
    return length


def _split_batch(batch, name: str, func: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(batch, list | tuple) or len(batch) < 2:
        raise ValueError(
            f"{func}: each batch of `{name}` must be (inputs, targets), got {type(batch).__name__}"
        )
    for part, what in ((batch[0], "inputs"), (batch[1], "targets")):
        if not isinstance(part, torch.Tensor):
            raise TypeError(
                f"{func}: the {what} of each batch of `{name}` must be tensors, "
                f"got {type(part).__name__}"
            )
    return batch[0], batch[1]


def _first_layer(model: nn.Module) -> str:
    """What the model's first convolution or linear layer expects, in words."""
    for layer_name, module in model.named_modules():
        if isinstance(module, nn.modules.conv._ConvNd):
            return (
                f"its first layer `{layer_name}` ({type(module).__name__}) expects "
                f"{module.in_channels} input channels, so inputs of shape (N, {module.in_channels}, H, W)"
            )
        if isinstance(module, nn.Linear):
            return (
                f"its first layer `{layer_name}` (Linear) expects {module.in_features} "
                f"input features, so inputs of shape (N, {module.in_features})"
            )
    return "check the input shape its forward() expects"


def _check_batch_inputs(model: nn.Module, inputs, func: str) -> None:
    """Refuse a batch the model cannot read with an error naming `inputs`, before running it."""
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(
            f"{func}: the inputs of each batch must be tensors, got {type(inputs).__name__}"
        )
    parameter = next(model.parameters(), None)
    if inputs.is_complex() or inputs.dtype == torch.bool:
        raise TypeError(f"{func}: `inputs` must hold real floats, got dtype {inputs.dtype}")
    if parameter is not None and parameter.is_floating_point():
        if not inputs.is_floating_point():
            raise TypeError(
                f"{func}: `inputs` must hold floats like the model's weights ({parameter.dtype}), "
                f"got dtype {inputs.dtype}; convert with inputs.float() (and /255 for 0-255 pixels)"
            )
        if inputs.dtype != parameter.dtype:
            raise TypeError(
                f"{func}: `inputs` has dtype {inputs.dtype} but the model's weights are "
                f"{parameter.dtype}; convert the inputs with .to({parameter.dtype})"
            )


def _forward(model: nn.Module, inputs: torch.Tensor, first: bool, func: str) -> torch.Tensor:
    """`model(inputs)`; a batch the model cannot take becomes a ValueError naming the shapes."""
    _check_batch_inputs(model, inputs, func)
    try:
        return model(inputs)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"{func}: the model cannot take inputs of shape {tuple(inputs.shape)}: "
            f"{_first_layer(model)} (PyTorch said: {reason})"
        ) from exc


def _check_loss_fn(loss_fn, func: str):
    """The default loss (cross-entropy on logits), or `loss_fn` if it is a loss object."""
    if loss_fn is None:
        return nn.CrossEntropyLoss()
    if isinstance(loss_fn, type):
        raise TypeError(
            f"{func}: `loss_fn` must be a loss object, got the class {loss_fn.__name__}; "
            f"add parentheses: loss_fn={loss_fn.__name__}()"
        )
    if not callable(loss_fn):
        raise TypeError(
            f"{func}: `loss_fn` must be callable as loss_fn(outputs, targets), "
            f"got {type(loss_fn).__name__}"
        )
    return loss_fn


def _loss(
    loss_fn, outputs: torch.Tensor, targets: torch.Tensor, first: bool, func: str
) -> torch.Tensor:
    """`loss_fn(outputs, targets)`; a failure on any batch becomes a ValueError naming the shapes."""
    if not isinstance(targets, torch.Tensor):
        raise TypeError(
            f"{func}: the targets of each batch must be tensors, got {type(targets).__name__}"
        )
    ignored = getattr(loss_fn, "ignore_index", None)  # CrossEntropyLoss skips these labels
    labels = targets if ignored is None or targets.ndim != 1 else targets[targets != ignored]
    if (
        outputs.ndim == 2
        and targets.ndim == 1
        and not targets.is_floating_point()
        and targets.dtype != torch.bool
        and labels.numel()
    ):
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= outputs.shape[1]:
            raise ValueError(
                f"{func}: the loss cannot compare model outputs of shape {tuple(outputs.shape)} "
                f"with targets of shape {tuple(targets.shape)}: `targets` must be class indices "
                f"in 0..{outputs.shape[1] - 1}, got a batch with labels in [{low}, {high}]"
            )
    try:
        loss = loss_fn(outputs, targets)
    except (RuntimeError, IndexError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"{func}: the loss cannot compare model outputs of shape {tuple(outputs.shape)} with "
            f"targets of shape {tuple(targets.shape)} and dtype {targets.dtype} "
            f"(PyTorch said: {reason})"
        ) from exc
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise TypeError(
            f"{func}: `loss_fn` must return one number (a 0-d tensor), got "
            f"{type(loss).__name__}{'' if not isinstance(loss, torch.Tensor) else tuple(loss.shape)}"
        )
    return loss


def _correct(outputs: torch.Tensor, targets: torch.Tensor) -> int | None:
    """How many rows of `outputs` have their largest score at the target class (None if not a classifier)."""
    if outputs.ndim != 2 or targets.ndim != 1 or targets.is_floating_point():
        return None
    return int((outputs.argmax(dim=1) == targets).sum())


def _run_epoch(
    model,
    loader,
    loss_fn,
    device,
    optimizer=None,
    scheduler=None,
    augment=None,
    bar=None,
    name: str = "loader",
    func: str = "fit",
    first: bool = True,
) -> tuple[float, float]:
    """One pass over `loader`: train when an optimizer is given, else only measure. Returns (loss, acc)."""
    total_loss, total_correct, count, classified = 0.0, 0, 0, True
    for batch in loader:
        inputs, targets = _split_batch(batch, name, func)
        inputs, targets = inputs.to(device), targets.to(device)
        if augment is not None:
            inputs = augment(inputs)
        outputs = _forward(model, inputs, first, func)
        loss = _loss(loss_fn, outputs, targets, first, func)
        first = False
        if optimizer is not None:
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
        n = targets.shape[0]
        total_loss += float(loss.detach()) * n
        correct = _correct(outputs.detach(), targets)
        classified = classified and correct is not None
        total_correct += correct or 0
        count += n
        if bar is not None:
            bar.update(1)
    if count == 0:
        raise ValueError(f"{func}: `{name}` gave no samples")
    return total_loss / count, (total_correct / count if classified else float("nan"))


def _postfix(history: History, epoch: int, epochs: int) -> dict[str, str]:
    values = {
        "epoch": f"{epoch}/{epochs}",
        "loss": history.train_loss[-1],
        "acc": history.train_acc[-1],
    }
    if history.val_loss:
        values.update(val_loss=history.val_loss[-1], val_acc=history.val_acc[-1])
    return {k: (v if isinstance(v, str) else f"{v:.4f}") for k, v in values.items()}


def fit(
    model: nn.Module,
    train_loader,
    val_loader,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    loss_fn=None,
    device=None,
    scheduler=None,
    scheduler_step: str = "batch",
    augment=None,
    desc: str = "training",
) -> History:
    """Train `model` for `epochs` passes over `train_loader`, validating after each (chapter 07).

    Each batch: forward pass, loss (default `nn.CrossEntropyLoss`, which takes logits), backward
    pass, optimizer step, and `scheduler.step()` when `scheduler_step="batch"` (OneCycleLR;
    use "epoch" for per-epoch schedulers). `augment`, if given, is applied to the training
    inputs of every batch (never to validation inputs). `val_loader` may be None. One progress
    bar counts the batches; its postfix shows the latest epoch's numbers. Returns a `History`.
    """
    model = _check_module(model, "fit")
    if not isinstance(epochs, int | np.integer) or isinstance(epochs, bool):
        raise TypeError(f"fit: `epochs` must be an int, got {epochs!r}")
    if epochs < 1:
        raise ValueError(f"fit: `epochs` must be >= 1, got {epochs}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"fit: `optimizer` must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if scheduler_step not in ("batch", "epoch"):
        raise ValueError(
            f"fit: `scheduler_step` must be 'batch' or 'epoch', got {scheduler_step!r}"
        )
    if augment is not None and not callable(augment):
        raise TypeError(
            f"fit: `augment` must be a function of the input batch, got {type(augment).__name__}"
        )
    n_batches = _check_loader(train_loader, "train_loader", "fit")
    if val_loader is not None:
        _check_loader(val_loader, "val_loader", "fit")
    loss_fn = _check_loss_fn(loss_fn, "fit")
    device = _resolve_device(model, device, "fit")

    from course_utils.progress import progress

    history = History()
    bar = progress(total=None if n_batches is None else epochs * n_batches, desc=desc)
    try:
        for epoch in range(1, int(epochs) + 1):
            model.train()
            loss, acc = _run_epoch(
                model,
                train_loader,
                loss_fn,
                device,
                optimizer,
                scheduler if scheduler_step == "batch" else None,
                augment,
                bar,
                "train_loader",
                "fit",
                first=epoch == 1,
            )
            history.train_loss.append(loss)
            history.train_acc.append(acc)
            if val_loader is not None:
                val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
                history.val_loss.append(val_loss)
                history.val_acc.append(val_acc)
            if scheduler is not None and scheduler_step == "epoch":
                if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(history.val_loss[-1] if history.val_loss else loss)
                else:
                    scheduler.step()
            bar.set_postfix(_postfix(history, epoch, int(epochs)), refresh=False)
    except BaseException:
        bar.disable = True  # no half-finished bar line above the error message
        raise
    finally:
        bar.close()
    model.eval()
    return history


def evaluate(model: nn.Module, loader, loss_fn=None, device=None) -> tuple[float, float]:
    """Mean loss and accuracy of `model` over `loader`, in eval mode without gradients (chapter 07).

    The model is put back in the mode (train or eval) it was in.
    """
    model = _check_module(model, "evaluate")
    _check_loader(loader, "loader", "evaluate")
    loss_fn = _check_loss_fn(loss_fn, "evaluate")
    device = _resolve_device(model, device, "evaluate")
    from course_utils.interpret import evaluating

    with torch.no_grad(), evaluating(model):
        return _run_epoch(model, loader, loss_fn, device, name="loader", func="evaluate")


def predict(
    model: nn.Module, inputs, batch_size: int = 256, device=None, return_logits: bool = False
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Class probabilities (softmax of the logits) for a batch or a DataLoader, on the CPU (chapter 07).

    `inputs` is a tensor or array (N, ...) or a DataLoader of (inputs, targets) batches. The
    model runs in eval mode without gradients, `batch_size` rows at a time, and is put back in
    the mode it was in. With `return_logits=True` it returns `(probabilities, logits)`.
    """
    model = _check_module(model, "predict")
    if (
        not isinstance(batch_size, int | np.integer)
        or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(f"predict: `batch_size` must be a positive int, got {batch_size!r}")
    device = _resolve_device(model, device, "predict")
    if isinstance(inputs, np.ndarray):
        inputs = torch.from_numpy(inputs)
    if isinstance(inputs, torch.Tensor):
        if inputs.ndim == 0 or len(inputs) == 0:
            raise ValueError(
                f"predict: `inputs` must be a non-empty batch (N, ...), got shape {tuple(inputs.shape)}"
            )
        if not inputs.is_floating_point():
            raise TypeError(f"predict: `inputs` must hold floats, got dtype {inputs.dtype}")
        batches = (inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size))
    elif isinstance(inputs, str | bytes | dict) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"predict: `inputs` must be a tensor, an array or a DataLoader, got {type(inputs).__name__}"
        )
    else:
        _check_loader(inputs, "inputs", "predict")
        batches = (batch[0] if isinstance(batch, list | tuple) else batch for batch in inputs)
    from course_utils.interpret import evaluating

    logits = []
    with torch.no_grad(), evaluating(model):
        for i, batch in enumerate(batches):
            logits.append(_forward(model, batch.to(device), i == 0, "predict").cpu())
    if not logits:
        raise ValueError("predict: `inputs` gave no batches")
    logits = torch.cat(logits)
    probabilities = torch.softmax(logits, dim=1)
    return (probabilities, logits) if return_logits else probabilities


def random_shift(
    images: torch.Tensor, max_shift: int = 2, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Shift each image by its own random whole-pixel offset in [-max_shift, max_shift], zero-filled (chapter 07).

    `images` is (N, C, H, W). Pixels shifted out are lost; pixels shifted in are 0. Offsets are
    drawn from `generator` (on the CPU), so a seeded generator gives the same shifts every run.
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        raise ValueError(f"random_shift: `images` must be a tensor (N, C, H, W), got {shape}")
    if not isinstance(max_shift, int | np.integer) or isinstance(max_shift, bool) or max_shift < 0:
        raise ValueError(f"random_shift: `max_shift` must be an int >= 0, got {max_shift!r}")
    if max_shift == 0:
        return images
    n, c, h, w = images.shape
    m = int(max_shift)
    padded = torch.nn.functional.pad(images, (m, m, m, m))
    dy = torch.randint(0, 2 * m + 1, (n,), generator=generator).to(images.device)
    dx = torch.randint(0, 2 * m + 1, (n,), generator=generator).to(images.device)
    # A shift by (s_y, s_x) reads the padded image from row m - s_y, column m - s_x.
    rows = (dy[:, None] + torch.arange(h, device=images.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=images.device))[:, None, None, :]
    batch = torch.arange(n, device=images.device)[:, None, None, None]
    channel = torch.arange(c, device=images.device)[None, :, None, None]
    return padded[batch, channel, rows, cols]


def _clean_metadata(value, key: str):
    """A copy of `value` that `torch.load(weights_only=True)` can read back, or a TypeError naming `key`."""
    if isinstance(value, dict):
        cleaned = {}
        for k, v in value.items():
            if type(k) not in (str, int):
                raise TypeError(
                    f"save_checkpoint: metadata `{key}` has a key of type {type(k).__name__}"
                )
            cleaned[k] = _clean_metadata(v, f"{key}.{k}")
        return cleaned
    if isinstance(value, list | tuple):
        return type(value)(_clean_metadata(v, f"{key}[{i}]") for i, v in enumerate(value))
    if value is None or type(value) in (str, int, float, bool) or isinstance(value, torch.Tensor):
        return value
    if isinstance(value, str):  # a str subclass such as torch.__version__ pickles as its class
        return str(value)
    raise TypeError(
        f"save_checkpoint: metadata `{key}` has type {type(value).__name__}; use numbers, strings, "
        "lists, dicts or tensors (convert NumPy values with .tolist() or float())"
    )


def _state_digest(state: dict) -> str:
    """SHA-256 of a state dict's names and tensors: the checksum saved in every checkpoint."""
    from course_utils.data import content_digest

    names = np.frombuffer("\n".join(state).encode(), dtype=np.uint8)
    return content_digest(
        [
            names,
            *(
                t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy()
                if t.numel()
                else np.zeros(0, np.uint8)
                for t in state.values()
            ),
        ]
    )


def save_checkpoint(model: nn.Module, path, **metadata) -> Path:
    """Save `model.state_dict()` and keyword metadata (numbers, strings, lists, dicts, tensors) to `path` (chapter 07).

    A SHA-256 checksum of the weights is saved with them and checked by `load_checkpoint`.
    The file is written to a temporary name and then renamed, so a reader never sees half a
    file. Parent folders are created. Returns the path as a `Path`.
    """
    model = _check_module(model, "save_checkpoint")
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"save_checkpoint: `path` must be a str or Path, got {type(path).__name__}")
    metadata = {key: _clean_metadata(value, key) for key, value in metadata.items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": CHECKPOINT_FORMAT,
        "state_dict": state,
        "metadata": metadata,
        "sha256": _state_digest(state),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def load_checkpoint(model: nn.Module, path) -> dict:
    """Load weights saved by `save_checkpoint` into `model` and return the metadata (chapter 07).

    Uses `torch.load(..., weights_only=True)`, which refuses to run code hidden in a file. A
    plain `state_dict` saved with `torch.save(model.state_dict(), path)` is accepted too
    (with empty metadata). Raises FileNotFoundError for a missing file and ValueError for a
    file that is not a checkpoint or whose weights do not fit `model`.
    """
    model = _check_module(model, "load_checkpoint")
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"load_checkpoint: `path` must be a str or Path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt or foreign files fail in many ways (pickle, zip, EOF...)
        if "weights only" in str(exc).lower() or "weights_only" in str(exc):
            # torch's message suggests weights_only=False, which would run the file's code: never that
            raise ValueError(
                f"load_checkpoint: {path.name} is not a readable course checkpoint: it holds "
                "Python objects other than tensors and plain values, refused because loading "
                "them could run code"
            ) from None
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"load_checkpoint: {path.name} is not a readable PyTorch checkpoint "
            f"({type(exc).__name__}: {reason[:160]})"
        ) from None
    if isinstance(payload, dict) and payload.get("format") == CHECKPOINT_FORMAT:
        state, metadata = payload.get("state_dict"), payload.get("metadata", {})
        stored = payload.get("sha256")
        if (
            isinstance(state, dict)
            and stored is not None
            and (
                not all(isinstance(v, torch.Tensor) for v in state.values())
                or stored != _state_digest(state)
            )
        ):
            raise ValueError(
                f"load_checkpoint: {path.name} is damaged: its weights do not match the "
                "checksum saved with them"
            )
    elif (
        isinstance(payload, dict)
        and payload
        and all(isinstance(v, torch.Tensor) for v in payload.values())
    ):
        state, metadata = payload, {}
    else:
        raise ValueError(
            f"load_checkpoint: {path.name} is not a checkpoint (expected the dict "
            f"written by save_checkpoint or a state_dict, got {type(payload).__name__})"
        )
    if not isinstance(state, dict) or not isinstance(metadata, dict):
        raise ValueError(f"load_checkpoint: {path.name} has no state_dict")
    _check_state(model, state, path.name)  # everything is checked before the model is touched
    model.load_state_dict(state)
    return dict(metadata)


def _check_state(model: nn.Module, state: dict, name: str) -> None:
    """Raise a ValueError unless `state` has exactly the model's keys, shapes and finite values."""
    expected = model.state_dict()
    problems = []
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing:
        problems.append(f"missing {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    if unexpected:
        problems.append(f"unexpected {unexpected[:3]}{' ...' if len(unexpected) > 3 else ''}")
    for key, value in state.items():
        if key not in expected:
            continue
        if not isinstance(value, torch.Tensor):
            problems.append(f"{key} is a {type(value).__name__}, not a tensor")
        elif tuple(value.shape) != tuple(expected[key].shape):
            problems.append(
                f"{key} has shape {tuple(value.shape)}, the model needs {tuple(expected[key].shape)}"
            )
        elif value.is_floating_point() != expected[key].is_floating_point():
            problems.append(f"{key} has dtype {value.dtype}, the model needs {expected[key].dtype}")
        elif value.is_floating_point() and not bool(torch.isfinite(value).all()):
            problems.append(f"{key} holds NaN or infinite values")
    if problems:
        raise ValueError(
            f"load_checkpoint: the weights in {name} do not fit this "
            f"{type(model).__name__} (it is unchanged): {'; '.join(problems)[:300]}"
        )


def random_affine(
    images: torch.Tensor,
    degrees: float = 10.0,
    scale: float = 0.1,
    shift: float = 2.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Rotate, zoom and shift each image by its own small random amount, zero-filled (chapter 07).

    Per image: an angle uniform in [-degrees, degrees], a zoom factor uniform in
    [1 - scale, 1 + scale] and a shift uniform in [-shift, shift] pixels along each axis,
    all about the image centre, resampled bilinearly (`F.affine_grid` + `F.grid_sample`).
    Draws come from `generator` in that order, so a seeded generator repeats them exactly.
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or not images.is_floating_point():
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        raise ValueError(
            f"random_affine: `images` must be a float tensor (N, C, H, W), got {shape}"
        )
    for name, value, upper in (
        ("degrees", degrees, 180.0),
        ("scale", scale, 1.0),
        ("shift", shift, None),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.integer | np.floating)
            or not np.isfinite(value)
            or value < 0
            or (upper is not None and value >= upper)
        ):
            bound = f" and < {upper:g}" if upper is not None else ""
            raise ValueError(f"random_affine: `{name}` must be a number >= 0{bound}, got {value!r}")
    n, _, h, w = images.shape

    def uniform(limit: float) -> torch.Tensor:  # n draws in [-limit, limit]
        return (torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1) * limit

    angle = torch.deg2rad(uniform(degrees))
    zoom = 1.0 + uniform(scale)
    dx, dy = uniform(shift), uniform(shift)
    # affine_grid maps each output position to the input position it reads, in coordinates
    # from -1 to 1: undo the zoom and the rotation, and read from (x - dx, y - dy).
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [torch.stack([cos, -sin, -dx * 2 / w], dim=1), torch.stack([sin, cos, -dy * 2 / h], dim=1)],
        dim=1,
    )
    grid = torch.nn.functional.affine_grid(
        theta.to(images.dtype).to(images.device), list(images.shape), align_corners=False
    )
    return torch.nn.functional.grid_sample(
        images, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
