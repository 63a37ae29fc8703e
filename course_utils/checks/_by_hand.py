"""Refuse the library operation a "by hand" exercise teaches, and say why.

A value cannot tell how it was made: `F.conv2d` and a double loop give the same numbers. So the
by-hand checks also read *the learner's code* for the names it uses, and refuse an answer whose
code calls the operation the exercise asks the learner to write.

- For a function answer (`func(image, kernel, ...)`), the names are those its compiled code
  reads (the global names and attributes in its bytecode, so `F.conv2d` gives `F` and
  `conv2d`), in its nested functions and lambdas, and, recursively, in the learner's own
  helper functions it calls (functions defined in the same namespace, found in its globals
  or its closure; their own names are never refused, so a helper may be called `conv2d`).
  A global that holds a library function under another name
  (`from scipy.special import log_softmax as lsm`) adds that function's own name.
- For an array answer, the names are read from the cells the learner ran (IPython's input
  history, `In`): the last assignment to the variable that holds the answer, and back through
  the variables that assignment reads, in the cells run since the exercise's check was first
  called (the exercise's own cell, run with its `None` placeholder, or a later one). Cells
  the chapter ran before are never read, so the chapter's own use of the library (which made
  `test_features`, say) is not held against the learner.

Why names rather than running the code with the library patched to raise: patching changes
modules the check and the chapter share, is undone badly when the learner's code raises, and
misses aliases bound before the patch; the names are read without running anything. What it
cannot see (code built from strings, `getattr(F, "conv" + "2d")`, an answer computed in a
cell before the exercise) it lets through: the check still verifies the values.
"""

from __future__ import annotations

import ast
import builtins
import dis
import types
from collections.abc import Iterable
from typing import Any

from ._feedback import NotYet

__all__: list[str] = []  # for check authors only: `refuse_in_function`, `refuse_in_answer`

_MAX_DEPTH = 6  # how far back through variables (or helper functions) the names are followed


def _code_names(code: types.CodeType) -> tuple[set[str], set[str]]:
    """(globals, attributes) a code object and its nested code objects read, from its bytecode."""
    global_names, attributes = set(), set()
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            global_names.add(instruction.argval)
        elif instruction.opname in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_NAME", "IMPORT_FROM"):
            attributes.add(instruction.argval)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            nested = _code_names(const)
            global_names |= nested[0]
            attributes |= nested[1]
    return global_names, attributes


def _has_contents(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises ValueError
    except ValueError:
        return False
    return True


def _is_learner_function(thing: Any, scope: dict[str, Any]) -> bool:
    """A function the learner wrote in `scope` (followed into, never refused by its name)."""
    return isinstance(thing, types.FunctionType) and thing.__globals__ is scope


def called_names(func: Any, depth: int = _MAX_DEPTH) -> set[str]:
    """The names `func` (and the learner's helpers it calls) use, library aliases resolved.

    A global that holds a library function under another name adds that function's own
    `__name__`; the names of the learner's own helpers are left out (they are followed).
    """
    func = getattr(func, "__func__", func)  # a bound method: its function
    if not isinstance(func, types.FunctionType):
        return set()
    names: set[str] = set()
    seen, todo = set(), [(func, depth)]
    while todo:
        current, left = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        scope = current.__globals__
        global_names, attributes = _code_names(current.__code__)
        names |= attributes
        things = {n: scope.get(n, getattr(builtins, n, None)) for n in global_names}
        things.update(
            (f"<closure {i}>", c.cell_contents)
            for i, c in enumerate(current.__closure__ or ())
            if _has_contents(c)
        )
        for name, thing in things.items():
            if _is_learner_function(thing, scope):
                if left:
                    todo.append((thing, left - 1))
                continue
            names.add(name)
            if callable(thing) and isinstance(getattr(thing, "__name__", None), str):
                names.add(thing.__name__)
    return names


def _namespace() -> dict[str, Any] | None:
    """The namespace of the running IPython kernel (the learner's variables), or None."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns


def _assigned(node: ast.AST) -> set[str]:
    """The variable names an assignment target binds (`a`, `a, b`, `a[0]` -> `a`)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _assignments(source: str) -> list[tuple[set[str], ast.AST]]:
    """Each assignment in a cell: (names bound, the expression or statement that binds)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            found.append((set().union(*(_assigned(t) for t in node.targets)), node.value))
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and node.value is not None:
            found.append((_assigned(node.target), node.value))
        elif isinstance(node, ast.For | ast.With):  # a loop or a `with`: its whole body
            for sub in ast.walk(node):
                if isinstance(sub, ast.Assign | ast.AugAssign):
                    targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                    found.append((set().union(*(_assigned(t) for t in targets)), node))
    return found


def _expression_names(node: ast.AST) -> tuple[set[str], set[str]]:
    """(all names and attributes, the plain variable names) an expression reads."""
    variables = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    return variables | attributes, variables


def answer_names(answer: Any, since: str, namespace: dict[str, Any] | None = None) -> set[str]:
    """The names used to compute `answer`, read from the cells run since `since(` was first called.

    Empty outside IPython, or when no variable holds `answer` (a literal typed in the call).
    """
    namespace = _namespace() if namespace is None else namespace
    if not namespace:
        return set()
    history = [str(cell) for cell in namespace.get("In", namespace.get("_ih", []))]
    start = next((i for i, cell in enumerate(history) if f"{since}(" in cell), None)
    if start is None:
        return set()
    cells = history[start:]
    todo = [(n, len(cells), _MAX_DEPTH) for n, v in namespace.items() if v is answer]
    names: set[str] = set()
    seen: set[str] = set()
    while todo:
        variable, before, left = todo.pop()
        if variable in seen or variable.startswith("_"):
            continue
        seen.add(variable)
        for index in range(before - 1, -1, -1):  # the last cell that assigns it
            values = [v for bound, v in _assignments(cells[index]) if variable in bound]
            if values:
                break
        else:
            continue
        for value in values:
            read, variables = _expression_names(value)
            for name in read:
                thing = namespace.get(name)
                if _is_learner_function(thing, namespace):
                    names |= called_names(thing)
                    continue
                names.add(name)
                if callable(thing) and isinstance(getattr(thing, "__name__", None), str):
                    names.add(thing.__name__)  # a library function under another name
                if name in variables and left and not isinstance(thing, types.ModuleType):
                    todo.append((name, index + 1, left - 1))
    return names


def refuse(names: Iterable[str], forbidden: dict[str, str]) -> str | None:
    """Why the first forbidden name among `names` is refused, or None when none is there.

    `forbidden` maps a name (`conv2d`) to the reason, which the check shows the learner.
    """
    names = set(names)
    return next((why for name, why in forbidden.items() if name in names), None)


def refuse_in_function(func: Any, forbidden: dict[str, str]) -> None:
    """Stop the check with the reason when the learner's function calls a forbidden name."""
    why = refuse(called_names(func), forbidden)
    if why is not None:
        raise NotYet(why)


def refuse_in_answer(answer: Any, since: str, forbidden: dict[str, str]) -> None:
    """Stop the check with the reason when the cells that made `answer` call a forbidden name."""
    why = refuse(answer_names(answer, since), forbidden)
    if why is not None:
        raise NotYet(why)
