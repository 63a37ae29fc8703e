"""course_utils.interpret on ReLU6 networks and on the real ImageNet network (MobileNetV2).

Guided backprop guides ReLU6 (module, functional, in place) with the ReLU rule on 0 < z < 6,
equal to Captum's GuidedBackprop on a copy whose ReLU6 modules Captum can hook; Grad-CAM by
hand with a forward hook equals Captum's LayerGradCam on MobileNetV2; `imagenet_input` and
`imagenet_photo` refuse bad photos clearly.
"""

import copy
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from captum.attr import GuidedBackprop, LayerAttribution, LayerGradCam
from torch import nn

from course_utils.imagenet import imagenet_classifier
from course_utils.interpret import (
    grad_cam,
    guided_backprop,
    imagenet_input,
    imagenet_photo,
    saliency,
)


class ReLU6ForCaptum(nn.ReLU):
    """ReLU6 in a module that Captum hooks (it only hooks nn.ReLU and its subclasses)."""

    def forward(self, z):
        return F.relu6(z)


def captum_copy(model: nn.Module) -> nn.Module:
    """A copy of `model` with every nn.ReLU6 replaced by ReLU6ForCaptum."""
    twin = copy.deepcopy(model)
    for module in list(twin.modules()):
        for name, child in module.named_children():
            if isinstance(child, nn.ReLU6):
                setattr(module, name, ReLU6ForCaptum())
    return twin


