"""course_utils.style: Gram matrices, the three losses, feature networks and the transfer loop."""

import numpy as np
import pytest
import torch
from torch import nn

from course_utils import style
from course_utils.style import (
    FeatureExtractor,
    RandomFeatureNet,
    TransferResult,
    as_image_tensor,
    brush_stroke_painting,
    content_loss,
    gram_matrix,
    pretrained_available,
    pretrained_problem,
    softmax_activations,
    style_loss,
    total_variation,
    transfer,
    wave_painting,
)


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor("random")


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    content = rng.random((40, 40, 3)).astype(np.float32)
    painting = brush_stroke_painting(48, seed=1)
    return content, painting


# --- gram_matrix -------------------------------------------------------------------------------


def test_gram_matrix_matches_the_formula_on_random_inputs():
    generator = torch.Generator().manual_seed(0)
    for shape in [(1, 3, 4, 5), (2, 8, 7, 3), (3, 1, 1, 1)]:
        f = torch.randn(shape, generator=generator, dtype=torch.float64)
        n, c, h, w = shape
        flat = f.reshape(n, c, h * w).numpy()
        expected = np.einsum("nip,njp->nij", flat, flat) / (h * w)
        gram = gram_matrix(f)
        assert gram.shape == (n, c, c)
        np.testing.assert_allclose(gram.numpy(), expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gram.numpy(), np.swapaxes(gram.numpy(), 1, 2))


def test_gram_matrix_by_hand_on_a_readable_example():
    f = torch.tensor([[[[1.0, 2.0], [0.0, 1.0]], [[0.0, 1.0], [3.0, 0.0]]]])  # 2 channels, 2x2
    expected = torch.tensor([[[6.0, 2.0], [2.0, 10.0]]]) / 4
    assert torch.allclose(gram_matrix(f), expected)


def test_gram_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="`f`"):
        gram_matrix(torch.zeros(3, 4, 4))
    with pytest.raises(TypeError, match="`f`"):
        gram_matrix(np.zeros((1, 3, 4, 4)))
    with pytest.raises(TypeError, match="`f`"):
        gram_matrix(torch.zeros(1, 3, 4, 4, dtype=torch.int64))


# --- the losses ----------------------------------------------------------------------------------


def test_content_loss_is_zero_for_identical_and_positive_otherwise():
    a = torch.randn(1, 4, 5, 5, generator=torch.Generator().manual_seed(1))
    assert content_loss(a, a.clone()).item() == 0.0
    b = a.clone()
    b[0, 0, 0, 0] += 1.0
    assert content_loss(b, a).item() == pytest.approx(1.0 / a.numel())
    with pytest.raises(ValueError, match="target"):
        content_loss(a, a[:, :3])
    with pytest.raises(TypeError, match="features"):
        content_loss(a.numpy(), a)


def test_style_loss_is_zero_for_identical_and_positive_otherwise():
    generator = torch.Generator().manual_seed(2)
    feats = {
        "a": torch.rand(1, 3, 6, 6, generator=generator),
        "b": torch.rand(1, 5, 3, 3, generator=generator),
    }
    grams = {k: gram_matrix(v) for k, v in feats.items()}
    assert style_loss(feats, grams).item() == 0.0
    other = {k: v * 1.5 for k, v in feats.items()}
    loss = style_loss(other, grams)
    assert loss.item() > 0
    expected = sum(0.5 * ((gram_matrix(other[k]) - grams[k]) ** 2).mean() for k in grams)
    assert loss.item() == pytest.approx(expected.item())
    weighted = style_loss(other, grams, {"a": 1.0, "b": 0.0})
    assert weighted.item() == pytest.approx(
        ((gram_matrix(other["a"]) - grams["a"]) ** 2).mean().item()
    )
    only_a = style_loss(other, {"a": grams["a"]})  # the layers used are those of target_grams
    assert only_a.item() == pytest.approx(weighted.item())


