"""The whole book builds with zero warnings (-W -n), and ships what it needs to work offline."""

import re
from pathlib import Path

import pytest
from conftest import NOTEBOOKS, ROOT


@pytest.mark.slow  # builds the whole book
def test_book_builds_with_zero_warnings(built_book):
    assert (built_book / "index.html").exists()
    for path in NOTEBOOKS:
        page = built_book / "notebooks" / f"{path.stem}.html"
        assert page.exists(), f"{path.name} was not rendered"


@pytest.mark.slow  # builds the whole book
def test_mathjax_is_bundled_not_fetched(built_book):
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists()
    for page in built_book.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert not remote, f"{page.relative_to(built_book)} loads remote assets: {remote}"


@pytest.mark.slow  # builds the whole book
def test_chapter_pages_show_stored_outputs(built_book):
    for path in NOTEBOOKS:
        html = (built_book / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert "cell_output" in html, f"{path.name}: no outputs rendered"
        assert 'src="../_images/' in html or "<img" in html, f"{path.name}: no figure rendered"


def test_readme_commands_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"^make (\w+)", readme, re.M):
        assert re.search(rf"^{target}:", makefile, re.M), (
            f"README mentions 'make {target}', Makefile lacks it"
        )
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow  # builds the whole book
def test_the_site_offers_the_whole_course_as_one_archive(built_book, tmp_path):
    """The setup page links cnn-course.zip, which holds the course and passes `make check`."""
    import os
    import shutil
    import subprocess
    import zipfile

    setup_page = (built_book / "book" / "setup.html").read_text(encoding="utf-8")
    assert 'href="../cnn-course.zip"' in setup_page
    with zipfile.ZipFile(built_book / "cnn-course.zip") as archive:
        names = archive.namelist()
        assert all(n.startswith("cnn-course/") for n in names)
        for needed in ("Makefile", "pyproject.toml", "course_utils/__init__.py", "postBuild"):
            assert f"cnn-course/{needed}" in names, f"the archive lacks {needed}"
        assert not [n for n in names if "/.venv/" in n or "/_build/" in n or "/.git/" in n]
        mode = archive.getinfo("cnn-course/postBuild").external_attr >> 16
        assert mode & 0o111, "file modes are kept (Binder runs postBuild)"
        archive.extractall(tmp_path)
        for info in archive.infolist():  # as `unzip` does: zipfile leaves the modes out
            (tmp_path / info.filename).chmod((info.external_attr >> 16) & 0o777)
    course = tmp_path / "cnn-course"
    # `make check` in the unpacked copy, with this checkout's environment and verified weights
    # (installing both again would only repeat `make setup`).
    (course / ".venv").symlink_to(ROOT / ".venv")
    weights = Path(".course-test-data/torch/hub/checkpoints/mobilenet_v2-b0353104.pth")
    (course / weights).parent.mkdir(parents=True)
    shutil.copy(ROOT / weights, course / weights)
    env = {**os.environ, "PYTHONPATH": str(course)}
    for var in ("COURSE_DATA_DIR", "TORCH_HOME"):
        env.pop(var, None)
    result = subprocess.run(
        ["make", "-o", ".venv/.installed", "check"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_launch_buttons_stay_off_until_the_repository_is_named():
    import sys

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from getting_the_course import launch_buttons_for

    configured = {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"}
    for url in ("", None, "https://github.com/executablebooks/jupyter-book/"):
        kept = launch_buttons_for({"repository_url": url, "launch_buttons": configured})
        assert "binderhub_url" not in kept and kept["notebook_interface"] == "jupyterlab"
    ours = {"repository_url": "https://github.com/someone/cnn-course", "launch_buttons": configured}
    assert launch_buttons_for(ours) == configured
