"""The training loop, evaluation and prediction (optimizers; training a classifier).

Seeding and the choice of device live in `course_utils.runtime`, the augmentations that
`fit(..., augment=...)` applies in `course_utils.augment`, and saving and loading trained
weights in `course_utils.checkpoints`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from course_utils._validate import as_bool, as_device, as_int, as_module
from course_utils.modes import evaluating
from course_utils.progress import progress

__all__ = [
    "History",
    "fit",
    "evaluate",
    "predict",
]

#: What `fit` and `evaluate` read batches from: a DataLoader, or any iterable of (inputs, targets).
Loader = Iterable[tuple[torch.Tensor, torch.Tensor]]
#: A loss: (outputs, targets) -> a scalar tensor, such as `nn.CrossEntropyLoss()`.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class History:
    """Per-epoch numbers recorded by `fit`: one entry per epoch in each list (training).

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


def _model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer), CPU for a model with neither."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def _resolve_device(model: nn.Module, device, func: str) -> torch.device:
    """Move `model` to `device` when one is given; otherwise use the device it is on."""
    if device is None:
        return _model_device(model)
    device = as_device(device, "device", func)
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
        if part.is_floating_point() and not bool(torch.isfinite(part).all()):
            raise ValueError(
                f"{func}: a batch of `{name}` has NaN or infinite {what}; clean the data first "
                "(for example drop those samples, or torch.nan_to_num)"
            )
    return batch[0], batch[1]