def test_style_loss_rejects_bad_input():
    f = {"a": torch.rand(1, 3, 4, 4)}
    grams = {"a": gram_matrix(f["a"])}
    with pytest.raises(ValueError, match="lacks the layers"):
        style_loss({}, grams)
    with pytest.raises(ValueError, match="weights"):
        style_loss(f, grams, {"b": 1.0})
    with pytest.raises(ValueError, match="target_grams"):
        style_loss(f, {})
    with pytest.raises(ValueError, match="target_grams"):
        style_loss(f, {"a": torch.zeros(1, 4, 4)})
    with pytest.raises(TypeError, match="features"):
        style_loss([f["a"]], grams)


def test_total_variation_is_zero_for_flat_images_and_positive_otherwise():
    assert total_variation(torch.full((1, 3, 5, 5), 0.3)).item() == 0.0
    image = torch.zeros(1, 1, 3, 3)
    image[0, 0, 1, 1] = 1.0  # 4 unit jumps vertically (of 6 pairs) and 4 horizontally (of 6)
    assert total_variation(image).item() == pytest.approx(2 * 2 / 6)
    assert total_variation(torch.rand(2, 3, 1, 4)).item() > 0  # a single row works
    with pytest.raises(ValueError, match="image"):
        total_variation(torch.zeros(1, 3, 1, 1))
    with pytest.raises(ValueError, match="image"):
        total_variation(torch.zeros(3, 4, 4))


# --- image conversion ------------------------------------------------------------------------


def test_as_image_tensor_converts_gray_rgba_uint8_and_tensors():
    gray = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    t = as_image_tensor(gray)
    assert t.shape == (1, 3, 3, 4) and t.dtype == torch.float32
    assert torch.equal(t[0, 0], t[0, 2]) and torch.allclose(t[0, 1], torch.from_numpy(gray))
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., 0] = 255
    rgba[0, 0, 3] = 255  # one opaque red pixel, the others transparent over white
    t = as_image_tensor(rgba)
    assert t.shape == (1, 3, 2, 2)
    assert torch.allclose(t[0, :, 0, 0], torch.tensor([1.0, 0.0, 0.0]))
    assert torch.allclose(t[0, :, 1, 1], torch.ones(3))
    t = as_image_tensor(np.full((2, 3, 3), 51, dtype=np.uint8))
    assert torch.allclose(t, torch.full((1, 3, 2, 3), 0.2))
    chw = torch.rand(3, 5, 6)
    assert torch.equal(as_image_tensor(chw)[0], chw)
    assert as_image_tensor(torch.rand(1, 1, 5, 6)).shape == (1, 3, 5, 6)


def test_as_image_tensor_names_an_empty_image():
    for empty in (np.zeros((0, 4, 3)), np.zeros((4, 0), dtype=np.uint8), torch.zeros(3, 0, 5)):
        with pytest.raises(ValueError, match="`image` is empty"):
            as_image_tensor(empty)


def test_as_image_tensor_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        as_image_tensor(np.full((4, 4, 3), 200.0))
    with pytest.raises(ValueError, match="image"):
        as_image_tensor(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="batch"):
        as_image_tensor(torch.zeros(2, 3, 4, 4))
    with pytest.raises(TypeError, match="image"):
        as_image_tensor(None)
    with pytest.raises(ValueError, match="NaN"):
        as_image_tensor(np.full((4, 4), np.nan))


# --- feature networks ------------------------------------------------------------------------


def test_random_extractor_names_shapes_and_determinism(extractor, images):
    assert extractor.kind == "random" and not extractor.pretrained
    assert extractor.layers == ("conv1", "conv2", "conv3", "conv4", "conv5")
    assert extractor.content_layer == "conv4"
    assert extractor.min_size == 32
    x = as_image_tensor(images[0])
    out = extractor(x)
    assert [tuple(v.shape) for v in out.values()] == [
        (1, 32, 40, 40),
        (1, 64, 20, 20),
        (1, 128, 10, 10),
        (1, 256, 5, 5),
        (1, 256, 2, 2),
    ]
    again = FeatureExtractor("random")(x)
    assert all(torch.equal(out[k], again[k]) for k in out)  # fixed seed: same weights every time
    assert all((v >= 0).all() for v in out.values())  # after ReLU
    assert "random" in extractor.describe()


