"""Looking inside a trained network (learned features, attribution).

- `activations`: a layer's output, read with a forward hook.
- `embed`: 2-D PCA or t-SNE embeddings of feature vectors (scikit-learn).
- `occlusion`, `saliency`, `guided_backprop`: attribution maps that equal Captum's `Occlusion`,
  `Saliency` and `GuidedBackprop` for the same window, stride, baseline and target.
- `grad_cam`: Grad-CAM, equal to Captum's `LayerGradCam` (with its ReLU) and, up-sampled, to
  `LayerAttribution.interpolate(..., "bilinear")`.
- `occlusion_map`: Zeiler and Fergus's view of occlusion, the probability of a class and the
  most probable class for every position of the occluder.
- `imagenet_input`, `imagenet_photo`: RGB photos to the ImageNet network's normalised input
  and back.

Every function runs the model in evaluation mode (dropout off, batch norm on its running
statistics) and puts it back in the mode it was in, so looking inside a model never changes
it. Integer images (uint8 and the like) are read as 0-255 pixel values and scaled to [0, 1].
"""

from .gradcam import grad_cam
from .gradients import guided_backprop, saliency
from .layer_outputs import activations, embed
from .occlusion import occlusion, occlusion_map, occlusion_positions
from .photos import imagenet_input, imagenet_photo

__all__ = [
    "activations",
    "embed",
    "occlusion_positions",
    "occlusion",
    "occlusion_map",
    "saliency",
    "guided_backprop",
    "grad_cam",
    "imagenet_input",
    "imagenet_photo",
]
