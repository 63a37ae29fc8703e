"""The course's networks (chapters 05 and later)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils._validate import as_pair
from course_utils.ops import output_size

# --- Chapter 05: the notes' network, corrected, and a layer-by-layer summary ------------------


def _positive_int(value, name: str, func: str) -> int:
    """`value` as an int >= 1, or raise a TypeError/ValueError naming `name`."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise TypeError(f"{func}: `{name}` must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{func}: `{name}` must be >= 1, got {value}")
    return int(value)


def _check_dtype(x: torch.Tensor, weight: torch.Tensor, func: str) -> None:
    """Refuse inputs whose dtype differs from the weights', naming `x` and the conversion."""
    if x.dtype != weight.dtype:
        hint = " (and divide 0-255 pixels by 255)" if not x.is_floating_point() else ""
        raise TypeError(
            f"{func}: `x` has dtype {x.dtype} but the weights are {weight.dtype}; "
            f"convert with x.to({weight.dtype}){hint}"
        )


class NotesNet(nn.Module):
    """The source notes' `Net` with its bugs fixed: conv, ReLU, max pool, linear (chapter 05).

    Layers: `conv1` = `Conv2d(in_channels, conv_channels, kernel_size)`, `pool` =
    `MaxPool2d(2, 2)`, `fc1` = `Linear(flattened_size, n_classes)`. The flattened size is
    computed from `input_size` with the output-size formula, never hard-coded: for 28x28
    inputs it is 32 x 12 x 12 = 4608. `forward` takes `(N, in_channels, H, W)` and returns raw
    class scores (logits), with no ReLU: apply softmax yourself when you want probabilities.
    """

    def __init__(
        self,
        n_classes: int,
        in_channels: int = 1,
        input_size: int | tuple[int, int] = 28,
        conv_channels: int = 32,
        kernel_size: int = 5,
    ) -> None:
        super().__init__()
        n_classes = _positive_int(n_classes, "n_classes", "NotesNet")
        in_channels = _positive_int(in_channels, "in_channels", "NotesNet")
        conv_channels = _positive_int(conv_channels, "conv_channels", "NotesNet")
        kernel_size = _positive_int(kernel_size, "kernel_size", "NotesNet")
        height, width = as_pair(input_size, "input_size", 1, "NotesNet")
        if min(height, width) < kernel_size + 1:
            raise ValueError(
                f"NotesNet: `input_size` {(height, width)} is too small for a {kernel_size}x{kernel_size} "
                f"convolution followed by 2x2 pooling (each side must be >= {kernel_size + 1})"
            )
        pooled_h = output_size(output_size(height, kernel_size), 2, 2)
        pooled_w = output_size(output_size(width, kernel_size), 2, 2)
        self.input_shape = (in_channels, height, width)
        self.flattened_size = conv_channels * pooled_h * pooled_w
        self.conv1 = nn.Conv2d(in_channels, conv_channels, kernel_size)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(self.flattened_size, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits `(N, n_classes)` for a batch `(N, in_channels, H, W)` (chapter 05)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"NotesNet: `x` must be a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            expected = "(N, {}, {}, {})".format(*self.input_shape)
            hint = (
                " (add a batch axis with x.unsqueeze(0))"
                if tuple(x.shape) == self.input_shape
                else ""
            )
            raise ValueError(
                f"NotesNet: `x` must have shape {expected}, got {tuple(x.shape)}{hint}"
            )
        _check_dtype(x, self.conv1.weight, "NotesNet")
        x = self.pool(F.relu(self.conv1(x)))
        x = torch.flatten(x, 1)  # (N, C, h, w) -> (N, C * h * w)
        return self.fc1(x)  # logits: no ReLU here


@dataclass(frozen=True)
class LayerRow:
    """One row of `describe`: a leaf layer's name, type, output shape and parameter count."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int


@dataclass(frozen=True)
class ModelSummary:
    """What `describe` returns: one `LayerRow` per leaf-layer call, and the totals (chapter 05).

    It prints as a table; `rows` holds the same numbers for code.
    """

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    rows: tuple[LayerRow, ...]
    total_params: int
    trainable_params: int

    def table(self) -> str:
        """The summary as a fixed-width text table."""
        lines = [("input", "", str(self.input_shape), "")]
        lines += [(r.name, r.kind, str(r.output_shape), f"{r.params:,}") for r in self.rows]
        header = ("layer", "type", "output shape", "params")
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(4)]
        total = f"{self.total_params:,}"
        widths[3] = max(widths[3], len(total))

        def fmt(row):
            return "  ".join(
                [
                    row[0].ljust(widths[0]),
                    row[1].ljust(widths[1]),
                    row[2].ljust(widths[2]),
                    row[3].rjust(widths[3]),
                ]
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        body = [
            fmt(header),
            rule,
            *(fmt(row) for row in lines),
            rule,
            fmt(("total", "", "", total)),
        ]
        body.append(f"trainable parameters: {self.trainable_params:,}")
        return "\n".join(body)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()


def _shape_of(output) -> tuple[int, ...]:
    """The shape of a layer's output: a tensor's shape, or that of the first tensor in a tuple."""
    if isinstance(output, torch.Tensor):
        return tuple(output.shape)
    if isinstance(output, tuple | list):
        for item in output:
            if isinstance(item, torch.Tensor):
                return tuple(item.shape)
    return ()


def describe(model: nn.Module, input_shape: tuple[int, ...]) -> ModelSummary:
    """Trace a zero input of `input_shape` (batch axis included) through `model` (chapter 05).

    Forward hooks record the output shape of every leaf layer (a module with no sub-modules),
    in the order the layers run. Parameters are counted at a layer's first call. Functions
    called inside `forward` (such as `F.relu` or `torch.flatten`) are not modules, so they have
    no row. The model runs in evaluation mode without gradients and is then put back in the
    mode it was in, so batch-norm running statistics are not changed.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"describe: `model` must be a torch.nn.Module, got {type(model).__name__}")
    if isinstance(input_shape, torch.Size):
        input_shape = tuple(input_shape)
    if (
        not isinstance(input_shape, tuple | list)
        or len(input_shape) == 0
        or not all(
            isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 1
            for s in input_shape
        )
    ):
        raise ValueError(
            f"describe: `input_shape` must be a tuple of positive ints with the batch axis first, "
            f"such as (1, 1, 28, 28); got {input_shape!r}"
        )
    input_shape = tuple(int(s) for s in input_shape)
    reference = next(model.parameters(), None)
    if reference is None:
        reference = next(model.buffers(), torch.zeros(()))
    dtype = reference.dtype if reference.is_floating_point() else torch.float32

    records: list[tuple[nn.Module, str, tuple[int, ...]]] = []
    handles = []
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            label = name or type(module).__name__  # a model that is itself a single layer

            def hook(mod, _inputs, output, label=label):
                records.append((mod, label, _shape_of(output)))

            handles.append(module.register_forward_hook(hook))
    from course_utils.interpret import evaluating

    try:
        with torch.no_grad(), evaluating(model):
            output = model(torch.zeros(input_shape, dtype=dtype, device=reference.device))
    finally:
        for handle in handles:
            handle.remove()

    rows, seen = [], set()
    for module, name, shape in records:
        first = id(module) not in seen
        seen.add(id(module))
        params = sum(p.numel() for p in module.parameters(recurse=False)) if first else 0
        rows.append(LayerRow(name, type(module).__name__, shape, int(params)))
    return ModelSummary(
        input_shape=input_shape,
        output_shape=_shape_of(output),
        rows=tuple(rows),
        total_params=int(sum(p.numel() for p in model.parameters())),
        trainable_params=int(sum(p.numel() for p in model.parameters() if p.requires_grad)),
    )