def test_extractor_keeps_only_what_is_asked_for():
    small = FeatureExtractor("random", layers=["conv2"])
    assert small.layers == ("conv2",) and len(small.network.convs) == 2
    assert small.min_size == 4
    assert list(small(torch.rand(1, 3, 8, 8))) == ["conv2"]


def test_extractor_rejects_bad_arguments_and_small_images(extractor):
    with pytest.raises(ValueError, match="kind"):
        FeatureExtractor("resnet")
    with pytest.raises(ValueError, match="layers"):
        FeatureExtractor("random", layers=["conv9"])
    with pytest.raises(TypeError, match="layers"):
        FeatureExtractor("random", layers="conv1")
    with pytest.raises(ValueError, match="at least 32x32"):
        extractor(torch.rand(1, 3, 31, 64))
    with pytest.raises(ValueError, match="3 channels"):
        extractor(torch.rand(1, 1, 40, 40))


def test_pretrained_kinds_fall_back_in_one_line_when_unavailable(monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(style.networks, "_pretrained", offline)
    fe = FeatureExtractor("squeezenet")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "squeezenet" in lines[0] and "random" in lines[0]
    assert fe.kind == "random" and fe.requested == "squeezenet"
    assert fe.layers == ("conv1", "conv2", "conv3", "conv4", "conv5")


def test_the_download_attempt_uses_a_short_socket_timeout(monkeypatch, capsys):
    import socket

    import torchvision.models

    seen = []

    def builder(weights=None, progress=True):
        seen.append(socket.getdefaulttimeout())
        print('Downloading: "https://example.invalid/weights.pth"')  # what torch.hub prints
        raise OSError("<urlopen error [Errno -2] Name or service not known>")

    monkeypatch.setattr(torchvision.models, "squeezenet1_1", builder)
    before = socket.getdefaulttimeout()
    fe = FeatureExtractor("squeezenet", timeout=2.5)
    assert seen == [2.5] and socket.getdefaulttimeout() == before
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "not available" in lines[0] and "Downloading" not in lines[0]
    assert fe.kind == "random"


def test_no_download_and_empty_cache_falls_back_without_network(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    assert not pretrained_available("squeezenet") and not pretrained_available("vgg19")
    import socket

    tried = []  # the condition, not a clock: no connection is even attempted

    def refuse(*args, **kwargs):
        tried.append(args)
        raise OSError("the test forbids network access")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    fe = FeatureExtractor("vgg19", download=False)
    assert tried == [], f"download=False still tried the network: {tried}"
    assert fe.kind == "random" and "vgg19" in capsys.readouterr().out
    with pytest.raises(ValueError, match="kind"):
        pretrained_available("random")


def test_squeezenet_structure_names_and_min_size():
    from torchvision.models import squeezenet1_1

    fe = FeatureExtractor("squeezenet", _model=squeezenet1_1(weights=None))
    assert fe.kind == "squeezenet" and fe.layers == ("conv1", "fire2", "fire3", "fire4", "fire5")
    out = fe(torch.rand(1, 3, fe.min_size, fe.min_size))
    assert min(out["fire5"].shape[-2:]) == 2
    with pytest.raises(ValueError, match=f"at least {fe.min_size}x{fe.min_size}"):
        fe(torch.rand(1, 3, fe.min_size - 1, fe.min_size - 1))
    assert not any(isinstance(m, nn.ReLU) and m.inplace for m in fe.modules())


def test_vgg_layer_names_follow_blocks():
    features = nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3),
        nn.ReLU(),
    )
    assert style.networks._vgg19_names(features) == {1: "relu1_1", 3: "relu1_2", 6: "relu2_1"}