def captum_guided(model, x, target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GuidedBackprop(model).attribute(x.clone().requires_grad_(True), target=target)


class FunctionalReLU6(nn.Module):
    """A small CNN that calls ReLU6 as functions: F.relu6, then F.hardtanh(x, 0, 6)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.conv2 = nn.Conv2d(6, 8, 3)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = F.relu6(3 * self.conv1(x), inplace=True)  # x3: some units clip at 6
        x = F.hardtanh(3 * self.conv2(x), 0.0, 6.0)
        return self.fc(x.mean(dim=(2, 3)))


def relu6_module_net(inplace: bool) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3),
        nn.BatchNorm2d(6),
        nn.ReLU6(inplace=inplace),
        nn.Conv2d(6, 8, 3),
        nn.ReLU6(inplace=inplace),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 4),
    ).eval()


@pytest.mark.parametrize("inplace", [False, True])
def test_guided_backprop_on_relu6_modules_equals_captum_on_a_hookable_copy(inplace):
    model = relu6_module_net(inplace)
    with torch.no_grad():
        model[1].weight.mul_(4)  # large activations: some units are clipped at 6
    x = torch.randn(3, 3, 10, 10, generator=torch.Generator().manual_seed(1))
    ours = guided_backprop(model, x, [0, 1, 2])
    captum = captum_guided(captum_copy(model), x, torch.tensor([0, 1, 2]))
    torch.testing.assert_close(ours, captum, atol=1e-6, rtol=0)
    plain = saliency(model, x, [0, 1, 2], abs=False)
    assert (ours - plain).abs().max() > 1e-3  # the guided rule changed something
    # Captum on the model itself hooks nothing (nn.ReLU6 is not nn.ReLU): the plain gradient
    torch.testing.assert_close(captum_guided(model, x, torch.tensor([0, 1, 2])), plain)


def test_guided_rule_drops_the_gradient_where_relu6_is_clipped_at_six():
    x = torch.tensor([[[[-1.0, 0.5, 3.0, 7.0]]]])
    model = nn.Sequential(nn.ReLU6(), nn.Flatten(), nn.Linear(4, 1, bias=False))
    with torch.no_grad():
        model[2].weight.copy_(torch.tensor([[1.0, -1.0, 2.0, 5.0]]))
    # below 0 and above 6: no gradient; inside: only the positive weights pass
    expected = torch.tensor([[[[0.0, 0.0, 2.0, 0.0]]]])
    torch.testing.assert_close(guided_backprop(model, x, 0), expected)


def test_functional_relu6_and_hardtanh_are_guided_too():
    torch.manual_seed(0)
    model = FunctionalReLU6().eval()
    x = torch.randn(2, 3, 9, 9, generator=torch.Generator().manual_seed(2))
    ours = guided_backprop(model, x, [1, 3])

    class AsModules(nn.Module):  # the same network with hookable ReLU6 modules
        def __init__(self, net):
            super().__init__()
            self.net, self.a, self.b = net, ReLU6ForCaptum(), ReLU6ForCaptum()

        def forward(self, x):
            x = self.a(3 * self.net.conv1(x))
            x = self.b(3 * self.net.conv2(x))
            return self.net.fc(x.mean(dim=(2, 3)))

    captum = captum_guided(AsModules(model).eval(), x, torch.tensor([1, 3]))
    torch.testing.assert_close(ours, captum, atol=1e-6, rtol=0)


@pytest.mark.parametrize(
    "activation",
    [nn.Hardtanh(), nn.Hardtanh(-2.0, 2.0), nn.Hardtanh(-1.0, 6.0)],
    ids=["hardtanh(-1,1)", "hardtanh(-2,2)", "hardtanh(-1,6)"],
)
def test_hardtanh_that_is_not_a_rectifier_is_refused(activation):
    model = nn.Sequential(nn.Conv2d(3, 2, 3), activation, nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    with pytest.raises(ValueError, match="guided_backprop: .*hardtanh"):
        guided_backprop(model, torch.rand(1, 3, 6, 6), 0)


@pytest.fixture(scope="module")
def mobilenet():
    return imagenet_classifier(fetch=False)


def test_on_mobilenet_guided_equals_captum_and_grad_cam_by_hand_equals_layer_grad_cam(
    mobilenet,
):
    x = torch.randn(2, 3, 96, 96, generator=torch.Generator().manual_seed(0))
    target = torch.tensor([285, 967])
    ours = guided_backprop(mobilenet, x, target)
    torch.testing.assert_close(
        ours, captum_guided(captum_copy(mobilenet), x, target), atol=1e-5, rtol=0
    )
    recorded = {}

    def record(module, inputs, output):
        recorded["maps"] = output.detach().requires_grad_(True)
        return recorded["maps"]

    handle = mobilenet.features[18].register_forward_hook(record)
    try:
        scores = mobilenet(x)
    finally:
        handle.remove()
    (gradient,) = torch.autograd.grad(scores.gather(1, target[:, None]).sum(), recorded["maps"])
    weights = gradient.mean(dim=(2, 3), keepdim=True)
    by_hand = F.relu((weights * recorded["maps"]).sum(dim=1, keepdim=True))
    by_hand = F.interpolate(by_hand, size=(96, 96), mode="bilinear", align_corners=False)
    captum = LayerGradCam(mobilenet, mobilenet.features[18]).attribute(
        x, target=target, relu_attributions=True
    )
    captum = LayerAttribution.interpolate(captum, (96, 96), "bilinear")
    assert (by_hand - captum).abs().max() <= 1e-5
    ours = grad_cam(mobilenet, x, target, layer="features.18")
    assert (ours - captum).abs().max() <= 1e-5
    assert ours.max() > 0
    # the model is left as it was: eval mode, no hooks, no gradients on the weights
    assert not mobilenet.training
    assert all(p.grad is None for p in mobilenet.parameters())


def test_imagenet_input_normalises_and_imagenet_photo_inverts_it():
    photo = np.random.default_rng(0).random((40, 48, 3), dtype=np.float32)
    x = imagenet_input([photo, photo])
    assert x.shape == (2, 3, 40, 48) and x.dtype == torch.float32
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    torch.testing.assert_close(x[0], (torch.from_numpy(photo).permute(2, 0, 1) - mean) / std)
    assert imagenet_input(photo).shape == (1, 3, 40, 48)
    np.testing.assert_allclose(imagenet_photo(x[0]), photo, atol=1e-6)
    np.testing.assert_allclose(imagenet_photo(x[:1]), photo, atol=1e-6)


@pytest.mark.parametrize(
    ("photo", "error", "match"),
    [
        (np.zeros((40, 40)), ValueError, "grayscale"),
        (np.zeros((40, 40, 1)), ValueError, "grayscale"),
        (np.zeros((40, 40, 4)), ValueError, r"alpha channel"),
        (np.zeros((40, 40, 2)), ValueError, r"\(H, W, 3\)"),
        (np.zeros((3, 40, 40)), ValueError, r"\(H, W, 3\)"),
        (np.zeros((40, 40, 3), dtype=np.uint8), TypeError, "img_as_float32"),
        (np.full((40, 40, 3), np.nan), ValueError, "NaN"),
        (np.full((40, 40, 3), 2.0), ValueError, r"\[0, 1\]"),
        (np.zeros((16, 40, 3)), ValueError, "at least 32x32"),
        ("chelsea", TypeError, "array"),
        ([], ValueError, "no photos"),
        ([np.zeros((40, 40, 3)), np.zeros((48, 40, 3))], ValueError, "one size"),
        ([[0.0, 1.0]], TypeError, r"photos\[0\]"),
    ],
    ids=[
        "gray",
        "gray-1",
        "rgba",
        "two-channels",
        "channels-first",
        "uint8",
        "nan",
        "range",
        "too-small",
        "string",
        "empty",
        "sizes",
        "list",
    ],
)
def test_imagenet_input_refuses_bad_photos_clearly(photo, error, match):
    with pytest.raises(error, match=f"imagenet_input: .*{match}"):
        imagenet_input(photo)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.zeros((3, 8, 8)), TypeError, "torch.Tensor"),
        (torch.zeros(1, 8, 8), ValueError, "shape"),
        (torch.zeros(2, 3, 8, 8), ValueError, "shape"),
        (torch.zeros(3, 8, 8, dtype=torch.int64), TypeError, "float"),
        (torch.full((3, 8, 8), float("nan")), ValueError, "NaN"),
    ],
    ids=["numpy", "one-channel", "batch-of-two", "int", "nan"],
)
def test_imagenet_photo_refuses_bad_input_clearly(x, error, match):
    with pytest.raises(error, match=f"imagenet_photo: .*{match}"):
        imagenet_photo(x)
