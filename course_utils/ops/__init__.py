"""NumPy reference layers with exactly the meaning of their `torch.nn.functional` twins.

Every function takes and returns NumPy arrays. Inputs are `(C, H, W)` for one image or
`(N, C, H, W)` for a batch; the output keeps the same form. Output sizes use floor
division, as PyTorch does: ``out = (size + 2 * padding - kernel) // stride + 1``.

Each layer's backward pass (backpropagation) sits next to its forward: given the gradient of the
loss with respect to the layer's output (`grad_output`) and the forward's arguments, it returns
the gradients with respect to the layer's inputs and parameters, in float64, equal to what
PyTorch's autograd computes.
"""

from course_utils.ops._common import output_size
from course_utils.ops.activations import (
    cross_entropy,
    cross_entropy_backward,
    log_softmax,
    relu,
    relu_backward,
    softmax,
)
from course_utils.ops.conv import conv2d, conv2d_backward
from course_utils.ops.linear import linear, linear_backward
from course_utils.ops.norm import batch_norm, batch_norm_backward, dropout, dropout_backward
from course_utils.ops.pool import (
    avg_pool2d,
    avg_pool2d_backward,
    global_avg_pool2d,
    max_pool2d,
    max_pool2d_backward,
)

__all__ = [
    "output_size",
    "conv2d",
    "conv2d_backward",
    "relu",
    "relu_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "global_avg_pool2d",
    "softmax",
    "log_softmax",
    "linear",
    "linear_backward",
    "cross_entropy",
    "cross_entropy_backward",
    "dropout",
    "dropout_backward",
    "batch_norm",
    "batch_norm_backward",
]