def test_layer_sizes_follow_torch_for_both_pretrained_networks():
    from torchvision.models import squeezenet1_1, vgg19

    from course_utils.style.networks import _output_side

    layers = [m for m in squeezenet1_1(weights=None).features if not isinstance(m, nn.ReLU)]
    layers += [m for m in vgg19(weights=None).features if isinstance(m, nn.Conv2d | nn.MaxPool2d)]
    layers += [nn.AvgPool2d(2), nn.Conv2d(1, 1, 3, stride=2, padding=1, dilation=2)]
    for layer in layers:
        if not isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
            continue
        channels = layer.in_channels if isinstance(layer, nn.Conv2d) else 1
        for size in (5, 6, 7, 13, 16, 31):
            out = layer(torch.zeros(1, channels, size, size)).shape[-1]
            assert _output_side(layer, size) == out, (layer, size)


def test_random_feature_net_rejects_bad_widths():
    with pytest.raises(ValueError, match="widths"):
        RandomFeatureNet(widths=(8, 0))


# --- transfer ------------------------------------------------------------------------------------


def test_transfer_reduces_the_style_loss_on_a_tiny_image(extractor, images):
    content, painting = images
    calls = []
    image, history = transfer(
        content,
        painting,
        size=32,
        steps=12,
        features=extractor,
        callback=lambda step, img, losses: calls.append((step, img.shape)),
    )
    assert image.shape == (32, 32, 3) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() <= 1
    assert set(history) == {"total", "content", "style", "tv"}
    assert all(len(v) == 13 for v in history.values())  # 12 evaluations + the returned image
    assert history["style"][-1] < 0.5 * history["style"][0]
    assert history["content"][0] == pytest.approx(0.0, abs=1e-9)  # starts from the content image
    assert [c[0] for c in calls] == list(range(1, 13)) and calls[0][1] == (32, 32, 3)


def test_transfer_returns_a_named_pair(extractor, images):
    content, painting = images
    result = transfer(content, painting, size=32, steps=2, features=extractor)
    assert isinstance(result, TransferResult)
    image, history = result
    assert image is result.image and history is result.history and result[0] is image
    assert len(history["total"]) == 3


def test_transfer_with_adam_from_noise(extractor, images):
    content, painting = images
    image, history = transfer(
        content,
        painting,
        size=(32, 40),
        steps=10,
        optimizer="adam",
        init="noise",
        content_weight=0.0,
        features=extractor,
    )
    assert image.shape == (32, 40, 3)
    assert len(history["style"]) == 11 and history["style"][-1] < history["style"][0]


def test_transfer_with_lbfgs_records_exactly_the_steps_asked_for(extractor, images):
    content, painting = images
    for steps in (1, 7, 12):
        image, history = transfer(
            content, painting, size=32, steps=steps, optimizer="lbfgs", features=extractor
        )
        assert len(history["style"]) == steps + 1
    assert history["style"][-1] < 0.5 * history["style"][0]
    assert all(b <= a for a, b in zip(history["total"][:-2], history["total"][1:-1], strict=True))


def test_transfer_accepts_an_image_as_start(extractor, images):
    content, painting = images
    small, _ = transfer(content, painting, size=32, steps=3, features=extractor)
    image, history = transfer(content, painting, size=48, steps=3, init=small, features=extractor)
    assert image.shape == (48, 48, 3) and history["content"][0] > 0


def test_transfer_converts_gray_rgba_and_uint8_inputs(extractor):
    rng = np.random.default_rng(3)
    gray = rng.random((36, 36))
    rgba = (rng.random((40, 40, 4)) * 255).astype(np.uint8)
    image, history = transfer(gray, rgba, size=32, steps=2, features=extractor)
    assert image.shape == (32, 32, 3) and np.isfinite(history["total"]).all()
    image, _ = transfer(
        torch.rand(1, 36, 36), (rgba[..., :3]), size=32, steps=1, features=extractor
    )
    assert image.shape == (32, 32, 3)


