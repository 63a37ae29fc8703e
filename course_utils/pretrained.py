"""Pretrained weights, in one place: the course's digit classifier and torchvision's ImageNet nets.

The trained digit classifier (training), for looking inside a network: shipped,
or trained and cached.

`trained_classifier()` returns the course's reference weights (`REFERENCE_WEIGHTS`, checked
against `REFERENCE_SHA256`), or trains `CLASSIFIER_RECIPE` here and caches the result in
`data_dir()`. The cache file is named by a hash of the recipe, its explicit version
`CLASSIFIER_RECIPE_VERSION`, the training data and the torch version, never of source code:
editing a docstring does not retrain.

The ImageNet weights that style transfer and the CLI use (`imagenet_weights(kind)`, `weights_file`,
`pretrained_problem`, `pretrained_available`) are pinned to `IMAGENET1K_V1`, never `DEFAULT`:
torchvision may point `DEFAULT` at newer weights, and then the feature network, `doctor` and
`download` would disagree about which file to look for. torchvision names each file with the
first hex digits of its SHA-256 (`squeezenet1_1-b8a52dc0.pth`); `pretrained_problem` checks them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision import models
from torchvision.models import WeightsEnum

from course_utils._validate import as_bool
from course_utils.augment import random_affine
from course_utils.cache import (
    cache_folder,
    content_digest,
    data_dir,
    file_sha256,
    keep_in_memory,
    kept_in_memory,
    notice,
    write_atomically,
)
from course_utils.checkpoints import load_checkpoint, save_checkpoint
from course_utils.data import (
    CLASSIFIER_SPLIT_SEED,
    CLASSIFIER_TEST_SIZE,
    classifier_split,
    load_mnist_5k,
)
from course_utils.i18n import _
from course_utils.models import DigitCNN
from course_utils.progress import plain_mode
from course_utils.runtime import preserved_rng, seed_everything
from course_utils.training import fit

__all__ = [
    "CLASSIFIER_RECIPE",
    "CLASSIFIER_RECIPE_VERSION",
    "REFERENCE_WEIGHTS",
    "REFERENCE_SHA256",
    "classifier_data",
    "classifier_cache_path",
    "trained_classifier",
    "write_reference_classifier",
    "PRETRAINED_KINDS",
    "imagenet_weights",
    "weights_file",
    "pretrained_problem",
    "pretrained_available",
]

#: Everything that decides the weights of `trained_classifier()`; the cache key hashes it, with
#: its version and the data. Data: load_mnist_5k(), 5,000 digits; optimizer: Adam, OneCycleLR.
CLASSIFIER_RECIPE = {
    "test_size": CLASSIFIER_TEST_SIZE,  # classifier_split(): 4,000 / 1,000 digits
    "split_seed": CLASSIFIER_SPLIT_SEED,
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

#: Version of the training recipe's code (DigitCNN, `_train_classifier`, `fit`, `random_affine`).
#: Bump it when a change to that code changes the trained weights; it is part of the cache key,
#: so editing a docstring or a comment does not retrain.
CLASSIFIER_RECIPE_VERSION = 1

REFERENCE_WEIGHTS = (
    Path(__file__).with_name("assets") / f"digit_cnn_v{CLASSIFIER_RECIPE_VERSION}.pt"
)
"""The classifier recipe trained once and shipped, so every machine looks inside one network."""
REFERENCE_SHA256 = "b77ecf2c5016a0988b4c49f5da7925b2164e6a2e0fa8502e9aafd0f1be89bb72"
"""The SHA-256 of `REFERENCE_WEIGHTS`, checked at every load."""


def classifier_data() -> tuple[
    tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]
]:
    """`((train_images, train_labels), (test_images, test_labels))` of the trained classifier.

    Images are (N, 1, 28, 28) float32 in [0, 1]; the 1,000 test digits (100 per class) were
    never seen in training, so later chapters can look at the model on honest data.
    """
    images, labels = load_mnist_5k()
    train_idx, test_idx = classifier_split(labels)
    train, test = torch.from_numpy(train_idx), torch.from_numpy(test_idx)
    return (images[train], labels[train]), (images[test], labels[test])


def _new_classifier() -> DigitCNN:
    """An untrained `DigitCNN` with the recipe's sizes."""
    recipe = CLASSIFIER_RECIPE
    return DigitCNN(channels=recipe["channels"], hidden=recipe["hidden"], dropout=recipe["dropout"])


