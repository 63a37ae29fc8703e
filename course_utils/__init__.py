"""Helpers for the course 'Convolutional neural networks, layer by layer'.

A chapter imports what it uses by name from here, in one line::

    from course_utils import max_abs_diff, setup, show_images

Each name below lives in one module (`course_utils.<module>`, where its docstring, tests and
reference documentation are) and is imported from it the first time a chapter asks for it,
so `import course_utils` alone loads nothing heavy. The exercise checks have their own face,
`course_utils.checks`, and `progress` is imported from `course_utils.progress` (a name here
must not be the name of a module).
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

#: Where each name a chapter imports from `course_utils` lives: module -> names.
HOMES: dict[str, tuple[str, ...]] = {
    "runtime": ("setup", "seed_everything"),
    "compare": ("max_abs_diff",),
    "data": (
        "sample_image",
        "load_mnist_5k",
        "stratified_split",
        "classifier_split",
        "small_digit_split",
        "load_fashion_mnist",
        "fashion_mnist_available",
        "DatasetUnavailable",
        "DIGIT_CLASSES",
        "FASHION_CLASSES",
    ),
    "filters": ("get_kernel", "describe_kernel"),
    "ops": (
        "conv2d",
        "output_size",
        "relu",
        "max_pool2d",
        "avg_pool2d",
        "global_avg_pool2d",
        "softmax",
        "log_softmax",
        "batch_norm",
    ),
    "plotting": (
        "show_images",
        "show_numbers",
        "show_feature_maps",
        "show_heatmap_overlay",
        "draw_multichannel_conv",
        "draw_volumes",
        "draw_windows",
        "animation_html",
    ),
    "widgets": ("kernel_explorer",),
    "deep_networks": ("make_deep", "spread_across_images", "train_sgd"),
    "models": ("NotesNet", "DigitCNN", "describe"),
    "optimizers": (
        "SGD",
        "Adam",
        "Surface",
        "IllConditionedBowl",
        "PlateauSurface",
        "Rosenbrock",
        "run_optimizer",
    ),
    "training": ("fit", "evaluate", "predict"),
    "augment": ("random_affine",),
    "checkpoints": ("save_checkpoint", "load_checkpoint"),
    "pretrained": ("CLASSIFIER_RECIPE", "classifier_data", "trained_classifier"),
    "imagenet": (
        "imagenet_classifier",
        "imagenet_categories",
        "imagenet_transforms",
        "top_classes",
    ),
    "featurevis": ("channel_mean", "class_logit", "receptive_field", "top_patches", "visualize"),
    "interpret": (
        "activations",
        "embed",
        "occlusion",
        "occlusion_map",
        "occlusion_positions",
        "saliency",
        "guided_backprop",
        "grad_cam",
        "imagenet_input",
        "imagenet_photo",
    ),
    "style": (
        "FeatureExtractor",
        "as_image_tensor",
        "gram_matrix",
        "content_loss",
        "style_loss",
        "total_variation",
        "softmax_activations",
        "transfer",
        "pretrained_available",
        "brush_stroke_painting",
        "wave_painting",
    ),
}

_HOME_OF = {name: module for module, names in HOMES.items() for name in names}

__all__ = ["__version__", "HOMES", *_HOME_OF]


def __getattr__(name: str) -> object:
    """Import `name` from the module that defines it, the first time it is asked for."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
    value = getattr(import_module(f"course_utils.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names and every name it re-exports."""
    return sorted({*globals(), *_HOME_OF})
