"""The feature and attribution exercise checks accept right answers and explain common wrong ones.

The checks read the trained digit classifier; here it is replaced by a fixed random `DigitCNN`, so
these tests neither train nor need the cache. The checks' logic does not depend on the weights.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import checks, models, pretrained
from course_utils.checks.attribution import _tiny_network
from course_utils.interpret import occlusion


@pytest.fixture(scope="module")
def random_classifier():
    torch.manual_seed(0)
    model = models.DigitCNN().eval()
    with torch.no_grad():  # batch-norm statistics like a trained model's, not the identity
        for bn in (model.bn1, model.bn2, model.bn3):
            bn.running_mean.normal_(0, 0.1)
            bn.running_var.uniform_(0.05, 0.2)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0, 0.1)
    return model


@pytest.fixture(autouse=True)
def fast_classifier(monkeypatch, random_classifier):
    monkeypatch.setattr(pretrained, "trained_classifier", lambda *args, **kwargs: random_classifier)
    return random_classifier


@pytest.fixture(scope="module")
def data():
    return pretrained.classifier_data()


def test_placeholders_say_not_yet():
    for check in (
        checks.check_block2_maps,
        checks.check_feature_pca,
        checks.check_feature_1nn,
        checks.check_occlusion_copies,
        checks.check_guided_tiny,
        checks.check_probability_occlusion,
    ):
        verdict = check(None)
        assert not verdict and "None" in verdict.message


def test_block2_maps(fast_classifier, data):
    model, x = fast_classifier, data[1][0][:8]
    with torch.no_grad():
        bn2 = model.bn2(model.conv2(model.pool(F.relu(model.bn1(model.conv1(x))))))
    assert checks.check_block2_maps(F.relu(bn2))
    assert "before the ReLU" in checks.check_block2_maps(bn2).message
    assert "pooled" in checks.check_block2_maps(model.pool(F.relu(bn2))).message
    assert not checks.check_block2_maps(F.relu(bn2) + 0.1)


@pytest.mark.slow  # the features of 5,000 digits
def test_feature_pca(fast_classifier, data):
    with torch.no_grad():
        features = fast_classifier.features(data[1][0]).numpy().astype(np.float64)
    centred = features - features.mean(axis=0)
    u, _, vt = np.linalg.svd(centred, full_matrices=False)
    right = centred @ vt[:2].T
    assert checks.check_feature_pca(right)
    assert checks.check_feature_pca(right * np.array([-1.0, 1.0]))  # either sign per component
    assert (
        "centre"
        in checks.check_feature_pca(
            features @ np.linalg.svd(features, full_matrices=False)[2][:2].T
        ).message
    )
    assert "swapped" in checks.check_feature_pca(right[:, ::-1]).message
    assert "columns of U" in checks.check_feature_pca(u[:, :2]).message
    assert "transpose" in checks.check_feature_pca(right.T).message


@pytest.mark.slow  # the features of 5,000 digits
def test_feature_1nn_verifies_the_labels_and_the_fraction(fast_classifier, data):
    (train_x, train_y), (test_x, test_y) = data
    with torch.no_grad():
        distances = torch.cdist(fast_classifier.features(test_x), fast_classifier.features(train_x))
        classifier = fast_classifier(test_x).argmax(1)
    nn_labels = train_y[distances.argmin(1)]
    accuracy = (nn_labels == test_y).float().mean().item()
    assert checks.check_feature_1nn((nn_labels, accuracy))
    assert checks.check_feature_1nn((nn_labels.numpy(), np.float32(accuracy)))
    assert "percentage" in checks.check_feature_1nn((nn_labels, 100 * accuracy)).message
    assert "not 0.5000" in checks.check_feature_1nn((nn_labels, 0.5)).message
    # the right accuracy with other labels fails: the labels themselves are checked
    pixel = train_y[torch.cdist(test_x.flatten(1), train_x.flatten(1)).argmin(1)]
    assert "raw pixels" in checks.check_feature_1nn((pixel, accuracy)).message
    assert "true test labels" in checks.check_feature_1nn((test_y, accuracy)).message
    if not torch.equal(classifier, nn_labels):
        assert "classifier's own" in checks.check_feature_1nn((classifier, accuracy)).message
    farthest = train_y[distances.argmax(1)]
    assert "farthest" in checks.check_feature_1nn((farthest, accuracy)).message
    assert "shape" in checks.check_feature_1nn((nn_labels[:10], accuracy)).message
    assert not checks.check_feature_1nn("high")
    assert "None" in checks.check_feature_1nn((None, None)).message


def test_occlusion_copies():
    assert checks.check_occlusion_copies(49)
    assert checks.check_occlusion_copies(np.int64(49))
    assert "floor" in checks.check_occlusion_copies(36).message
    assert "square" in checks.check_occlusion_copies(7).message
    assert not checks.check_occlusion_copies(49.5)
    assert not checks.check_occlusion_copies(True)


def test_guided_tiny_agrees_with_autograd_and_the_library():
    from course_utils.interpret import guided_backprop

    w1, w2, x = _tiny_network()
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 4, bias=False), torch.nn.ReLU(), torch.nn.Linear(4, 1, bias=False)
    )
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(w1))
        net[2].weight.copy_(torch.tensor(w2)[None])
    as_image = torch.nn.Sequential(
        torch.nn.Flatten(), net
    ).double()  # (1, 1, 2, 2) image -> 1 score
    library = guided_backprop(as_image, torch.tensor(x).reshape(1, 1, 2, 2), 0).flatten().numpy()
    assert checks.check_guided_tiny(library)
    active = (w1 @ x) > 0
    assert "plain gradient" in checks.check_guided_tiny(w1.T @ (w2 * active)).message
    assert "deconvnet" in checks.check_guided_tiny(w1.T @ np.maximum(w2, 0)).message
    assert not checks.check_guided_tiny(np.zeros(3))


def test_probability_occlusion(fast_classifier, data):
    image, label = data[1][0][:1], data[1][1][:1]
    right = occlusion(lambda x: torch.softmax(fast_classifier(x), dim=1), image, label, 4, 2)
    assert checks.check_probability_occlusion(right)  # (1, 1, 28, 28) is accepted too
    assert checks.check_probability_occlusion(right[0, 0])
    logit = occlusion(fast_classifier, image, label, 4, 2)[0, 0]
    assert "logit" in checks.check_probability_occlusion(logit).message
    assert "sign" in checks.check_probability_occlusion(-right[0, 0]).message
    for window, stride in ((4, 1), (4, 4)):
        wrong = occlusion(
            lambda x: torch.softmax(fast_classifier(x), dim=1), image, label, window, stride
        )[0, 0]
        verdict = checks.check_probability_occlusion(wrong)
        assert not verdict and f"stride {stride}" in verdict.message