def _classifier_key(train_images: torch.Tensor, train_labels: torch.Tensor) -> str:
    """A hash of what decides the trained weights: recipe, its version, data, torch version."""
    digest = hashlib.sha256()
    digest.update(json.dumps(CLASSIFIER_RECIPE, sort_keys=True).encode())
    digest.update(f"recipe version {CLASSIFIER_RECIPE_VERSION}".encode())
    digest.update(train_images.numpy().tobytes())
    digest.update(train_labels.numpy().tobytes())
    digest.update(torch.__version__.encode())
    return digest.hexdigest()[:16]


def _weights_digest(model: nn.Module) -> str:
    """The checksum stored with the cached weights: SHA-256 of every tensor of the state dict."""
    state = model.state_dict()
    return content_digest(
        [
            np.frombuffer("\n".join(state).encode(), dtype=np.uint8),
            *(t.detach().cpu().numpy() for t in state.values()),
        ]
    )


def classifier_cache_path() -> Path:
    """Where `trained_classifier()` caches weights: `data_dir()/digit_cnn-<hash>.pt`."""
    (train_images, train_labels), _test = classifier_data()
    return data_dir() / f"digit_cnn-{_classifier_key(train_images, train_labels)}.pt"


def _train_classifier(
    train_images: torch.Tensor, train_labels: torch.Tensor, show_progress: bool = False
) -> DigitCNN:
    """Train `DigitCNN` with `CLASSIFIER_RECIPE` on the CPU, from a fixed seed (training)."""
    recipe = CLASSIFIER_RECIPE
    threads = torch.get_num_threads()
    torch.set_num_threads(recipe["threads"])
    try:
        layout = torch.channels_last if recipe["channels_last"] else torch.contiguous_format
        generator = seed_everything(recipe["seed"])
        model = _new_classifier().to(memory_format=layout)
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
                desc=_("training the digit classifier"),
            )
    finally:
        torch.set_num_threads(threads)
    # the usual memory layout for later chapters
    return model.to(memory_format=torch.contiguous_format).eval()


def _reference_classifier() -> DigitCNN | None:
    """The shipped reference weights in a `DigitCNN`, or None (after a notice) if unusable."""
    try:
        digest = file_sha256(REFERENCE_WEIGHTS)
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
    with preserved_rng():  # building a model draws random weights: keep the caller's state
        model = _new_classifier()
    model.load_state_dict(torch.load(REFERENCE_WEIGHTS, map_location="cpu", weights_only=True))
    return model.eval()


def write_reference_classifier(path: Path = REFERENCE_WEIGHTS) -> str:
    """Train the classifier recipe here and write the weights to ship; returns their SHA-256.

    For maintainers, when `CLASSIFIER_RECIPE` changes: bump `CLASSIFIER_RECIPE_VERSION`, run
    this, paste the digest into `REFERENCE_SHA256`, and re-execute the chapters that train or
    load the classifier.
    """
    (train_images, train_labels), _test = classifier_data()
    with preserved_rng():
        model = _train_classifier(train_images, train_labels)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return file_sha256(path)


def _cached_classifier(path: Path | None, key: str) -> DigitCNN | None:
    """The weights cached for `key` (in memory or at `path`), or None to train them.

    A damaged or foreign file gives None after a one-line notice.
    """
    model = _new_classifier()
    kept = kept_in_memory(f"digit_cnn-{key}")  # the folder could not be written earlier
    if kept is not None:
        model.load_state_dict(kept)
        return model.eval()
    if path is None or not path.exists():
        return None
    try:
        metadata = load_checkpoint(model, path)
        if metadata.get("key") == key and metadata.get("sha256") == _weights_digest(model):
            return model.eval()
        reason = "its checksum does not match" if metadata.get("key") == key else "another recipe"
    except (ValueError, OSError) as exc:  # damaged, foreign, or not a file at all
        reason = str(exc).split(": ", 1)[-1][:120]
    notice(f"{path} is damaged ({reason}); retraining the classifier")
    return None