# --- Chapter 07: the digit classifier that chapters 08-09 look inside --------------------------

from pathlib import Path  # noqa: E402 - this section was appended after the imports above

#: Everything that decides the weights of `trained_classifier()`; the cache key hashes it, with
#: the code and the data. Data: load_mnist_5k(), 5,000 digits; optimizer: Adam with OneCycleLR.
CLASSIFIER_RECIPE = {
    "test_size": 1000,  # stratified_split(labels, test_size=1000, seed=0): 4,000 / 1,000
    "split_seed": 0,
    "seed": 1,  # seed_everything(seed): weights, dropout masks, shuffling, augmentation
    "threads": 1,  # one CPU thread: faster for a model this small, and the same bits everywhere
    "channels_last": True,  # train in the channels-last memory layout: about 1.5x faster on CPUs
    "epochs": 10,
    "batch_size": 128,
    "max_lr": 0.01,  # OneCycleLR peak learning rate, stepped every batch
    "weight_decay": 0.0,
    "degrees": 10.0,  # random_affine augmentation: rotation, zoom and shift limits
    "scale": 0.1,
    "shift": 2.0,
    "channels": [16, 32, 64],
    "hidden": 64,
    "dropout": 0.3,
}

#: Class names of the classifier's 10 outputs.
DIGIT_CLASSES = [str(d) for d in range(10)]


