"""Neural style transfer: Gram matrices, the three losses, feature networks, the loop.

- `gram_matrix(f)`: the channel-by-channel correlations of a feature map, F F^T / (H W).
- `content_loss`, `style_loss`, `total_variation`: the terms of the objective of Gatys et al.
- `as_image_tensor(image)`: any photo as a (1, 3, H, W) tensor in [0, 1].
- `FeatureExtractor(kind)`: named activations of MobileNetV2 (the course's verified ImageNet
  network), of SqueezeNet 1.1 or VGG-19 when their weights are cached or downloadable, or of a
  fixed-seed random multi-scale network.
- `transfer(content, style, ...)`: optimise the pixels of an image with L-BFGS or Adam.
- `brush_stroke_painting(size)`, `wave_painting(size)`: seeded, code-drawn "paintings" to use
  as style images.
- `softmax_activations(f)`: the activation smoothing of Wang, Li and Vasconcelos (2021).

The modules: `losses`, `images`, `networks`, `transfer_loop` (`transfer`; a module named
`transfer` would be hidden by the function of that name here) and `painting`. The pinned
ImageNet weights and their cache check live in `course_utils.pretrained`.
"""

from ..pretrained import pretrained_available, pretrained_problem
from .images import as_image_tensor
from .losses import (
    content_loss,
    gram_matrix,
    softmax_activations,
    style_loss,
    total_variation,
)
from .networks import FeatureExtractor, RandomFeatureNet
from .painting import brush_stroke_painting, wave_painting
from .transfer_loop import TransferResult, transfer

__all__ = [
    "gram_matrix",
    "softmax_activations",
    "content_loss",
    "style_loss",
    "total_variation",
    "as_image_tensor",
    "RandomFeatureNet",
    "FeatureExtractor",
    "pretrained_available",
    "pretrained_problem",
    "transfer",
    "TransferResult",
    "brush_stroke_painting",
    "wave_painting",
]

# The classes are documented (book/api.md) and referred to as course_utils.style.X.
for _cls in (FeatureExtractor, RandomFeatureNet, TransferResult):
    _cls.__module__ = __name__
del _cls