def test_transfer_names_the_size_needed_for_a_too_small_image(extractor, images):
    content, painting = images
    with pytest.raises(ValueError, match="at least 32x32"):
        transfer(content, painting, size=16, steps=1, features=extractor)


def test_transfer_rejects_bad_arguments(extractor, images):
    content, painting = images
    with pytest.raises(ValueError, match="optimizer"):
        transfer(content, painting, size=32, steps=1, optimizer="sgd", features=extractor)
    with pytest.raises(ValueError, match="steps"):
        transfer(content, painting, size=32, steps=0, features=extractor)
    with pytest.raises(ValueError, match="content_weight"):
        transfer(content, painting, size=32, steps=1, content_weight=-1.0, features=extractor)
    with pytest.raises(TypeError, match="size"):
        transfer(content, painting, size="big", steps=1, features=extractor)
    with pytest.raises(ValueError, match="init"):
        transfer(content, painting, size=32, steps=1, init="zeros", features=extractor)
    with pytest.raises(TypeError, match="callback"):
        transfer(content, painting, size=32, steps=1, callback=3, features=extractor)
    with pytest.raises(ValueError, match="layers"):
        transfer(content, painting, size=32, steps=1, content_layer="fire2", features=extractor)
    with pytest.raises(ValueError, match="content"):
        transfer(np.full((40, 40, 3), 255.0), painting, size=32, steps=1, features=extractor)


# --- the painting ------------------------------------------------------------------------------


def test_brush_stroke_painting_is_seeded_and_in_range():
    a = brush_stroke_painting(64, seed=0)
    assert a.shape == (64, 64, 3) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1 and a.std() > 0.1
    assert np.array_equal(a, brush_stroke_painting(64, seed=0))
    assert not np.array_equal(a, brush_stroke_painting(64, seed=1))
    with pytest.raises(ValueError, match="size"):
        brush_stroke_painting(4)
    with pytest.raises(ValueError, match="palette"):
        brush_stroke_painting(32, palette=[(1, 0, 0)])


# --- the pinned ImageNet weights -----------------------------------------------------------------


def test_the_weights_are_pinned_to_imagenet1k_v1_and_named_by_their_sha256():
    from torchvision import models

    from course_utils.pretrained import imagenet_weights, weights_file

    assert imagenet_weights("squeezenet") is models.SqueezeNet1_1_Weights.IMAGENET1K_V1
    assert imagenet_weights("vgg19") is models.VGG19_Weights.IMAGENET1K_V1
    # the names that doctor, download and the checksum check expect
    assert weights_file("squeezenet").name == "squeezenet1_1-b8a52dc0.pth"
    assert weights_file("vgg19").name == "vgg19-dcbb9e9d.pth"
    with pytest.raises(ValueError, match="imagenet_weights: `kind`"):
        imagenet_weights("random")


def test_the_extractor_asks_torchvision_for_the_pinned_weights(monkeypatch, tmp_path):
    import torchvision.models

    from course_utils.pretrained import imagenet_weights

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    untrained, asked = torchvision.models.squeezenet1_1, []

    def builder(weights=None, progress=True):
        asked.append(weights)
        return untrained(weights=None)

    monkeypatch.setattr(torchvision.models, "squeezenet1_1", builder)
    fe = FeatureExtractor("squeezenet", verbose=False)
    assert asked == [imagenet_weights("squeezenet")] and fe.kind == "squeezenet"


