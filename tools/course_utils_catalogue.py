"""Update course_utils' own Spanish catalogue from the code: what a learner reads while working.

    python tools/course_utils_catalogue.py

Every `_("...")` and `N_("...")` call in course_utils/ (see course_utils/i18n.py) is found with
Python's `ast` and its message written to `course_utils/locale/es/LC_MESSAGES/course_utils.po`
with polib: a translation already there is kept, a new message is added untranslated, a message
no longer in the code is dropped, and each entry lists where it is used (`#: file:line`). Then
translate the new entries (an editor such as Poedit, or by hand) and run
tests/test_i18n_utils.py, which fails while an entry is missing, stale, untranslated or fuzzy.

A call whose argument is not one string literal (`_(f"...")`, `_(name)`) cannot be extracted:
it is reported as an error with its file and line, and the catalogue is not written. So is a
module that imports `_` and binds it to something else (`for _ in ...`), hiding the translator.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"
MARKERS = ("_", "N_")  # translate now, mark and translate later (course_utils.i18n)
HEADER = "course_utils: what a learner reads while working (feedback, widgets, figures)"


@dataclass
class Extraction:
    """What the code holds: msgid -> occurrences ("course_utils/x.py", "line"), and errors."""

    messages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _scan(path: Path, found: Extraction, root: Path = ROOT) -> None:
    """Add the messages of one file to `found`, and an error for each call it cannot read."""
    where = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
    translates = any(  # the file imports `_` from course_utils.i18n
        isinstance(node, ast.ImportFrom)
        and (node.module or "").endswith("i18n")
        and any(alias.name == "_" for alias in node.names)
        for node in ast.walk(tree)
    )
    for node in ast.walk(tree):
        if translates and isinstance(node, ast.Name) and node.id == "_":
            if isinstance(node.ctx, ast.Store):
                found.errors.append(f"{where}:{node.lineno}: `_` is rebound; use another name")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in MARKERS:
            continue
        args = node.args
        if len(args) != 1 or node.keywords or not _is_literal(args[0]):
            found.errors.append(
                f"{where}:{node.lineno}: {node.func.id}() needs one string literal, "
                f"got {ast.unparse(node)[:80]}"
            )
            continue
        found.messages.setdefault(args[0].value, []).append((where, str(node.lineno)))


def _is_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


def extract(package: Path = PACKAGE) -> Extraction:
    """Every message course_utils marks for translation, with where it is used."""
    found = Extraction()
    for path in sorted(package.rglob("*.py")):
        _scan(path, found)
    return found


def catalogue_path(lang: str = "es") -> Path:
    """The catalogue of `lang` (course_utils/locale/<lang>/LC_MESSAGES/course_utils.po)."""
    return PACKAGE / "locale" / lang / "LC_MESSAGES" / "course_utils.po"


def _new_catalogue(lang: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=100)
    po.header = HEADER
    po.metadata = {
        "Project-Id-Version": "course_utils",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    return po


def update(lang: str = "es", path: Path | None = None) -> tuple[int, int, int]:
    """Write the catalogue from the code; returns (messages, added, dropped).

    Raises SystemExit with the list of errors when a marked call cannot be extracted.
    """
    found = extract()
    if found.errors:
        raise SystemExit("cannot extract:\n" + "\n".join(found.errors))
    path = catalogue_path(lang) if path is None else path
    old = polib.pofile(str(path), wrapwidth=100) if path.exists() else None
    known = {e.msgid: e for e in old if not e.obsolete} if old is not None else {}
    po = _new_catalogue(lang)
    if old is not None:
        po.header, po.metadata = old.header or HEADER, old.metadata
    for msgid, occurrences in sorted(
        found.messages.items(), key=lambda kv: (kv[1][0][0], int(kv[1][0][1]))
    ):
        before = known.get(msgid)
        po.append(
            polib.POEntry(
                msgid=msgid,
                msgstr=before.msgstr if before else "",
                occurrences=occurrences,
                flags=list(before.flags) if before else [],
                tcomment=before.tcomment if before else "",
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))
    added = len(set(found.messages) - set(known))
    dropped = len(set(known) - set(found.messages))
    return len(found.messages), added, dropped


def main() -> int:
    messages, added, dropped = update()
    print(f"{catalogue_path().relative_to(ROOT)}: {messages} messages, {added} new, {dropped} gone")
    if added:
        print("translate the new entries (empty msgstr), then run tests/test_i18n_utils.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
