"""pyproject.toml and environment.yml must pin the same versions."""

import re
import tomllib

import yaml
from conftest import ROOT


def _pins(requirements):
    pins = {}
    for req in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(==.*)$", req)
        if match:
            pins[match.group(1).lower()] = match.group(2).replace(" ", "")
    return pins


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    conda_python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))

    assert "-e ." in pip_section, "environment.yml must install the course package (-e .)"
    project_pins, env_pins = _pins(project["dependencies"]), _pins(pip_section)
    assert env_pins, "environment.yml pins nothing"
    for name, pin in env_pins.items():
        assert project_pins.get(name) == pin, (
            f"{name}: environment.yml says {pin}, pyproject {project_pins.get(name)}"
        )
    for name in ("torch", "torchvision"):
        assert name in env_pins, f"environment.yml must pin {name} as pyproject does"
    version = conda_python.split("=")[-1]
    assert version in project["requires-python"], (
        f"python={version} vs requires-python {project['requires-python']}"
    )


def test_pyproject_pins_the_capped_torch():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = _pins(deps)
    assert pins["torch"] == "==2.14.1" and pins["torchvision"] == "==0.29.1"


def test_the_dev_extra_pins_the_theme_pair_the_browser_test_checks():
    dev = _pins(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"][
            "dev"
        ]
    )
    for name in ("sphinx-book-theme", "pydata-sphinx-theme"):
        assert (dev.get(name) or "").startswith("=="), f"{name}: the dev extra pins {dev.get(name)}"


def test_every_setup_path_fetches_the_imagenet_network():
    """make setup, Binder's postBuild and the setup page all fetch the verified weights."""
    makefile = (ROOT / "Makefile").read_text()
    assert "setup: $(STAMP) $(WEIGHTS)" in makefile
    assert "course_utils download mobilenet_v2" in makefile
    for target in ("book", "test", "check", "test-other-cpu", "notebooks", "lab"):
        assert re.search(rf"^{target}: setup\b", makefile, re.M), f"`make {target}` skips setup"
    post_build = ROOT / "postBuild"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable for Binder"
    assert "python -m course_utils download mobilenet_v2" in post_build.read_text()
    setup_page = (ROOT / "book" / "setup.md").read_text()
    assert setup_page.count("course_utils download mobilenet_v2") >= 3  # make, pip, conda
    from course_utils.imagenet import MOBILENET_SHA256

    assert MOBILENET_SHA256 in setup_page


def test_learner_dependencies_are_lean():
    """`pip install -e .` gives what the chapters need; tools come with the `dev` extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    learner = set(_pins(project["dependencies"])) | {
        d.split(">")[0].split("=")[0].split("<")[0].strip().lower() for d in project["dependencies"]
    }
    for tool in ("pytest", "ruff", "selenium", "pre-commit", "jupyter-book", "nbval"):
        assert tool not in learner, f"{tool} is a contributor's tool: move it to the dev extra"
    dev = " ".join(project["optional-dependencies"]["dev"])
    for tool in ("pytest", "ruff", "selenium", "pre-commit", "jupyter-book", "nbval"):
        assert tool in dev, f"the dev extra must install {tool}"
    assert "jupyterlab-myst" in _pins(project["dependencies"]), "Lab must render the MyST"
