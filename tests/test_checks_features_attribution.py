"""The checks of what the network learned, and of occlusion and saliency: right answers pass.

The checks read the trained digit classifier; here it is replaced by a fixed random `DigitCNN`, so
these tests neither train nor need the cache. The checks' logic does not depend on the weights.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import checks, models, pretrained
from course_utils.checks import _by_hand
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


def _learner_cells(monkeypatch, cells, **variables):
    """Pretend the learner ran `cells` in a notebook, leaving `variables` in its namespace."""
    namespace = {"In": ["", *cells], **variables}
    monkeypatch.setattr(_by_hand, "_namespace", lambda: namespace)


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


def test_block2_maps_refuse_the_activations_helper(monkeypatch, fast_classifier, data):
    model, x = fast_classifier, data[1][0][:8]
    with torch.no_grad():
        maps = F.relu(model.bn2(model.conv2(model.pool(F.relu(model.bn1(model.conv1(x)))))))
    start = "block2_maps = None  # your (8, 32, 14, 14) tensor\ncheck_block2_maps(block2_maps)"
    shortcut = (
        "recorded = activations(model, test_images[:8], ['bn2'])\n"
        "block2_maps = F.relu(recorded['bn2'])"
    )
    _learner_cells(monkeypatch, [start, shortcut], block2_maps=maps, recorded={})
    verdict = checks.check_block2_maps(maps)
    assert not verdict and "`activations`" in verdict.message and "hook" in verdict.message
    hook = (
        "stored = []\nhandle = model.bn2.register_forward_hook(lambda m, i, o: stored.append(o))\n"
        "model(test_images[:8])\nhandle.remove()\nblock2_maps = F.relu(stored[0])"
    )
    _learner_cells(monkeypatch, [start, hook], block2_maps=maps, stored=[])
    assert checks.check_block2_maps(maps)


def _pca_parts(features):
    centred = features - features.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    kept = np.cumsum(s**2) / np.sum(s**2)
    return centred, u, s, vt, int(np.argmax(kept >= 0.8)) + 1


@pytest.mark.slow  # the features of 5,000 digits
def test_feature_pca(fast_classifier, data):
    with torch.no_grad():
        features = fast_classifier.features(data[1][0]).numpy().astype(np.float64)
    centred, u, _, vt, k = _pca_parts(features)
    right = centred @ vt[:k].T
    verdict = checks.check_feature_pca((k, right))
    assert verdict and f"{k} of the 64 components" in verdict.message
    flip = np.ones(k)
    flip[0] = -1
    assert checks.check_feature_pca((float(k), right * flip))  # either sign per component
    assert "add 1" in checks.check_feature_pca((k - 1, right[:, :-1])).message
    raw = features @ np.linalg.svd(features, full_matrices=False)[2][:k].T
    assert "centre" in checks.check_feature_pca((k, raw)).message
    assert "wrong order" in checks.check_feature_pca((k, right[:, ::-1])).message
    assert "columns of U" in checks.check_feature_pca((k, u[:, :k])).message
    assert "transpose" in checks.check_feature_pca((k, right.T)).message
    assert "pair" in checks.check_feature_pca(right).message


@pytest.mark.slow  # the features of 5,000 digits
def test_feature_pca_names_z_scoring(fast_classifier, data):
    with torch.no_grad():
        features = fast_classifier.features(data[1][0]).numpy().astype(np.float64)
    _, _, _, _, k = _pca_parts(features)
    spread = features.std(axis=0)
    z = (features - features.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    z_scored = z @ np.linalg.svd(z, full_matrices=False)[2][:k].T
    verdict = checks.check_feature_pca((k, z_scored))
    assert not verdict and "standard deviation (z-scored" in verdict.message


@pytest.mark.slow  # the features of 5,000 digits
def test_feature_pca_refuses_the_chapters_pca_and_scikit_learn(monkeypatch, fast_classifier, data):
    from sklearn.decomposition import PCA

    with torch.no_grad():
        features = fast_classifier.features(data[1][0]).numpy().astype(np.float64)
    centred, _, _, vt, k = _pca_parts(features)
    right = centred @ vt[:k].T
    start = "feature_pca = None\ncheck_feature_pca((n_components, feature_pca))"
    for work in (
        f"feature_pca, _ = pca_by_hand(test_features.numpy(), {k})",
        f"model = PCA({k})\nfeature_pca = model.fit_transform(test_features.numpy())",
        f"lib = PCA\nfeature_pca = lib({k}).fit_transform(test_features.numpy())",
    ):
        _learner_cells(monkeypatch, [start, work], feature_pca=right, lib=PCA)
        verdict = checks.check_feature_pca((k, right))
        assert not verdict and "NumPy's SVD" in verdict.message, work
    honest = (
        "centred = test_features.numpy() - test_features.numpy().mean(axis=0)\n"
        "_, s, vt = np.linalg.svd(centred, full_matrices=False)\n"
        f"feature_pca = centred @ vt[:{k}].T"
    )
    _learner_cells(monkeypatch, [start, honest], feature_pca=right, centred=centred, vt=vt)
    assert checks.check_feature_pca((k, right))


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
    unit_test = F.normalize(fast_classifier.features(test_x).detach(), dim=1)
    unit_train = F.normalize(fast_classifier.features(train_x).detach(), dim=1)
    cosine = train_y[(unit_test @ unit_train.T).argmax(1)]
    if not torch.equal(cosine, nn_labels):
        assert "cosine" in checks.check_feature_1nn((cosine, accuracy)).message
    votes = F.one_hot(train_y[distances.topk(5, largest=False).indices], 10).sum(1)
    vote = votes.argmax(1)  # ties go to the smallest label; any tie-break is recognised
    if not torch.equal(vote, nn_labels):
        assert (
            "majority vote of the 5 nearest" in checks.check_feature_1nn((vote, accuracy)).message
        )
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
    for window, stride in ((4, 1), (4, 4), (4, 3), (3, 2), (6, 3)):
        wrong = occlusion(
            lambda x: torch.softmax(fast_classifier(x), dim=1), image, label, window, stride
        )[0, 0]
        verdict = checks.check_probability_occlusion(wrong)
        assert not verdict and f"stride {stride}" in verdict.message
