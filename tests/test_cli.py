"""`python -m course_utils doctor | download`, tested with no network."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # each test starts a Python process

DEAD_PROXY = "http://127.0.0.1:9"  # every download fails at once, online or not


def _run(*args, tmp_path):
    env = {
        **os.environ,
        "COURSE_DATA_DIR": str(tmp_path / "data"),
        "TORCH_HOME": str(tmp_path / "torch"),
    }
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[var] = DEAD_PROXY
    return subprocess.run(
        [sys.executable, "-m", "course_utils", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,  # a ceiling for a busy machine; the commands take seconds
    )


def test_doctor_reports_versions_device_and_missing_assets(tmp_path):
    result = _run("doctor", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "torch" in out and "device" in out
    assert "fashion-mnist  MISSING" in out and "MNIST-5k" in out
    assert "squeezenet1_1  MISSING" in out and "only once downloaded" in out
    assert "mobilenet_v2   MISSING" in out and "make setup" in out


def test_download_offline_says_what_failed_and_exits_nonzero(tmp_path):
    result = _run("download", "fashion-mnist", "squeezenet1_1", "--timeout", "3", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "fashion-mnist: could NOT be fetched" in result.stderr
    assert "squeezenet1_1: could NOT be fetched" in result.stderr
    assert "download incomplete" in result.stderr
    # doctor, run afterwards, still reports them as missing
    assert "fashion-mnist  MISSING" in _run("doctor", tmp_path=tmp_path).stdout


def test_empty_asset_files_are_damaged_not_present(tmp_path):
    # Empty files used to count as "present"; now their content is checked.
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        (raw / name).write_bytes(b"")
    assert "fashion-mnist  DAMAGED" in _run("doctor", tmp_path=tmp_path).stdout
    result = _run("download", "fashion-mnist", "--timeout", "3", tmp_path=tmp_path)
    assert result.returncode == 1 and "downloading it again" in result.stdout
    assert "already present" not in result.stdout


def test_doctor_works_when_the_data_folder_is_a_file(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    result = _run("doctor", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "data folder   UNUSABLE" in result.stdout and "is a file, not a folder" in result.stdout


def test_download_unknown_asset_is_refused(tmp_path):
    result = _run("download", "imagenet", tmp_path=tmp_path)
    assert result.returncode == 2 and "unknown asset" in result.stderr


def test_doctor_and_download_look_for_the_pinned_weights_file(tmp_path, monkeypatch, capsys):
    # In process: the CLI and the feature extractor share one weights lookup (pretrained)
    from course_utils import cli, pretrained

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    assert cli.imagenet_weights is pretrained.imagenet_weights
    path = pretrained.weights_file("squeezenet")
    assert path.parent == tmp_path / "torch" / "hub" / "checkpoints"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"damaged")
    assert cli.doctor() == 0
    out = capsys.readouterr().out
    assert f"squeezenet1_1  DAMAGED (damaged: {path.name} fails its SHA-256 check)" in out
    assert "vgg19          MISSING" in out


def test_python_m_course_utils_only_calls_the_cli():
    import course_utils.__main__ as entry
    from course_utils import cli

    assert entry.main is cli.main
