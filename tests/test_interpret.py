"""course_utils.interpret equals Captum on small random CNNs, and refuses bad input clearly."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from captum.attr import (
    GuidedBackprop,
    LayerAttribution,
    LayerGradCam,
    Occlusion,
    Saliency,
)
from torch import nn

from course_utils.interpret import (
    activations,
    embed,
    grad_cam,
    guided_backprop,
    occlusion,
    occlusion_map,
    occlusion_positions,
    saliency,
)
from course_utils.plotting import show_heatmap_overlay

TOL = 1e-5


def small_cnn(
    channels: int = 1, size: int = 12, classes: int = 5, inplace: bool = False, seed: int = 0
):
    """A random CNN whose ReLUs are nn.ReLU modules (what Captum's GuidedBackprop hooks)."""
    torch.manual_seed(seed)
    flat = 6 * ((size // 2 - 2) ** 2)
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3, padding=1),
        nn.ReLU(inplace=inplace),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3),
        nn.ReLU(inplace=inplace),
        nn.Flatten(),
        nn.Linear(flat, 16),
        nn.ReLU(inplace=inplace),
        nn.Linear(16, classes),
    ).eval()


class FunctionalTwin(nn.Module):
    """The same network as `small_cnn`, with its ReLUs written in other ways."""

    def __init__(self, seq: nn.Sequential, style: str):
        super().__init__()
        self.conv1, self.conv2, self.fc1, self.fc2 = seq[0], seq[3], seq[6], seq[8]
        self.style = style

    def act(self, x):
        if self.style == "functional":
            return F.relu(x)
        if self.style == "torch":
            return torch.relu(x)
        if self.style == "method":
            return x.relu()
        if self.style == "inplace":
            return F.relu(x, inplace=True)
        if self.style == "method_":
            x.relu_()
            return x
        if self.style == "leaky":
            return F.leaky_relu(x)
        if self.style == "clamp":
            return x.clamp(min=0)
        raise AssertionError(self.style)

    def forward(self, x):
        x = F.max_pool2d(self.act(self.conv1(x)), 2)
        x = torch.flatten(self.act(self.conv2(x)), 1)
        return self.fc2(self.act(self.fc1(x)))


def batch(n=4, channels=1, size=12, seed=1):
    return torch.randn(n, channels, size, size, generator=torch.Generator().manual_seed(seed))


def captum_occlusion(model, x, target, window, stride, baseline):
    c = x.shape[1]
    return Occlusion(model).attribute(
        x,
        sliding_window_shapes=(c, *window),
        strides=(c, *stride),
        baselines=baseline,
        target=target,
    )


def captum_guided(model, x, target):
    with warnings.catch_warnings():  # Captum warns that it sets hooks on ReLU modules
        warnings.simplefilter("ignore", UserWarning)
        return GuidedBackprop(model).attribute(x.clone().requires_grad_(), target=target)


def maxdiff(a, b) -> float:
    return float((a - b).detach().abs().max())


# --- occlusion ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window, stride, baseline",
    [
        ((4, 4), (2, 2), 0.0),  # the chapter's setting
        ((5, 5), (2, 2), 0.5),  # the last window in each row/column is cut off by the border
        ((3, 3), (3, 3), -1.0),  # no overlap: each pixel is covered once
        ((2, 5), (1, 3), 0.0),  # rectangular window, different strides per axis
        ((12, 12), (1, 1), 0.0),  # the whole image at once
        ((1, 2), (1, 2), 0.25),  # (almost) single pixels
    ],
)
def test_occlusion_equals_captum(window, stride, baseline):
    model, x, target = small_cnn(channels=2), batch(n=4, channels=2), [0, 3, 4, 1]
    ours = occlusion(model, x, target, window, stride, baseline)
    theirs = captum_occlusion(model, x, target, window, stride, baseline)
    assert ours.shape == x.shape
    assert theirs.abs().max() > 1e-3  # the comparison is not between two zero maps
    assert maxdiff(ours, theirs) < TOL


def test_occlusion_28x28_window4_stride2_many_targets():
    model, x = small_cnn(size=28, classes=10), batch(n=6, size=28)
    target = torch.tensor([9, 0, 3, 3, 7, 1])
    ours = occlusion(model, x, target, 4, 2)
    assert maxdiff(ours, captum_occlusion(model, x, target, (4, 4), (2, 2), 0.0)) < TOL


