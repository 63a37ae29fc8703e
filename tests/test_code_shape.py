"""The package's shape, enforced: small modules, short functions, a documented, typed public API.

CONTRIBUTING promises these; this file keeps the promise (ruff covers formatting, line length,
docstrings and return annotations; this adds sizes and the annotations of every argument).
"""

import ast
import importlib
import inspect
import pkgutil

import pytest
from conftest import ROOT

import course_utils

PACKAGE = ROOT / "course_utils"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _module_names() -> list[str]:
    names = ["course_utils"]
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if info.name != "course_utils.__main__":
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_module_and_functions_are_small(path):
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines > {MAX_MODULE_LINES}"
    long = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            # The body's span, docstring included, from the `def` line to the last line.
            size = node.end_lineno - node.lineno + 1
            if size > MAX_FUNCTION_LINES:
                long.append(f"{node.name} ({size} lines, line {node.lineno})")
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {long}"


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


def _unannotated(function) -> list[str]:
    signature = inspect.signature(function)
    missing = [
        name
        for name, parameter in signature.parameters.items()
        if name not in ("self", "cls")
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty and function.__name__ != "__init__":
        missing.append("return")
    return missing


@pytest.mark.parametrize("name,obj", API, ids=[name for name, _ in API])
def test_public_api_is_documented_and_typed(name, obj):
    assert inspect.getdoc(obj), f"{name} has no docstring"
    functions = [obj] if inspect.isfunction(obj) else []
    if inspect.isclass(obj):
        functions = [
            member
            for member_name, member in vars(obj).items()
            if inspect.isfunction(member)
            and (not member_name.startswith("_") or member_name in ("__init__", "__call__"))
        ]
    problems = {f.__qualname__: _unannotated(f) for f in functions}
    problems = {key: value for key, value in problems.items() if value}
    assert not problems, f"{name}: arguments without type annotations: {problems}"