def _first_layer(model: nn.Module) -> str:
    """What the model's first convolution or linear layer expects, in words."""
    for layer_name, module in model.named_modules():
        if isinstance(module, nn.modules.conv._ConvNd):
            return (
                f"its first layer `{layer_name}` ({type(module).__name__}) expects "
                f"{module.in_channels} input channels, so inputs of shape "
                f"(N, {module.in_channels}, H, W)"
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
    """`loss_fn(outputs, targets)`; a failure on any batch is a ValueError naming the shapes."""
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
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else ""
        raise TypeError(
            f"{func}: `loss_fn` must return one number (a 0-d tensor), got "
            f"{type(loss).__name__}{shape}"
        )
    return loss


def _correct(outputs: torch.Tensor, targets: torch.Tensor) -> int | None:
    """How many rows of `outputs` score the target class highest (None if not a classifier)."""
    if outputs.ndim != 2 or targets.ndim != 1 or targets.is_floating_point():
        return None
    return int((outputs.argmax(dim=1) == targets).sum())


def _run_epoch(
    model: nn.Module,
    loader: Loader,
    loss_fn: LossFn,
    device: torch.device,
    *,
    name: str,
    func: str,
    train: _FitRun | None = None,
    bar=None,
    first: bool = True,
) -> tuple[float, float]:
    """One pass over `loader`: trains with `train`'s settings if given, else only measures.

    `train` supplies the optimizer, the per-batch scheduler and the augmentation. Returns
    (mean loss, accuracy).
    """
    optimizer = train.optimizer if train is not None else None
    scheduler = train.scheduler if train is not None and train.scheduler_step == "batch" else None
    augment = train.augment if train is not None else None
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


def _check_fit_options(optimizer, scheduler_step, augment) -> None:
    """Refuse a bad `optimizer`, `scheduler_step` or `augment` of `fit`, naming it."""
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


@dataclass
class _FitRun:
    """What every epoch of one `fit` call uses."""

    model: nn.Module
    train_loader: Loader
    val_loader: Loader | None
    optimizer: torch.optim.Optimizer
    loss_fn: LossFn
    device: torch.device
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    scheduler_step: str  # "batch" or "epoch"
    augment: Callable[[torch.Tensor], torch.Tensor] | None


def _fit_epoch(run: _FitRun, history: History, bar, first: bool) -> None:
    """One epoch of `fit`: train, validate, step a per-epoch scheduler, record in `history`."""
    run.model.train()
    loss, acc = _run_epoch(
        run.model,
        run.train_loader,
        run.loss_fn,
        run.device,
        name="train_loader",
        func="fit",
        train=run,
        bar=bar,
        first=first,
    )
    history.train_loss.append(loss)
    history.train_acc.append(acc)
    if run.val_loader is not None:
        val_loss, val_acc = evaluate(run.model, run.val_loader, run.loss_fn, run.device)
        history.val_loss.append(val_loss)
        history.val_acc.append(val_acc)
    if run.scheduler is not None and run.scheduler_step == "epoch":
        if isinstance(run.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            run.scheduler.step(history.val_loss[-1] if history.val_loss else loss)
        else:
            run.scheduler.step()


def fit(
    model: nn.Module,
    train_loader: Loader,
    val_loader: Loader | None,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    loss_fn: LossFn | None = None,
    device: str | torch.device | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    scheduler_step: str = "batch",
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    desc: str = "training",
) -> History:
    """Train `model` for `epochs` passes over `train_loader`, validating after each (training).

    Each batch: forward pass, loss (default `nn.CrossEntropyLoss`, which takes logits), backward
    pass, optimizer step, and `scheduler.step()` when `scheduler_step="batch"` (OneCycleLR;
    use "epoch" for per-epoch schedulers). `augment`, if given, is applied to the training
    inputs of every batch (never to validation inputs). `val_loader` may be None. One progress
    bar counts the batches; its postfix shows the latest epoch's numbers. Returns a `History`.
    """
    model = as_module(model, "model", "fit")
    epochs = as_int(epochs, "epochs", "fit", minimum=1)
    _check_fit_options(optimizer, scheduler_step, augment)
    n_batches = _check_loader(train_loader, "train_loader", "fit")
    if val_loader is not None:
        _check_loader(val_loader, "val_loader", "fit")
    loss_fn = _check_loss_fn(loss_fn, "fit")
    device = _resolve_device(model, device, "fit")
    run = _FitRun(
        model=model,
        train_loader=train_loader,
        val_loader=val_loader,
        optimizer=optimizer,
        loss_fn=loss_fn,
        device=device,
        scheduler=scheduler,
        scheduler_step=scheduler_step,
        augment=augment,
    )

    history = History()
    bar = progress(total=None if n_batches is None else epochs * n_batches, desc=desc)
    try:
        for epoch in range(1, epochs + 1):
            _fit_epoch(run, history, bar, first=epoch == 1)
            bar.set_postfix(_postfix(history, epoch, epochs), refresh=False)
    except BaseException:
        bar.disable = True  # no half-finished bar line above the error message
        raise
    finally:
        bar.close()
    model.eval()
    return history


def evaluate(
    model: nn.Module,
    loader: Loader,
    loss_fn: LossFn | None = None,
    device: str | torch.device | None = None,
) -> tuple[float, float]:
    """Mean loss and accuracy of `model` over `loader`, in eval mode without gradients (training).

    The model is put back in the mode (train or eval) it was in.
    """
    model = as_module(model, "model", "evaluate")
    _check_loader(loader, "loader", "evaluate")
    loss_fn = _check_loss_fn(loss_fn, "evaluate")
    device = _resolve_device(model, device, "evaluate")
    with torch.no_grad(), evaluating(model):
        return _run_epoch(model, loader, loss_fn, device, name="loader", func="evaluate")


def _finite(batch: torch.Tensor) -> torch.Tensor:
    """A batch of `predict`'s DataLoader, if its floats are finite."""
    if isinstance(batch, torch.Tensor) and batch.is_floating_point():
        if not bool(torch.isfinite(batch).all()):
            raise ValueError("predict: a batch of `inputs` contains NaN or infinite values")
    return batch


def predict(
    model: nn.Module,
    inputs: torch.Tensor,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    return_logits: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Class probabilities (softmax of logits) for a batch or a DataLoader, on the CPU (training).

    `inputs` is a tensor or array (N, ...) or a DataLoader of (inputs, targets) batches. The
    model runs in eval mode without gradients, `batch_size` rows at a time, and is put back in
    the mode it was in. With `return_logits=True` it returns `(probabilities, logits)`.
    """
    model = as_module(model, "model", "predict")
    batch_size = as_int(batch_size, "batch_size", "predict", minimum=1, not_int=ValueError)
    return_logits = as_bool(return_logits, "return_logits", "predict")
    device = _resolve_device(model, device, "predict")
    if isinstance(inputs, np.ndarray):
        inputs = torch.from_numpy(inputs)
    if isinstance(inputs, torch.Tensor):
        if inputs.ndim == 0 or len(inputs) == 0:
            raise ValueError(
                "predict: `inputs` must be a non-empty batch (N, ...), "
                f"got shape {tuple(inputs.shape)}"
            )
        if not inputs.is_floating_point():
            raise TypeError(f"predict: `inputs` must hold floats, got dtype {inputs.dtype}")
        if not bool(torch.isfinite(inputs).all()):
            raise ValueError("predict: `inputs` contains NaN or infinite values")
        batches = (inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size))
    elif isinstance(inputs, str | bytes | dict) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            "predict: `inputs` must be a tensor, an array or a DataLoader, "
            f"got {type(inputs).__name__}"
        )
    else:
        _check_loader(inputs, "inputs", "predict")
        batches = (
            _finite(batch[0] if isinstance(batch, list | tuple) else batch) for batch in inputs
        )
    logits = []
    with torch.no_grad(), evaluating(model):
        for i, batch in enumerate(batches):
            logits.append(_forward(model, batch.to(device), i == 0, "predict").cpu())
    if not logits:
        raise ValueError("predict: `inputs` gave no batches")
    logits = torch.cat(logits)
    probabilities = torch.softmax(logits, dim=1)
    return (probabilities, logits) if return_logits else probabilities