def _store_classifier(model: DigitCNN, path: Path | None, key: str) -> None:
    """Cache `model`'s weights at `path` with their checksum; in memory if it cannot be written."""
    metadata = dict(
        key=key,
        recipe=dict(CLASSIFIER_RECIPE),
        recipe_version=CLASSIFIER_RECIPE_VERSION,
        torch_version=torch.__version__,
        sha256=_weights_digest(model),
    )
    if path is None or not write_atomically(
        path, lambda tmp: save_checkpoint(model, tmp, **metadata), "the trained classifier"
    ):
        keep_in_memory(f"digit_cnn-{key}", {k: v.clone() for k, v in model.state_dict().items()})


def trained_classifier(retrain: bool = False, show_progress: bool | None = None) -> DigitCNN:
    """The trained `DigitCNN` (training) in eval mode, on the CPU.

    By default these are the course's reference weights: the classifier recipe trained once and
    shipped with the course (`REFERENCE_WEIGHTS`, checked against `REFERENCE_SHA256`). Training
    is deterministic on one machine, but float rounding differs between processors and training
    amplifies it, so a classifier trained elsewhere is a different network; shipping one means
    the chapters that look inside it show every learner the same filters, mistakes and maps.

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
    as_bool(retrain, "retrain", "trained_classifier")
    if show_progress is not None and not isinstance(show_progress, bool):
        raise TypeError(
            "trained_classifier: `show_progress` must be True, False or None, "
            f"got {show_progress!r}"
        )
    if not retrain:
        reference = _reference_classifier()
        if reference is not None:
            return reference
    (train_images, train_labels), _test = classifier_data()
    key = _classifier_key(train_images, train_labels)
    folder = cache_folder("the trained classifier")
    path = None if folder is None else folder / f"digit_cnn-{key}.pt"
    if show_progress is None:
        show_progress = not plain_mode()
    with preserved_rng():
        model = None if retrain else _cached_classifier(path, key)
        if model is not None:
            return model
        model = _train_classifier(train_images, train_labels, show_progress=show_progress)
    _store_classifier(model, path, key)
    return model


# --- torchvision's ImageNet weights (style transfer, `python -m course_utils doctor/download`) -

PRETRAINED_KINDS = ("squeezenet", "vgg19")


def _check_kind(kind: object, func: str) -> str:
    if kind not in PRETRAINED_KINDS:
        raise ValueError(f"{func}: `kind` must be 'squeezenet' or 'vgg19', got {kind!r}")
    return kind  # type: ignore[return-value]


def imagenet_weights(kind: str) -> WeightsEnum:
    """The pinned ImageNet weights (`IMAGENET1K_V1`) of "squeezenet" or "vgg19" (style transfer)."""
    kind = _check_kind(kind, "imagenet_weights")
    if kind == "squeezenet":
        return models.SqueezeNet1_1_Weights.IMAGENET1K_V1
    return models.VGG19_Weights.IMAGENET1K_V1


def weights_file(kind: str) -> Path:
    """Where torch.hub caches the weights file of `kind`, present or not (style transfer)."""
    kind = _check_kind(kind, "weights_file")
    url = imagenet_weights(kind).url
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name


def pretrained_problem(kind: str) -> str | None:
    """None if the weights of `kind` are cached and intact, else "missing" or the damage.

    torchvision names each weights file with the first digits of its SHA-256; this checks them.
    """
    kind = _check_kind(kind, "pretrained_problem")
    path = weights_file(kind)
    if not path.is_file():
        return "missing"
    prefix = re.search(r"-([a-f0-9]+)\.", path.name)
    if prefix and not file_sha256(path).startswith(prefix.group(1)):
        return f"damaged: {path.name} fails its SHA-256 check"
    return None


def pretrained_available(kind: str) -> bool:
    """Whether the weights of `kind` are in the torch hub cache, intact (style transfer)."""
    kind = _check_kind(kind, "pretrained_available")
    return pretrained_problem(kind) is None
