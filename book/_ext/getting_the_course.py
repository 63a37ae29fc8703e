"""How a reader of the static book gets the course: an archive, and launch buttons when hosted.

The whole course as one archive on the built site: `cnn-course.zip` beside `index.html`.

A reader of the static book can download everything the notebooks need (the chapters, the
`course_utils` package, the Makefile and the tests) from the setup page, unpack it, and run
`make lab`. The archive holds the files git tracks plus new files it does not ignore, as they are
in the working tree, under one top folder `cnn-course/`; outside a git checkout (a book built
from an unpacked archive) it holds the folder's files less build outputs and caches.

Launch buttons (Binder, Colab, a JupyterHub) need the repository the book is published from.
They are configured in `_config.yml` (`launch_buttons`) but stay off until `repository.url`
names that repository: Jupyter Book's default points at its own repository, and buttons would
launch the wrong project.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

ARCHIVE = "cnn-course.zip"
TOP = "cnn-course"
SKIP = {"_build", ".venv", ".course-test-data", ".git", "__pycache__", ".pytest_cache",
        ".ruff_cache", ".ipynb_checkpoints", "drafts"}  # fmt: skip


def course_files(root: Path) -> list[Path]:
    """The files of the course under `root`, relative to it, sorted."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [Path(n) for n in listed.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):  # no git, or not a checkout
        names = [p.relative_to(root) for p in root.rglob("*") if p.is_file()]
    return sorted(
        n
        for n in names
        if not SKIP & set(n.parts) and (root / n).is_file() and not n.name.endswith(".pyc")
    )


def write_archive(root: Path, target: Path) -> int:
    """Write the course under `root` to the zip file `target`; return the number of files."""
    files = course_files(root)
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name in files:
            info = zipfile.ZipInfo.from_file(root / name, f"{TOP}/{name.as_posix()}")
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (root / name).read_bytes())
    tmp.replace(target)
    return len(files)


JUPYTER_BOOK_DEFAULT = "https://github.com/executablebooks/jupyter-book"
LAUNCH_KEYS = ("binderhub_url", "colab_url", "jupyterhub_url", "jupyterlite_url", "thebe")


def launch_buttons_for(theme_options: dict) -> dict:
    """The launch buttons to keep: all configured ones if the repository is named, else none."""
    url = (theme_options.get("repository_url") or "").strip().rstrip("/")
    buttons = dict(theme_options.get("launch_buttons") or {})
    if not url or url == JUPYTER_BOOK_DEFAULT:
        for key in LAUNCH_KEYS:
            buttons.pop(key, None)
    return buttons


def _config_inited(app, config) -> None:
    options = config.html_theme_options
    options["launch_buttons"] = launch_buttons_for(options)


def _build_finished(app, exception) -> None:
    # The Spanish edition (course_archive: false) links the English root's archive.
    if exception is None and app.builder.format == "html" and app.config.course_archive:
        write_archive(Path(app.confdir), Path(app.outdir) / ARCHIVE)


def setup(app):
    app.add_config_value("course_archive", True, "html")
    app.connect("config-inited", _config_inited)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
