"""Feedback for the exercises: `check_<exercise>(answer)` says what is right or wrong.

Each check returns a `Feedback`, which shows as a short paragraph in a notebook and is truthy
when the answer is right, so tests can assert on it. The checks live in one module per chapter,
named by topic; notebooks import them from here (`from course_utils.checks import check_...`).

| module | the exercises of the chapter on |
| --- | --- |
| `convolutions` | convolutions |
| `pooling` | pooling |
| `softmax` | fully connected layers and softmax |
| `regularization` | dropout and batch normalization |
| `cnn` | a CNN in PyTorch |
| `backprop` | backpropagation, activations and initialization |
| `optimizers` | optimizers |
| `training` | training a classifier |
| `features`, `sizes` | what the network learned |
| `attribution` | occlusion and saliency |
| `style` | style transfer |

The table names chapters by topic, not number, so a renumbering cannot make it stale.

`_feedback` holds what they share: `Feedback`, the `@exercise` decorator (the `None`
placeholder, and an early "not yet" raised as `NotYet`) and the array helpers.
"""

from ._feedback import (
    Feedback,
    NotYet,
    exercise,
    learner_call,
    read_array,
)
from .attribution import (
    check_grad_cam_tiny,
    check_guided_tiny,
    check_occlusion_copies,
    check_probability_occlusion,
    check_second_class_grad_cam,
)
from .backprop import (
    check_conv_input_gradient,
    check_he_std,
    check_max_pool_routing,
    check_numerical_gradient,
    gradient_check_function,
)
from .cnn import check_flattened_size, check_parameter_count, check_two_conv_net
from .convolutions import (
    check_box_blur,
    check_conv2d_single_channel,
    check_output_sizes,
    check_vertical_edge_kernel,
)
from .features import check_block2_maps, check_feature_1nn, check_feature_pca
from .optimizers import check_adam_bias_correction, check_bowl_learning_rate, check_momentum_step
from .pooling import check_head_parameters, check_max_pool_by_hand, check_max_pool_function
from .regularization import check_bn_eval, check_inverted_dropout, check_running_stats
from .sizes import check_block_sizes, check_pooled_receptive_field
from .softmax import check_cross_entropy, check_log_softmax_function, check_softmax_probabilities
from .style import (
    check_block3_gram,
    check_deep_layer_texture,
    check_gram_by_hand,
    check_total_variation_by_hand,
)
from .training import AUGMENTATION_OPTIONS as _OPTIONS
from .training import (
    check_confusion_matrix,
    check_label_preserving,
    check_steps_per_epoch,
    check_top_k_accuracy,
)

#: The transformations of exercise ex-augment (what each does to a digit is the exercise).
#: Defined in `course_utils.checks.training`, with the check that uses it.
AUGMENTATION_OPTIONS = _OPTIONS

__all__ = [
    "AUGMENTATION_OPTIONS",
    "Feedback",
    # convolutions
    "check_output_sizes",
    "check_vertical_edge_kernel",
    "check_box_blur",
    "check_conv2d_single_channel",
    # pooling
    "check_max_pool_by_hand",
    "check_max_pool_function",
    "check_head_parameters",
    # fully connected layers and softmax
    "check_softmax_probabilities",
    "check_log_softmax_function",
    "check_cross_entropy",
    # dropout and batch norm
    "check_inverted_dropout",
    "check_running_stats",
    "check_bn_eval",
    # a CNN in PyTorch
    "check_flattened_size",
    "check_parameter_count",
    "check_two_conv_net",
    # backpropagation, activations and initialization
    "check_max_pool_routing",
    "check_numerical_gradient",
    "gradient_check_function",
    "check_conv_input_gradient",
    "check_he_std",
    # optimizers
    "check_momentum_step",
    "check_bowl_learning_rate",
    "check_adam_bias_correction",
    # training a classifier
    "check_steps_per_epoch",
    "check_confusion_matrix",
    "check_top_k_accuracy",
    "check_label_preserving",
    # what the network learned
    "check_block2_maps",
    "check_feature_pca",
    "check_feature_1nn",
    "check_pooled_receptive_field",
    "check_block_sizes",
    # occlusion and saliency
    "check_occlusion_copies",
    "check_guided_tiny",
    "check_probability_occlusion",
    "check_grad_cam_tiny",
    "check_second_class_grad_cam",
    # style transfer
    "check_gram_by_hand",
    "check_block3_gram",
    "check_total_variation_by_hand",
    "check_deep_layer_texture",
]
# Imported above but not in `__all__` (not for learners, so not on the API page): the tools for
# writing a check (`exercise`, `NotYet`, `learner_call`, `read_array`).
_FOR_CHECK_AUTHORS = (NotYet, exercise, learner_call, read_array)

# Documented (and referred to in signatures) under its public name.
Feedback.__module__ = __name__