def test_occlusion_tensor_baseline_and_int_target():
    model, x = small_cnn(), batch(n=3)
    baseline = torch.full((1, 1, 12, 12), 0.3)
    ours = occlusion(model, x, 2, 3, 1, baseline)
    assert maxdiff(ours, captum_occlusion(model, x, 2, (3, 3), (1, 1), baseline)) < TOL


def test_occlusion_definition_on_a_linear_model():
    # For a linear score w.x the drop when a window is set to 0 is the sum of w*x under it;
    # with non-overlapping windows each pixel gets exactly its window's drop.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2, bias=True)).eval()
    x = torch.rand(1, 1, 4, 4)
    ours = occlusion(model, x, 1, 2, 2)[0, 0]
    contrib = (model[1].weight[1].reshape(4, 4) * x[0, 0]).detach()
    expected = (
        contrib.reshape(2, 2, 2, 2).sum((1, 3)).repeat_interleave(2, 0).repeat_interleave(2, 1)
    )
    assert maxdiff(ours, expected) < TOL


def test_occlusion_batches_do_not_change_the_result_and_are_few():
    model, x, target = small_cnn(), batch(n=2), [4, 0]
    calls = []

    def counted(inp):
        calls.append(len(inp))
        return model(inp)

    one_by_one = occlusion(counted, x, target, 4, 2, max_batch=1)
    assert len(calls) == 1 + 2 * 25  # 5 x 5 window positions per image
    calls.clear()
    together = occlusion(counted, x, target, 4, 2)
    assert calls == [2, 50]  # the original scores, then every occluded copy in one pass
    assert maxdiff(one_by_one, together) < TOL
    calls.clear()
    occlusion(counted, x, target, 4, 2, max_batch=20)
    assert calls == [2, 20, 20, 10]


def test_occlusion_leaves_the_input_alone():
    model, x = small_cnn(), batch()
    before = x.clone()
    occlusion(model, x, 0, 3, 2, baseline=5.0)
    assert torch.equal(x, before)


def test_occlusion_positions_match_captum_placement():
    assert occlusion_positions(28, 4, 2) == list(range(0, 25, 2))  # 13 positions
    assert occlusion_positions(12, 5, 2) == [0, 2, 4, 6, 8]  # the last window is cut off (8..12)
    assert occlusion_positions(6, 6, 1) == [0]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(window=13), ValueError, "window"),
        (dict(window=(4, 13)), ValueError, "window"),
        (dict(window=0), ValueError, "window"),
        (dict(window=2.5), TypeError, "window"),
        (dict(stride=0), ValueError, "stride"),
        (dict(stride=-1), ValueError, "stride"),
        (dict(window=3, stride=4), ValueError, "stride"),
        (dict(target=5), ValueError, "target"),
        (dict(target=-1), ValueError, "target"),
        (dict(target=[0, 1]), ValueError, "target"),
        (dict(target=[0, 1, 2, 3, 4]), ValueError, "target"),
        (dict(target=1.0), TypeError, "target"),
        (dict(target=None), TypeError, "target"),
        (dict(baseline=torch.zeros(2, 12, 12)), ValueError, "baseline"),
        (dict(baseline="zero"), TypeError, "baseline"),
        (dict(max_batch=0), ValueError, "max_batch"),
    ],
)
def test_occlusion_bad_inputs(kwargs, error, match):
    args = dict(target=[0, 1, 2, 3], window=4, stride=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        occlusion(small_cnn(), batch(n=4), **args)


@pytest.mark.parametrize("func", [occlusion, saliency, guided_backprop])
def test_bad_x(func):
    extra = dict(window=2, stride=1) if func is occlusion else {}
    with pytest.raises(ValueError, match="`x`"):
        func(small_cnn(), torch.zeros(1, 12, 12), 0, **extra)
    with pytest.raises(TypeError, match="`x`"):
        func(small_cnn(), np.zeros((1, 1, 12, 12)), 0, **extra)
    with pytest.raises(ValueError, match="target"):
        func(small_cnn(), batch(n=3), [0, 1], **extra)
    with pytest.raises(ValueError, match="target"):
        func(small_cnn(), batch(n=2), [0, 7], **extra)
    with pytest.raises(TypeError, match="model"):
        func("not a model", batch(n=2), 0, **extra)


# --- saliency -------------------------------------------------------------------------------


@pytest.mark.parametrize("use_abs", [True, False])
def test_saliency_equals_captum(use_abs):
    model, x, target = small_cnn(channels=3), batch(n=5, channels=3), [0, 1, 2, 3, 4]
    ours = saliency(model, x, target, abs=use_abs)
    theirs = Saliency(model).attribute(x.clone().requires_grad_(), target=target, abs=use_abs)
    assert theirs.abs().max() > 1e-4
    assert maxdiff(ours, theirs) < TOL
    assert (ours >= 0).all() if use_abs else (ours < 0).any()


def test_saliency_of_a_linear_model_is_its_weights():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(9, 3)).eval()
    x = torch.randn(2, 1, 3, 3)
    ours = saliency(model, x, [2, 0], abs=False)
    assert maxdiff(ours[0, 0], model[1].weight[2].reshape(3, 3)) < 1e-7
    assert maxdiff(ours[1, 0], model[1].weight[0].reshape(3, 3)) < 1e-7
    assert x.grad is None and not x.requires_grad  # the caller's tensor is untouched


