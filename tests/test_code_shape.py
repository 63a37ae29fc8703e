"""The package's shape where ruff cannot check it: module size, `__all__`, typed public arguments.

CONTRIBUTING promises a small, documented, typed package. Ruff (pyproject.toml) checks what it
can: formatting, line length, docstrings (D1), return annotations (ANN201) and short functions
(PLR0915, at most 35 statements). This file adds what no ruff rule covers: module length, an
`__all__` in every public module, and annotations on every argument of the public API (ruff's
ANN001 would demand them of every private helper and nested function too).
"""

import importlib
import inspect
import pkgutil

import pytest
from conftest import ROOT

import course_utils

PACKAGE = ROOT / "course_utils"
MAX_MODULE_LINES = 500
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _module_names() -> list[str]:
    names = ["course_utils"]
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if info.name != "course_utils.__main__":
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_modules_are_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines > {MAX_MODULE_LINES}"


def _public_api():
    """(qualified name, object) for every name a module of course_utils exports."""
    seen = {}
    for module_name in _module_names():
        module = importlib.import_module(module_name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            continue
        for name in exported:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return sorted(seen.items())


API = _public_api()


def test_every_module_declares_its_public_names():
    missing = [
        name
        for name in _module_names()
        if not name.rsplit(".", 1)[-1].startswith("_")
        and getattr(importlib.import_module(name), "__all__", None) is None
    ]
    assert not missing, f"modules without __all__: {missing}"


def _ruff_checks(obj) -> bool:
    """Ruff's D1 and ANN201 look only at what a public module defines (not `_validate`...)."""
    return not any(part.startswith("_") for part in obj.__module__.split("."))


def _unannotated(function, returns: bool) -> list[str]:
    """The arguments of `function` without a type annotation (`*args`, `**kwargs` may go bare)."""
    signature = inspect.signature(function)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name not in ("self", "cls")
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.annotation is inspect.Parameter.empty
    ]
    if returns and signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


@pytest.mark.parametrize("name,obj", API, ids=[name for name, _ in API])
def test_public_api_is_typed_and_documented(name, obj):
    """Arguments everywhere; docstrings and returns where ruff does not look (private modules)."""
    by_ruff = _ruff_checks(obj)
    assert by_ruff or inspect.getdoc(obj), f"{name} has no docstring"
    functions = [obj] if inspect.isfunction(obj) else []
    if inspect.isclass(obj):
        functions = [
            member
            for member_name, member in vars(obj).items()
            if inspect.isfunction(member)
            and (not member_name.startswith("_") or member_name in ("__init__", "__call__"))
        ]
    problems = {
        f.__qualname__: _unannotated(
            f, returns=f.__name__ == "__call__" or not (by_ruff or f.__name__ == "__init__")
        )
        for f in functions
    }
    problems = {key: value for key, value in problems.items() if value}
    assert not problems, f"{name}: missing type annotations: {problems}"