class DigitCNN(nn.Module):
    """Chapter 07's CNN: three conv-BN-ReLU-maxpool blocks, dropout, a 64-unit layer, 10 logits (chapter 07).

    Shapes for a 28x28 grayscale input: conv1 (5x5, 16 ch) 28x28 -> pool 14x14; conv2 (3x3,
    32 ch) -> pool 7x7; conv3 (3x3, 64 ch) -> pool 3x3; flatten to 576; `fc1` to `hidden`
    units (the penultimate features, see `features`); `fc2` to `n_classes` logits. Batch norm
    sits between each convolution and its ReLU, so the convolutions have no bias.
    """

    def __init__(
        self,
        n_classes: int = 10,
        in_channels: int = 1,
        channels: tuple[int, int, int] | list[int] = (16, 32, 64),
        hidden: int = 64,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        n_classes = _positive_int(n_classes, "n_classes", "DigitCNN")
        in_channels = _positive_int(in_channels, "in_channels", "DigitCNN")
        hidden = _positive_int(hidden, "hidden", "DigitCNN")
        if not isinstance(channels, tuple | list) or len(channels) != 3:
            raise ValueError(f"DigitCNN: `channels` must be three ints, got {channels!r}")
        c1, c2, c3 = (_positive_int(c, "channels", "DigitCNN") for c in channels)
        if (
            not isinstance(dropout, int | float | np.integer | np.floating)
            or isinstance(dropout, bool)
            or not 0.0 <= dropout < 1.0
        ):
            raise ValueError(
                f"DigitCNN: `dropout` must be a probability in [0, 1), got {dropout!r}"
            )
        self.conv1 = nn.Conv2d(in_channels, c1, 5, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.conv3 = nn.Conv2d(c2, c3, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(c3)
        self.pool = nn.MaxPool2d(2, 2)
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(c3 * 3 * 3, hidden)
        self.fc2 = nn.Linear(hidden, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate features `(N, hidden)`: what `fc2` turns into logits (chapter 08)."""
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # (N, 16, 14, 14)
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # (N, 32, 7, 7)
        x = self.pool(F.relu(self.bn3(self.conv3(x))))  # (N, 64, 3, 3)
        x = self.dropout(torch.flatten(x, 1))  # (N, 576)
        return F.relu(self.fc1(x))  # (N, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits `(N, n_classes)` for a batch `(N, in_channels, 28, 28)` (chapter 07)."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"DigitCNN: `x` must be a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != self.conv1.in_channels or tuple(x.shape[2:]) != (28, 28):
            hint = " (add a batch axis with x.unsqueeze(0))" if x.ndim == 3 else ""
            raise ValueError(
                f"DigitCNN: `x` must have shape (N, {self.conv1.in_channels}, 28, 28), "
                f"got {tuple(x.shape)}{hint}"
            )
        _check_dtype(x, self.conv1.weight, "DigitCNN")
        return self.fc2(self.dropout(self.features(x)))


def classifier_split(labels: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices into `load_mnist_5k()` of the classifier's 4,000 training and 1,000 held-out digits (chapter 07).

    `labels` are MNIST-5k's labels, loaded when not given.
    """
    from course_utils.data import load_mnist_5k, stratified_split

    if labels is None:
        _, labels = load_mnist_5k()
    return stratified_split(
        labels, test_size=CLASSIFIER_RECIPE["test_size"], seed=CLASSIFIER_RECIPE["split_seed"]
    )


def classifier_data() -> tuple[
    tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]
]:
    """`((train_images, train_labels), (test_images, test_labels))` of `trained_classifier` (chapters 07-09).

    Images are (N, 1, 28, 28) float32 in [0, 1]; the 1,000 test digits (100 per class) were
    never seen in training, so later chapters can look at the model on honest data.
    """
    from course_utils.data import load_mnist_5k

    images, labels = load_mnist_5k()
    train_idx, test_idx = classifier_split(labels)
    train, test = torch.from_numpy(train_idx), torch.from_numpy(test_idx)
    return (images[train], labels[train]), (images[test], labels[test])


#: Version of the training recipe's code (DigitCNN, `_train_classifier`, `fit`, `random_affine`).
#: Bump it when a change to that code changes the trained weights; it is part of the cache key,
#: so editing a docstring or a comment no longer retrains.
CLASSIFIER_RECIPE_VERSION = 1


def _classifier_key(train_images: torch.Tensor, train_labels: torch.Tensor) -> str:
    """A hash of everything that decides the trained weights: recipe, its version, data, torch version."""
    import hashlib
    import json

    digest = hashlib.sha256()
    digest.update(json.dumps(CLASSIFIER_RECIPE, sort_keys=True).encode())
    digest.update(f"recipe version {CLASSIFIER_RECIPE_VERSION}".encode())
    digest.update(train_images.numpy().tobytes())
    digest.update(train_labels.numpy().tobytes())
    digest.update(torch.__version__.encode())
    return digest.hexdigest()[:16]


def _weights_digest(model: nn.Module) -> str:
    """The checksum stored with the cached weights: SHA-256 of every tensor of the state dict."""
    from course_utils.data import content_digest

    state = model.state_dict()
    return content_digest(
        [
            np.frombuffer("\n".join(state).encode(), dtype=np.uint8),
            *(t.detach().cpu().numpy() for t in state.values()),
        ]
    )


def classifier_cache_path() -> Path:
    """Where `trained_classifier()` keeps its weights: `data_dir()/digit_cnn-<hash>.pt` (chapter 07)."""
    (train_images, train_labels), _ = classifier_data()
    from course_utils.data import data_dir

    return data_dir() / f"digit_cnn-{_classifier_key(train_images, train_labels)}.pt"


def _train_classifier(
    train_images: torch.Tensor, train_labels: torch.Tensor, show_progress: bool = False
) -> DigitCNN:
    """Train `DigitCNN` with `CLASSIFIER_RECIPE` on the CPU, from a fixed seed (chapter 07)."""
    import contextlib
    import io

    from torch.utils.data import DataLoader, TensorDataset

    from course_utils.training import fit, random_affine, seed_everything

    recipe = CLASSIFIER_RECIPE
    threads = torch.get_num_threads()
    torch.set_num_threads(recipe["threads"])
    try:
        layout = torch.channels_last if recipe["channels_last"] else torch.contiguous_format
        generator = seed_everything(recipe["seed"])
        model = DigitCNN(
            channels=recipe["channels"], hidden=recipe["hidden"], dropout=recipe["dropout"]
        )
        model = model.to(memory_format=layout)
        loader = DataLoader(
            TensorDataset(train_images, train_labels),
            batch_size=recipe["batch_size"],
            shuffle=True,
            generator=generator,
            num_workers=0,
        )
        optimizer = torch.optim.Adam(
            model.parameters(), lr=recipe["max_lr"], weight_decay=recipe["weight_decay"]
        )
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=recipe["max_lr"], epochs=recipe["epochs"], steps_per_epoch=len(loader)
        )
        augment_generator = torch.Generator().manual_seed(recipe["seed"])

        def augment(images: torch.Tensor) -> torch.Tensor:
            shifted = random_affine(
                images, recipe["degrees"], recipe["scale"], recipe["shift"], augment_generator
            )
            return shifted.contiguous(memory_format=layout)

        quiet = (
            contextlib.nullcontext() if show_progress else contextlib.redirect_stderr(io.StringIO())
        )
        with quiet:
            fit(
                model,
                loader,
                None,
                optimizer,
                recipe["epochs"],
                device="cpu",
                scheduler=scheduler,
                augment=augment,
                desc="training the chapter-07 classifier",
            )
    finally:
        torch.set_num_threads(threads)
    return model.to(
        memory_format=torch.contiguous_format
    ).eval()  # the usual layout for later chapters


REFERENCE_WEIGHTS = (
    Path(__file__).with_name("assets") / f"digit_cnn_v{CLASSIFIER_RECIPE_VERSION}.pt"
)
"""Chapter 07's recipe trained once and shipped with the course, so chapters 08-09 agree everywhere."""
REFERENCE_SHA256 = "b77ecf2c5016a0988b4c49f5da7925b2164e6a2e0fa8502e9aafd0f1be89bb72"
"""The SHA-256 of `REFERENCE_WEIGHTS`, checked at every load."""


def _reference_classifier() -> DigitCNN | None:
    """The shipped reference weights in a `DigitCNN`, or None (with one line) if they are unusable."""
    import hashlib

    from course_utils.data import notice

    recipe = CLASSIFIER_RECIPE
    try:
        digest = hashlib.sha256(REFERENCE_WEIGHTS.read_bytes()).hexdigest()
    except OSError:
        notice(
            f"the course's reference classifier {REFERENCE_WEIGHTS.name} is missing "
            "(reinstall the course); training one here instead"
        )
        return None
    if digest != REFERENCE_SHA256:
        notice(
            f"the course's reference classifier {REFERENCE_WEIGHTS.name} is damaged (its "
            "checksum does not match; reinstall the course); training one here instead"
        )
        return None
    with torch.random.fork_rng():  # building a model draws random weights: keep the caller's state
        model = DigitCNN(
            channels=recipe["channels"], hidden=recipe["hidden"], dropout=recipe["dropout"]
        )
    model.load_state_dict(torch.load(REFERENCE_WEIGHTS, map_location="cpu", weights_only=True))
    return model.eval()


def write_reference_classifier(path: Path = REFERENCE_WEIGHTS) -> str:
    """Train chapter 07's recipe here and write the weights to ship; returns their SHA-256.

    For maintainers, when `CLASSIFIER_RECIPE` changes: bump `CLASSIFIER_RECIPE_VERSION`, run this,
    paste the digest into `REFERENCE_SHA256`, and re-execute chapters 07-09.
    """
    import hashlib

    (train_images, train_labels), _ = classifier_data()
    model = _train_classifier(train_images, train_labels)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def trained_classifier(retrain: bool = False, show_progress: bool | None = None) -> DigitCNN:
    """Chapter 07's trained `DigitCNN` in eval mode, on the CPU (chapters 08-09).

    By default these are the course's reference weights: chapter 07's recipe trained once and
    shipped with the course (`REFERENCE_WEIGHTS`, checked against `REFERENCE_SHA256`). Training is
    deterministic on one machine, but float rounding differs between processors and training
    amplifies it, so a classifier trained elsewhere is a different network; shipping one means
    chapters 08-09 show every learner the same filters, mistakes and maps.

    `retrain=True` trains the recipe on this machine instead (about 20 s on a laptop CPU, one
    thread) and caches the weights in `classifier_cache_path()`; that path is also the fallback
    when the shipped weights are missing or damaged. The file name holds a hash of the
    recipe, its version, the training data and the torch version, so a change retrains instead
    of loading stale weights. The file also holds a checksum of the weights, checked at every
    load: a damaged file is retrained and rewritten, with a one-line notice. When the folder
    cannot be written, the weights are kept in memory for the session (said once), so they are
    never retrained on every call. Training is deterministic and neither path touches the
    caller's random state. `show_progress` defaults to a bar in Jupyter and silence under
    `COURSE_PLAIN_PROGRESS=1`, so a notebook's output is the same whether the weights were
    cached or not.
    """
    import random

    from course_utils.data import _IN_MEMORY, cache_folder, notice, write_atomically
    from course_utils.progress import plain_mode
    from course_utils.training import load_checkpoint, save_checkpoint

    if not isinstance(retrain, bool):
        raise TypeError(f"trained_classifier: `retrain` must be True or False, got {retrain!r}")
    if show_progress is not None and not isinstance(show_progress, bool):
        raise TypeError(
            f"trained_classifier: `show_progress` must be True, False or None, got {show_progress!r}"
        )
    if not retrain:
        reference = _reference_classifier()
        if reference is not None:
            return reference
    (train_images, train_labels), _ = classifier_data()
    key = _classifier_key(train_images, train_labels)
    folder = cache_folder("the trained classifier")
    path = None if folder is None else folder / f"digit_cnn-{key}.pt"
    recipe = CLASSIFIER_RECIPE
    if show_progress is None:
        show_progress = not plain_mode()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    deterministic = torch.are_deterministic_algorithms_enabled()
    benchmark = torch.backends.cudnn.benchmark
    try:
        with (
            torch.random.fork_rng()
        ):  # building a model draws random weights: keep the caller's state
            model = DigitCNN(
                channels=recipe["channels"], hidden=recipe["hidden"], dropout=recipe["dropout"]
            )
            memory_key = f"digit_cnn-{key}"
            if memory_key in _IN_MEMORY and not retrain:  # the folder could not be written earlier
                model.load_state_dict(_IN_MEMORY[memory_key])
                return model.eval()
            if path is not None and path.exists() and not retrain:
                try:
                    metadata = load_checkpoint(model, path)
                    if metadata.get("key") == key and metadata.get("sha256") == _weights_digest(
                        model
                    ):
                        return model.eval()
                    reason = (
                        "its checksum does not match"
                        if metadata.get("key") == key
                        else "another recipe"
                    )
                except (ValueError, OSError) as exc:  # damaged, foreign, or not a file at all
                    reason = str(exc).split(": ", 1)[-1][:120]
                model = DigitCNN(
                    channels=recipe["channels"], hidden=recipe["hidden"], dropout=recipe["dropout"]
                )
                notice(f"{path} is damaged ({reason}); retraining the classifier")
            model = _train_classifier(train_images, train_labels, show_progress=show_progress)
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        torch.use_deterministic_algorithms(deterministic)
        torch.backends.cudnn.benchmark = benchmark
    metadata = dict(
        key=key,
        recipe=dict(recipe),
        recipe_version=CLASSIFIER_RECIPE_VERSION,
        torch_version=torch.__version__,
        sha256=_weights_digest(model),
    )
    if path is None or not write_atomically(
        path, lambda tmp: save_checkpoint(model, tmp, **metadata), "the trained classifier"
    ):
        _IN_MEMORY[memory_key] = {k: v.clone() for k, v in model.state_dict().items()}
    return model