# --- guided backprop ------------------------------------------------------------------------


def test_guided_backprop_equals_captum_and_differs_from_the_gradient():
    model, x, target = small_cnn(), batch(n=4), [4, 3, 2, 1]
    ours = guided_backprop(model, x, target)
    theirs = captum_guided(model, x, target)
    assert theirs.abs().max() > 1e-4
    assert maxdiff(ours, theirs) < TOL
    assert maxdiff(ours, saliency(model, x, target, abs=False)) > 1e-4


def test_guided_backprop_with_inplace_relu_modules_equals_captum():
    model, x, target = small_cnn(inplace=True), batch(n=3), [0, 2, 4]
    reference = captum_guided(small_cnn(inplace=False), x, target)
    assert maxdiff(guided_backprop(model, x, target), reference) < TOL
    assert maxdiff(captum_guided(model, x, target), reference) < TOL


@pytest.mark.parametrize("style", ["functional", "torch", "method", "inplace", "method_"])
def test_guided_backprop_handles_functional_and_inplace_relus(style):
    modules = small_cnn()
    twin = FunctionalTwin(modules, style).eval()
    x, target = batch(n=3), [1, 2, 3]
    assert maxdiff(twin(x), modules(x)) == 0.0  # the same network
    reference = captum_guided(modules, x, target)
    assert maxdiff(guided_backprop(twin, x, target), reference) < TOL


def test_captum_silently_falls_back_to_the_gradient_on_functional_relus():
    # Why guided_backprop handles F.relu itself: Captum only hooks nn.ReLU modules.
    modules = small_cnn()
    twin = FunctionalTwin(modules, "functional").eval()
    x, target = batch(n=3), [1, 2, 3]
    captum_on_twin = captum_guided(twin, x, target)
    assert maxdiff(captum_on_twin, saliency(twin, x, target, abs=False)) < TOL
    assert maxdiff(captum_on_twin, captum_guided(modules, x, target)) > 1e-4


@pytest.mark.parametrize("style, match", [("leaky", "leaky_relu"), ("clamp", "clamp")])
def test_guided_backprop_refuses_other_rectifiers(style, match):
    twin = FunctionalTwin(small_cnn(), style).eval()
    with pytest.raises(ValueError, match=match):
        guided_backprop(twin, batch(n=2), 0)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
def test_guided_backprop_refuses_torchscript():
    scripted = torch.jit.script(small_cnn())
    with pytest.raises(TypeError, match="TorchScript"):
        guided_backprop(scripted, batch(n=2), 0)


def test_guided_backprop_leaves_relus_normal_afterwards():
    model, x = small_cnn(), batch(n=2)
    guided_backprop(model, x, [0, 1])
    assert (
        maxdiff(
            saliency(model, x, [0, 1], abs=False),
            Saliency(model).attribute(x.clone().requires_grad_(), target=[0, 1], abs=False),
        )
        < TOL
    )
    x = x.clone().requires_grad_()
    F.relu(x).sum().backward()
    assert torch.equal(x.grad, (x > 0).float())


