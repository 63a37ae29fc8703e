"""The layers of course_utils: a module imports only from the layers below its own.

Every module and package of course_utils has one place in the ranked list below (lowest
first). An import of another course_utils module from the same layer or a higher one fails
here, function-local imports included, so a dependency that runs upward cannot hide. A new
module must be placed in a layer before its tests pass. Inside a package (`ops/`, `style/`,
...) its files may import each other.
"""

import ast
from pathlib import Path

import course_utils

PACKAGE = Path(course_utils.__file__).parent

# Lowest first. Read the list bottom-up as "what the course builds on what".
LAYERS = [
    {"i18n"},  # the language course_utils speaks (gettext); it imports nothing of course_utils
    # argument checks, a model's mode, the cache folder and checksums, progress bars, kernels
    {"_validate", "modes", "cache", "progress", "filters"},
    # computations on arrays, tensors and files: none needs another of this layer
    {
        "ops",
        "compare",
        "augment",
        "optimizers",
        "data",
        "checkpoints",
        "imagenet",
        "interpret",
        "training",
        "featurevis",
        "deep_networks",
    },
    {"models"},  # the course's networks, built on ops
    {"plotting"},  # figures and diagrams (diagrams trace a model with `describe`)
    {"runtime", "widgets"},  # the setup call (it sets the figure style) and the explorers
    {"pretrained"},  # trained weights: data, models, training and the runtime's seeding
    {"style", "cli"},  # style transfer and the command line, on the pretrained networks
    {"checks", "__main__"},  # the exercises' feedback, which may use everything below
]
FACE = "__init__"  # course_utils/__init__.py names what chapters import; it loads them lazily


def _unit(path: Path) -> str:
    """The layer member a file belongs to: its top-level module or package under course_utils."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_units(source: str, parts: tuple[str, ...]) -> set[tuple[str, int]]:
    """(unit, line) for every course_utils module that a file imports, wherever the import is.

    `parts` is the file's path under course_utils, without ".py" (("style", "losses")).
    """
    package = ["course_utils", *parts[:-1]]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets = [module]
            if module == "course_utils":  # from course_utils import data, setup, ...
                targets = [f"course_utils.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "course_utils" or target.startswith("course_utils."):
                name = (target.split(".") + [FACE])[1]
                found.add((name if name in _rank() else FACE, node.lineno))
    return found


def _rank() -> dict[str, int]:
    return {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}


def test_every_module_has_one_place_in_the_layers():
    units = {_unit(path) for path in PACKAGE.rglob("*.py")} - {FACE}
    placed = [unit for layer in LAYERS for unit in layer]
    assert len(placed) == len(set(placed)), "a module is named in two layers"
    assert units == set(placed), (
        f"not in LAYERS: {sorted(units - set(placed))}; "
        f"in LAYERS but gone: {sorted(set(placed) - units)}"
    )


def _upward(source: str, parts: tuple[str, ...]) -> list[str]:
    """The imports of one file that do not run to a lower layer, as "line imports unit"."""
    rank, unit = _rank(), parts[0]
    return [
        f"{line} imports {imported}"
        for imported, line in sorted(_imported_units(source, parts))
        if imported != unit  # files of one package import each other freely
        and (imported == FACE or rank[imported] >= rank[unit])
    ]


def test_imports_run_only_downward():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[0] != FACE:
            source = path.read_text(encoding="utf-8")
            upward += [f"{'/'.join(parts)}.py:{found}" for found in _upward(source, parts)]
    assert not upward, "imports that do not run to a lower layer:\n" + "\n".join(upward)


def test_the_face_names_only_what_the_layers_define():
    rank = _rank()
    assert set(course_utils.HOMES) <= set(rank), "the face re-exports from an unknown module"
    submodules = {_unit(path) for path in PACKAGE.rglob("*.py")}
    names = [name for names in course_utils.HOMES.values() for name in names]
    assert len(names) == len(set(names)), "a name re-exported from two modules"
    assert not set(names) & submodules, "a re-exported name would hide a module of that name"
    for module, exported in course_utils.HOMES.items():
        home = __import__(f"course_utils.{module}", fromlist=["__all__"])
        missing = set(exported) - set(home.__all__)
        assert not missing, f"course_utils.{module} does not export {sorted(missing)}"
        for name in exported:
            assert getattr(course_utils, name) is getattr(home, name)


def test_an_upward_or_sideways_import_is_refused():
    """The check itself can fail: hidden, relative, same-layer and face imports are caught."""
    hidden = "def f():\n    from course_utils.plotting import show_images\n"
    assert _upward(hidden, ("_validate",)) == ["2 imports plotting"]
    relative = "from ..plotting import show_images\n"
    assert _upward(relative, ("interpret", "gradients")) == ["1 imports plotting"]
    assert _upward("from course_utils import data\n", ("training",)) == ["1 imports data"]
    assert _upward("import course_utils.checks\n", ("style", "losses")) == ["1 imports checks"]
    assert _upward("from course_utils import setup\n", ("models",)) == ["1 imports __init__"]
    assert _upward("from .losses import gram_matrix\n", ("style", "networks")) == []
    assert _upward("from course_utils.ops import conv2d\n", ("models",)) == []