def test_pretrained_problem_accepts_a_file_whose_sha256_matches_its_name(monkeypatch, tmp_path):
    import hashlib

    from course_utils import pretrained

    content = b"not really weights"
    prefix = hashlib.sha256(content).hexdigest()[:8]
    good = tmp_path / f"squeezenet1_1-{prefix}.pth"
    good.write_bytes(content)
    monkeypatch.setattr(pretrained, "weights_file", lambda kind: good)
    assert pretrained_problem("squeezenet") is None and pretrained_available("squeezenet")
    good.write_bytes(content + b"!")
    assert pretrained_problem("squeezenet").startswith("damaged")
    good.unlink()
    assert pretrained_problem("squeezenet") == "missing"


# --- MobileNetV2, the course's ImageNet network ------------------------------------------------


@pytest.fixture(scope="module")
def mobilenet():
    fe = FeatureExtractor("mobilenet_v2", verbose=False)
    assert fe.kind == "mobilenet_v2", "the MobileNetV2 weights are in .course-test-data"
    return fe


def test_mobilenet_names_blocks_and_cuts_after_the_deepest_used(mobilenet):
    assert mobilenet.style_layers == ("block0", "block1", "block3", "block6", "block10")
    assert mobilenet.content_layer == "block13" and mobilenet.pretrained
    assert mobilenet.all_layers == tuple(f"block{i}" for i in range(19))
    assert mobilenet.network.names == [f"block{i}" for i in range(14)]  # cut after block13
    assert len(mobilenet.network.layers) == 14
    assert "MobileNetV2" in mobilenet.describe()
    assert not any(isinstance(m, nn.ReLU6) and m.inplace for m in mobilenet.modules())
    assert not any(p.requires_grad for p in mobilenet.parameters())


def test_mobilenet_sizes_match_its_outputs(mobilenet):
    out = mobilenet(torch.rand(1, 3, 96, 80))
    channels = {"block0": 32, "block1": 16, "block3": 24, "block6": 32, "block10": 64}
    for name, c in {**channels, "block13": 96}.items():
        assert out[name].shape[1] == c
    sizes = mobilenet.network.spatial_sizes(96)
    assert all(out[name].shape[-2] == sizes[name] for name in out)
    with pytest.raises(ValueError, match=f"at least {mobilenet.min_size}x{mobilenet.min_size}"):
        mobilenet(torch.rand(1, 3, mobilenet.min_size - 1, 64))


def test_mobilenet_block_outputs_equal_torchvisions_features(mobilenet):
    from course_utils.imagenet import imagenet_classifier

    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    reference = imagenet_classifier(fetch=False).features[:14]
    mean, std = mobilenet.mean, mobilenet.std
    with torch.no_grad():
        expected = reference((x - mean) / std)
        got = mobilenet(x)["block13"]
    assert torch.allclose(got, expected, atol=1e-5)


def test_mobilenet_layers_can_be_chosen_and_are_checked():
    fe = FeatureExtractor("mobilenet_v2", layers=["block3"], verbose=False)
    assert fe.layers == ("block3",) and len(fe.network.layers) == 4
    with pytest.raises(ValueError, match="unknown `layers`.*block19"):
        FeatureExtractor("mobilenet_v2", layers=["block19"], verbose=False)


def test_mobilenet_falls_back_in_one_line_without_weights(monkeypatch, capsys):
    from course_utils import imagenet

    def missing(fetch=True):
        raise imagenet.WeightsUnavailable("MobileNetV2 ImageNet weights missing")

    monkeypatch.setattr(imagenet, "imagenet_classifier", missing)
    fe = FeatureExtractor("mobilenet_v2", download=False)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "mobilenet_v2" in lines[0] and "random" in lines[0]
    assert fe.kind == "random" and fe.requested == "mobilenet_v2"


def test_mobilenet_loads_through_the_verified_loader(monkeypatch):
    from course_utils import imagenet

    calls = []
    original = imagenet.imagenet_classifier

    def spy(fetch=True):
        calls.append(fetch)
        return original(fetch=fetch)

    monkeypatch.setattr(imagenet, "imagenet_classifier", spy)
    FeatureExtractor("mobilenet_v2", download=False, verbose=False)
    assert calls == [False]