# --- Grad-CAM ---------------------------------------------------------------------------------


def odd_cnn(seed: int = 3) -> nn.Module:
    """A random CNN on 3 x 13 x 11 images with batch norm and dropout, none of it in chapter 11."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 5, 3, padding=1),
        nn.BatchNorm2d(5),
        nn.ReLU(),
        nn.Conv2d(5, 7, (3, 2)),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.5),
        nn.Flatten(),
        nn.Linear(7 * 5 * 5, 6),
    )


def captum_grad_cam(model, x, target, layer, upsample):
    cam = LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)
    return LayerAttribution.interpolate(cam, tuple(x.shape[2:]), "bilinear") if upsample else cam


@pytest.mark.parametrize("upsample", [True, False])
@pytest.mark.parametrize("index", [0, 4])  # the first convolution's output; the second ReLU's
def test_grad_cam_equals_captum_on_a_hidden_model(index, upsample):
    model = odd_cnn()
    with torch.no_grad():  # batch norm statistics that are not the identity
        model[1].running_mean.uniform_(-0.5, 0.5)
        model[1].running_var.uniform_(0.5, 2.0)
    model.eval()
    x, target = torch.randn(3, 3, 13, 11, generator=torch.Generator().manual_seed(5)), [2, 0, 5]
    ours = grad_cam(model, x, target, model[index], upsample=upsample)
    theirs = captum_grad_cam(model, x, target, model[index], upsample)
    assert ours.shape == ((3, 1, 13, 11) if upsample else theirs.shape)
    assert theirs.max() > 1e-3 and (theirs == 0).any()  # not all zero, and the ReLU cut some
    assert maxdiff(ours, theirs) < TOL
    assert maxdiff(grad_cam(model, x, target, str(index), upsample=upsample), ours) == 0.0


def test_grad_cam_leaves_modes_parameters_and_input_alone():
    model = odd_cnn().train()
    model[6].eval()  # a mixed state that must come back as it was
    before = {k: v.clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    x = torch.randn(2, 3, 13, 11)
    x_before = x.clone()
    first = grad_cam(model, x, [1, 4], "3")
    assert [m.training for m in model.modules()] == modes
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(x, x_before) and x.grad is None
    assert all(not m._forward_hooks for m in model.modules())
    assert maxdiff(grad_cam(model, x, [1, 4], "3"), first) == 0.0  # eval mode: no dropout


def test_grad_cam_equals_cam_on_a_global_average_pooling_model():
    # CAM (Zhou et al. 2016): class weights times the feature maps that GAP averages. There
    # score_c = b_c + sum_k w_ck mean(A_k), so dscore_c/dA_k = w_ck / (h w) at every position,
    # and Grad-CAM = ReLU(CAM) / (h w) exactly, for any weights: trained or not.
    torch.manual_seed(7)
    model = nn.Sequential(
        nn.Conv2d(2, 6, 3),
        nn.ReLU(),
        nn.Conv2d(6, 5, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(5, 4),
    ).eval()
    x, target = torch.randn(3, 2, 11, 9), torch.tensor([3, 0, 2])
    features = activations(model, x, model[3])  # (3, 5, 9, 7)
    cam = torch.einsum("nk,nkhw->nhw", model[6].weight[target].detach(), features)[:, None]
    ours = grad_cam(model, x, target, model[3], upsample=False)
    assert (cam < 0).any() and (cam > 0).any()
    assert maxdiff(ours, F.relu(cam) / (9 * 7)) < 1e-6
    normalized = F.relu(cam) / F.relu(cam).amax(dim=(2, 3), keepdim=True)
    assert maxdiff(ours / ours.amax(dim=(2, 3), keepdim=True), normalized) < 1e-5


def test_grad_cam_bad_inputs():
    model, x = odd_cnn().eval(), torch.randn(2, 3, 13, 11)
    with pytest.raises(ValueError, match="`layer` 'conv9' is not a submodule"):
        grad_cam(model, x, 0, "conv9")
    with pytest.raises(ValueError, match="`layer` is not a submodule"):
        grad_cam(model, x, 0, nn.Conv2d(3, 5, 3))
    with pytest.raises(TypeError, match="`layer`"):
        grad_cam(model, x, 0, 3)
    with pytest.raises(ValueError, match=r"feature maps of shape \(N, C, h, w\).*\(2, 6\)"):
        grad_cam(model, x, 0, model[8])
    with pytest.raises(ValueError, match="target"):
        grad_cam(model, x, 6, "0")
    with pytest.raises(ValueError, match="target"):
        grad_cam(model, x, [0, 1, 2], "0")
    with pytest.raises(TypeError, match="model"):
        grad_cam(lambda t: t, x, 0, "0")
    with pytest.raises(TypeError, match="upsample"):
        grad_cam(model, x, 0, "0", upsample="yes")
    with pytest.raises(ValueError, match="`x`"):
        grad_cam(model, x[0], 0, "0")
    shared = nn.ReLU()
    twice = nn.Sequential(nn.Conv2d(3, 4, 3), shared, nn.Conv2d(4, 4, 3), shared, nn.Flatten())
    with pytest.raises(ValueError, match="exactly once.*2 times"):
        grad_cam(twice, x, 0, shared)
    unused = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(3, 4, 3))
    unused.forward = lambda t: unused[0](t).flatten(1)
    with pytest.raises(ValueError, match="exactly once.*0 times"):
        grad_cam(unused, x, 0, "1")


# --- Zeiler and Fergus occlusion maps -------------------------------------------------------------


def brute_force_occlusion_map(model, x, target, window, stride, baseline):
    tops = occlusion_positions(x.shape[2], window[0], stride[0])
    lefts = occlusion_positions(x.shape[3], window[1], stride[1])
    probability = torch.zeros(len(x), len(tops), len(lefts))
    top_class = torch.zeros(len(x), len(tops), len(lefts), dtype=torch.int64)
    margin = torch.zeros(len(x), len(tops), len(lefts))
    for n in range(len(x)):
        for i, top in enumerate(tops):
            for j, left in enumerate(lefts):
                covered = x[n : n + 1].clone()
                covered[..., top : top + window[0], left : left + window[1]] = baseline
                with torch.no_grad():
                    scores = model(covered)[0]
                probability[n, i, j] = torch.softmax(scores, 0)[target[n]]
                top_class[n, i, j] = scores.argmax()
                best = scores.topk(2).values
                margin[n, i, j] = best[0] - best[1]
    return probability, top_class, margin


def test_occlusion_map_equals_a_brute_force_loop():
    model = small_cnn(channels=2, size=13, seed=3)  # a seed whose top class moves
    x, target = batch(n=3, channels=2, size=13), [4, 0, 2]
    window, stride, baseline = (3, 5), (2, 3), 0.5
    probability, top_class = occlusion_map(model, x, target, window, stride, baseline)
    expected, expected_class, margin = brute_force_occlusion_map(
        model, x, target, window, stride, baseline
    )
    assert probability.shape == top_class.shape == (3, 6, 4)  # 6 x 4 occluder positions
    assert maxdiff(probability, expected) < 1e-6
    clear = margin > 1e-4  # positions whose top class is not a float-rounding tie
    assert clear.float().mean() > 0.9 and torch.equal(top_class[clear], expected_class[clear])
    assert all(c.unique().numel() > 1 for c in top_class)  # covering moves the top class


def test_occlusion_map_one_forward_pass_per_image_and_modes_kept():
    model, x = small_cnn(), batch(n=3)
    model.train()
    calls = []

    def counted(inp):
        calls.append(len(inp))
        return model(inp)

    first = occlusion_map(counted, x, [0, 1, 2], 4, 2, max_batch=25)
    assert calls == [25, 25, 25]  # 5 x 5 positions: one pass per image
    assert all(m.training for m in model.modules())
    assert all(p.grad is None for p in model.parameters())
    calls.clear()
    second = occlusion_map(counted, x, [0, 1, 2], 4, 2)
    assert calls == [75]
    assert maxdiff(first[0], second[0]) < TOL


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(window=13), ValueError, "window"),
        (dict(window=3, stride=4), ValueError, "stride"),
        (dict(target=5), ValueError, "target"),
        (dict(target=[0, 1]), ValueError, "target"),
        (dict(baseline="grey"), TypeError, "baseline"),
        (dict(max_batch=0), ValueError, "max_batch"),
        (dict(model="not a model"), TypeError, "model"),
        (dict(x=torch.zeros(1, 12, 12)), ValueError, "`x`"),
    ],
)
def test_occlusion_map_bad_inputs(kwargs, error, match):
    args = dict(model=small_cnn(), x=batch(n=3), target=[0, 1, 2], window=4, stride=2)
    args.update(kwargs)
    with pytest.raises(error, match=f"occlusion_map: .*{match}"):
        occlusion_map(**args)


# --- activations and embeddings ---------------------------------------------------------------


def test_activations_by_module_and_by_name():
    model, x = small_cnn(), batch(n=3)
    expected = model[1](model[0](x))
    assert maxdiff(activations(model, x, model[1]), expected) == 0.0
    assert maxdiff(activations(model, x, "1"), expected) == 0.0
    assert not activations(model, x, "6").requires_grad
    assert all(not m._forward_hooks for m in model.modules())  # the hook is gone


def test_activations_of_a_module_used_twice_is_the_last_call():
    shared = nn.ReLU()
    model = nn.Sequential(nn.Linear(3, 3), shared, nn.Linear(3, 2), shared)
    x = torch.randn(4, 3)
    assert maxdiff(activations(model, x, shared), model(x)) == 0.0


def test_activations_bad_layer():
    model, x = small_cnn(), batch()
    with pytest.raises(ValueError, match="layer"):
        activations(model, x, "conv9")
    with pytest.raises(ValueError, match="layer"):
        activations(model, x, nn.ReLU())
    with pytest.raises(TypeError, match="layer"):
        activations(model, x, 3)
    with pytest.raises(TypeError, match="model"):
        activations(lambda t: t, x, "0")
    unused = nn.Sequential(nn.Identity(), nn.Linear(2, 2))
    unused.forward = lambda t: unused[0](t)
    with pytest.raises(ValueError, match="never called"):
        activations(unused, torch.zeros(1, 2), "1")


def test_embed_pca_matches_sklearn_and_tsne_is_seeded():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    features = np.concatenate([rng.normal(0, 1, (15, 60)), rng.normal(6, 1, (15, 60))])
    pca = embed(torch.from_numpy(features), "pca")
    assert pca.shape == (30, 2)
    assert np.allclose(pca, PCA(2, svd_solver="full").fit_transform(features))
    wide = rng.normal(size=(600, 700))  # where scikit-learn would pick its approximate solver
    centred = wide - wide.mean(axis=0)
    exact = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
    assert np.allclose(np.abs(embed(wide, "pca")), np.abs(exact), atol=1e-8)
    first = embed(features, "tsne", seed=3, perplexity=5)
    assert first.shape == (30, 2)
    assert np.array_equal(first, embed(features, "tsne", seed=3, perplexity=5))
    # The two blobs stay apart: every point's nearest neighbour is in its own blob.
    distance = ((first[:, None] - first[None]) ** 2).sum(-1) + np.eye(30) * 1e9
    assert ((distance.argmin(1) < 15) == (np.arange(30) < 15)).all()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(method="umap"), ValueError, "method"),
        (dict(method="tsne", perplexity=80), ValueError, "perplexity"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(method="tsne", perplexity=5, max_iter=100), ValueError, "max_iter"),
        (dict(features=np.zeros(5)), ValueError, "features"),
        (dict(features=np.full((5, 3), np.nan)), ValueError, "features"),
        (dict(features=None), TypeError, "features"),
    ],
)
def test_embed_bad_inputs(kwargs, error, match):
    args = dict(features=np.random.default_rng(0).normal(size=(20, 4)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        embed(**args)


# --- plotting ---------------------------------------------------------------------------------


def test_show_heatmap_overlay():
    image, heat = np.random.rand(8, 8), np.random.randn(1, 8, 8)
    ax = show_heatmap_overlay(image, heat, title="map")
    assert ax.get_title() == "map" and len(ax.images) == 2
    assert ax.images[1].get_clim() == pytest.approx((-np.abs(heat).max(), np.abs(heat).max()))
    with pytest.raises(ValueError, match="heatmap"):
        show_heatmap_overlay(image, np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="heatmap"):
        show_heatmap_overlay(image, np.zeros((7, 8)))
    with pytest.raises(ValueError, match="alpha"):
        show_heatmap_overlay(image, np.zeros((8, 8)), alpha=2)
    plt.close("all")
