"""course_utils.training and .checkpoints (training a classifier): fit, evaluate, predict, files."""

import math

import numpy as np
import pytest
import torch
from builders import tiny_cnn
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.checkpoints import CHECKPOINT_FORMAT, load_checkpoint, save_checkpoint
from course_utils.runtime import seed_everything
from course_utils.training import History, evaluate, fit, predict


def _blobs(n: int = 96, seed: int = 0):
    """Two well-separated classes of 1x4x4 'images': class 1 is bright, class 0 is dark."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    images = (
        0.2 * torch.randn(n, 1, 4, 4, generator=generator)
        + labels.view(-1, 1, 1, 1).float() * 2
        - 1
    )
    return images, labels


def _tiny_cnn() -> nn.Module:
    """The tests' tiny CNN for two classes of 1x4x4 blobs, initialised from torch's random state."""
    return tiny_cnn(size=4, classes=2, dropout=0.1, seed=None)


def _loaders(batch_size: int = 16, seed: int = 0):
    images, labels = _blobs()
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(
        TensorDataset(images[:64], labels[:64]),
        batch_size=batch_size,
        shuffle=True,
        generator=generator,
    )
    val = DataLoader(TensorDataset(images[64:], labels[64:]), batch_size=batch_size)
    return train, val


def _train(epochs: int = 3, seed: int = 0, **kwargs):
    seed_everything(seed)
    model = _tiny_cnn()
    train, val = _loaders(seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    history = fit(model, train, val, optimizer, epochs, **kwargs)
    return model, history, val


# --- fit -----------------------------------------------------------------------------------


def test_fit_learns_and_records_one_entry_per_epoch():
    model, history, val = _train(epochs=4)
    assert isinstance(history, History)
    assert history.epochs == 4
    for values in history.as_dict().values():
        assert len(values) == 4 and all(math.isfinite(v) for v in values)
    assert history.val_acc[-1] == 1.0, "two separated blobs must be classified perfectly"
    assert history.train_loss[-1] < history.train_loss[0]
    assert not model.training, "fit leaves the model in eval mode"
    loss, acc = evaluate(model, val)
    assert loss == pytest.approx(history.val_loss[-1]) and acc == history.val_acc[-1]


def test_fit_is_deterministic_with_the_same_seed():
    model_a, history_a, _ = _train(seed=3)
    model_b, history_b, _ = _train(seed=3)
    assert history_a == history_b
    for (name, a), b in zip(
        model_a.state_dict().items(), model_b.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), name


def test_fit_without_validation_and_with_epoch_scheduler():
    seed_everything(0)
    model = _tiny_cnn()
    train, _ = _loaders()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = fit(model, train, None, optimizer, 3, scheduler=scheduler, scheduler_step="epoch")
    assert history.val_loss == [] and history.val_acc == [] and history.epochs == 3
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)


def test_fit_steps_a_batch_scheduler_every_batch():
    seed_everything(0)
    model = _tiny_cnn()
    train, val = _loaders()  # 4 batches per epoch
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    fit(model, train, val, optimizer, 2, scheduler=scheduler)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**8)


def test_fit_applies_augment_to_training_inputs_only():
    seen = []

    def augment(images):
        seen.append(images.shape[0])
        return images

    _train(epochs=2, augment=augment)
    assert sum(seen) == 2 * 64, (
        "augment sees every training sample once per epoch, no validation sample"
    )


def test_fit_prints_nothing_in_plain_mode_and_keeps_every_number(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    _, history, _ = _train(epochs=2, desc="demo")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == "", "stored outputs hold no progress bar"
    assert history.epochs == 2 and len(history.val_acc) == 2 and len(history.train_loss) == 2


@pytest.mark.parametrize("epochs", [0, -1])
def test_fit_rejects_epochs_below_one(epochs):
    model = _tiny_cnn()
    train, val = _loaders()
    with pytest.raises(ValueError, match="epochs"):
        fit(model, train, val, torch.optim.SGD(model.parameters(), lr=0.1), epochs)


def test_fit_rejects_non_int_epochs_and_bad_arguments():
    model = _tiny_cnn()
    train, val = _loaders()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="epochs"):
        fit(model, train, val, optimizer, 2.5)
    with pytest.raises(TypeError, match="optimizer"):
        fit(model, train, val, "adam", 1)
    with pytest.raises(TypeError, match="model"):
        fit("model", train, val, optimizer, 1)
    with pytest.raises(ValueError, match="scheduler_step"):
        fit(model, train, val, optimizer, 1, scheduler_step="step")
    with pytest.raises(TypeError, match="augment"):
        fit(model, train, val, optimizer, 1, augment=3)
    with pytest.raises(TypeError, match="train_loader"):
        fit(model, torch.zeros(4, 1, 4, 4), val, optimizer, 1)
    with pytest.raises(ValueError, match="device"):
        fit(model, train, val, optimizer, 1, device="gpu0")


def test_fit_rejects_an_empty_loader(capsys):
    model = _tiny_cnn()
    _, val = _loaders()
    empty = DataLoader(
        TensorDataset(torch.zeros(0, 1, 4, 4), torch.zeros(0, dtype=torch.long)), batch_size=4
    )
    with pytest.raises(ValueError, match="train_loader.*empty"):
        fit(model, empty, val, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    with pytest.raises(ValueError, match="val_loader.*empty"):
        fit(model, val, empty, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    short = DataLoader(TensorDataset(*_blobs(3)), batch_size=4, drop_last=True)
    with pytest.raises(ValueError, match="drop_last"):
        fit(model, short, None, torch.optim.SGD(model.parameters(), lr=0.1), 1)


def test_fit_explains_a_shape_mismatch_between_model_and_data(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    model = _tiny_cnn()
    rgb = DataLoader(
        TensorDataset(torch.zeros(8, 3, 4, 4), torch.zeros(8, dtype=torch.long)), batch_size=4
    )
    with pytest.raises(ValueError, match=r"shape \(4, 3, 4, 4\).*1 input channels") as info:
        fit(model, rgb, None, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    assert isinstance(info.value.__cause__, RuntimeError)
    big = DataLoader(
        TensorDataset(torch.zeros(8, 1, 8, 8), torch.zeros(8, dtype=torch.long)), batch_size=4
    )
    with pytest.raises(ValueError, match=r"shape \(4, 1, 8, 8\).*PyTorch said"):
        fit(model, big, None, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    assert "0%" not in capsys.readouterr().err, "no half-finished progress line before an error"


def test_fit_explains_targets_that_do_not_fit_the_outputs():
    model = _tiny_cnn()  # 2 classes
    images, _ = _blobs(8)
    bad_labels = DataLoader(TensorDataset(images, torch.full((8,), 5)), batch_size=4)
    with pytest.raises(ValueError, match=r"outputs of shape \(4, 2\).*targets of shape \(4,\)"):
        fit(model, bad_labels, None, torch.optim.SGD(model.parameters(), lr=0.1), 1)
    not_pairs = DataLoader(images, batch_size=4)
    with pytest.raises(ValueError, match=r"\(inputs, targets\)"):
        fit(model, not_pairs, None, torch.optim.SGD(model.parameters(), lr=0.1), 1)


# --- evaluate and predict --------------------------------------------------------------------


def test_evaluate_matches_a_hand_computation_and_restores_the_mode():
    model, _, val = _train(epochs=1)
    model.train()
    images, labels = val.dataset.tensors
    loss, acc = evaluate(model, val)
    assert model.training, "evaluate puts the model back in train mode"
    model.eval()
    with torch.no_grad():
        logits = model(images)
    assert loss == pytest.approx(float(nn.functional.cross_entropy(logits, labels)), rel=1e-5)
    assert acc == pytest.approx(float((logits.argmax(1) == labels).float().mean()))
    l1_loss, _ = evaluate(model, val, loss_fn=nn.CrossEntropyLoss(label_smoothing=0.5))
    assert l1_loss > loss


def test_evaluate_rejects_bad_inputs():
    model = _tiny_cnn()
    with pytest.raises(ValueError, match="loader.*empty"):
        evaluate(model, [])
    with pytest.raises(TypeError, match="model"):
        evaluate(None, _loaders()[1])
    with pytest.raises(ValueError, match="input channels"):
        evaluate(model, [(torch.zeros(2, 3, 4, 4), torch.zeros(2, dtype=torch.long))])


def test_predict_gives_probabilities_without_grad_for_tensors_and_loaders():
    model, _, val = _train(epochs=1)
    images, _ = val.dataset.tensors
    probabilities, logits = predict(model, images, batch_size=5, return_logits=True)
    assert probabilities.shape == (32, 2) and not probabilities.requires_grad
    assert torch.allclose(probabilities.sum(1), torch.ones(32))
    assert torch.allclose(probabilities, torch.softmax(logits, 1))
    # Other batch sizes sum in another order, so the last float32 bits may differ between them.
    same = {"rtol": 0.0, "atol": 1e-6}
    assert torch.allclose(predict(model, val), probabilities, **same)
    assert torch.allclose(predict(model, images.numpy()), probabilities, **same)
    model.train()
    assert torch.allclose(predict(model, images), probabilities, **same), (
        "predict uses eval mode (no dropout)"
    )
    assert model.training


def test_predict_rejects_bad_inputs():
    model = _tiny_cnn()
    with pytest.raises(ValueError, match="batch_size"):
        predict(model, torch.zeros(2, 1, 4, 4), batch_size=0)
    with pytest.raises(ValueError, match="inputs"):
        predict(model, torch.zeros(0, 1, 4, 4))
    with pytest.raises(TypeError, match="inputs"):
        predict(model, torch.zeros(2, 1, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \(2, 1, 5\)"):
        predict(model, torch.zeros(2, 1, 5))


# --- checkpoints -------------------------------------------------------------------------------


def test_checkpoint_round_trip_gives_identical_predictions(tmp_path):
    model, _, val = _train(epochs=1)
    path = save_checkpoint(
        model, tmp_path / "sub" / "model.pt", epochs=1, note="demo", history={"val_acc": [0.5, 1.0]}
    )
    assert path.exists() and not list(path.parent.glob("*.tmp"))
    fresh = _tiny_cnn()
    metadata = load_checkpoint(fresh, path)
    assert metadata == {"epochs": 1, "note": "demo", "history": {"val_acc": [0.5, 1.0]}}
    images, _ = val.dataset.tensors
    assert torch.equal(predict(fresh, images), predict(model, images))
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == CHECKPOINT_FORMAT


def test_load_checkpoint_accepts_a_plain_state_dict(tmp_path):
    model = _tiny_cnn()
    torch.save(model.state_dict(), tmp_path / "plain.pt")
    fresh = _tiny_cnn()
    assert load_checkpoint(fresh, tmp_path / "plain.pt") == {}
    assert torch.equal(fresh[0].weight, model[0].weight)


def test_load_checkpoint_rejects_files_that_are_not_checkpoints(tmp_path):
    model = _tiny_cnn()
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(model, tmp_path / "missing.pt")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"this is not a checkpoint at all")
    with pytest.raises(ValueError, match="garbage.pt is not a readable PyTorch checkpoint"):
        load_checkpoint(model, garbage)
    torch.save({"a": 1}, tmp_path / "dict.pt")
    with pytest.raises(ValueError, match="dict.pt is not a checkpoint"):
        load_checkpoint(model, tmp_path / "dict.pt")
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(model, tmp_path / "tensor.pt")
    with pytest.raises(TypeError, match="path"):
        load_checkpoint(model, 3)


def test_load_checkpoint_refuses_pickled_code(tmp_path):
    class Sneaky:
        def __reduce__(self):
            return (print, ("code ran",))

    torch.save(
        {"format": CHECKPOINT_FORMAT, "state_dict": {}, "metadata": {"x": Sneaky()}},
        tmp_path / "sneaky.pt",
    )
    with pytest.raises(ValueError, match="not a readable"):
        load_checkpoint(_tiny_cnn(), tmp_path / "sneaky.pt")


def test_load_checkpoint_rejects_weights_of_another_architecture(tmp_path):
    save_checkpoint(nn.Linear(3, 2), tmp_path / "linear.pt")
    with pytest.raises(ValueError, match="do not fit this Sequential"):
        load_checkpoint(_tiny_cnn(), tmp_path / "linear.pt")


def test_save_checkpoint_rejects_bad_arguments(tmp_path):
    model = _tiny_cnn()
    with pytest.raises(TypeError, match="metadata `scores`"):
        save_checkpoint(model, tmp_path / "m.pt", scores=np.zeros(3))
    with pytest.raises(TypeError, match=r"metadata `info.when`"):
        save_checkpoint(model, tmp_path / "m.pt", info={"when": object()})
    with pytest.raises(TypeError, match="path"):
        save_checkpoint(model, None)
    with pytest.raises(TypeError, match="model"):
        save_checkpoint({"w": torch.zeros(1)}, tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()


def test_save_checkpoint_stores_str_subclasses_as_plain_strings(tmp_path):
    model = _tiny_cnn()
    save_checkpoint(model, tmp_path / "m.pt", torch_version=torch.__version__, shape=(1, 2))
    metadata = load_checkpoint(_tiny_cnn(), tmp_path / "m.pt")
    assert metadata == {"torch_version": str(torch.__version__), "shape": (1, 2)}
    assert type(metadata["torch_version"]) is str