def test_mobilenet_rejects_bad_images(mobilenet):
    with pytest.raises(ValueError, match="3 channels"):
        mobilenet(torch.rand(1, 4, 64, 64))
    with pytest.raises(ValueError, match="3 channels"):
        mobilenet(torch.rand(1, 1, 64, 64))
    pixels = torch.randint(0, 256, (1, 3, 64, 64))  # integers are 0-255 pixel values
    read = mobilenet(pixels)
    expected = mobilenet(pixels.float() / 255)
    assert all(torch.allclose(read[n], expected[n]) for n in expected)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mobilenet(torch.rand(1, 3, 64, 64) * 255)  # 0-255 floats are not taken as 0-1
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        mobilenet(torch.rand(3, 64, 64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        mobilenet(np.zeros((1, 3, 64, 64), dtype=np.float32))


def test_transfer_with_mobilenet_and_softmax_smoothing(mobilenet):
    content = np.random.default_rng(0).random((40, 40, 3)).astype(np.float32)
    plain, history = transfer(content, wave_painting(40), size=40, steps=8, features=mobilenet)
    smooth, smoothed = transfer(
        content, wave_painting(40), size=40, steps=8, features=mobilenet, smooth=True
    )
    assert history["style"][-1] < history["style"][0]
    assert smoothed["style"][-1] < smoothed["style"][0]
    assert not np.allclose(plain, smooth)
    with pytest.raises(TypeError, match="transfer: `smooth`"):
        transfer(content, content, size=40, steps=1, features=mobilenet, smooth="yes")


# --- softmax_activations ------------------------------------------------------------------------


def test_softmax_activations_is_a_softmax_over_channels():
    f = torch.randn(2, 5, 3, 4, generator=torch.Generator().manual_seed(0)) * 4
    s = softmax_activations(f)
    assert s.shape == f.shape and (s > 0).all()
    assert torch.allclose(s.sum(dim=1), torch.ones(2, 3, 4))
    by_hand = f[0, :, 1, 2].exp() / f[0, :, 1, 2].exp().sum()
    assert torch.allclose(s[0, :, 1, 2], by_hand)
    assert torch.allclose(softmax_activations(f + 7.0), s, atol=1e-6)  # shift-invariant


def test_softmax_activations_rejects_bad_input():
    with pytest.raises(TypeError, match="softmax_activations: `f` must be a torch.Tensor"):
        softmax_activations(np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"softmax_activations: `f` must have shape"):
        softmax_activations(torch.zeros(2, 3, 3))
    with pytest.raises(TypeError, match="floats"):
        softmax_activations(torch.zeros(1, 2, 3, 3, dtype=torch.int64))
    bad = torch.zeros(1, 2, 3, 3)
    bad[0, 1, 1, 1] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        softmax_activations(bad)
    bad[0, 1, 1, 1] = float("inf")
    with pytest.raises(ValueError, match="infinite"):
        softmax_activations(bad)


# --- wave_painting ------------------------------------------------------------------------------


def test_wave_painting_is_seeded_in_range_and_mostly_blue():
    a = wave_painting(64, seed=0)
    assert a.shape == (64, 64, 3) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1 and a.std() > 0.1
    assert np.array_equal(a, wave_painting(64, seed=0))
    assert not np.array_equal(a, wave_painting(64, seed=1))
    sea = a[32:]
    assert sea[..., 2].mean() > sea[..., 0].mean() + 0.2  # the sea is blue


@pytest.mark.parametrize("size", [4, 8.0, True, "64", None])
def test_wave_painting_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match="wave_painting: `size`"):
        wave_painting(size)


@pytest.mark.parametrize("density", [0, -1.0, float("nan"), "many", True])
def test_wave_painting_rejects_bad_densities(density):
    with pytest.raises(ValueError, match="wave_painting: `density`"):
        wave_painting(32, density=density)
