"""Renumber chapters: rename their file pairs and update every place that says their number.

    python tools/renumber_chapters.py 06b=07 07=08 08=09   # old=new, applied all at once

What it changes, in one pass so that 07=08 and 08=09 never chain:
- the file pairs `notebooks/OLD_topic.ipynb` and `notebooks/md/OLD_topic.md`, and the Spanish
  edition's chapter `es/notebooks/OLD_topic.ipynb` and catalogue
  `locale/es/LC_MESSAGES/notebooks/OLD_topic.po` (`git mv`);
- every mention of those file names in tracked text files (`_toc.yml`, `{doc}` links, errata);
- the chapter's title, `# OLD Title`, in its own pair, its Spanish chapter and its catalogue;
- prose that cites a chapter by number: "chapter 07", "Chapters 07-11", "chapters 08 and 09",
  "ch. 10", and in Spanish "capítulo 07", "capítulos 08 y 09", in the chapters, the book pages,
  the docs and the catalogues (the English and the Spanish of a message change alike, so the
  catalogues stay current).

What it does not change: `book/intro.md`'s table (single digits) and the course map
(`book/images/make_course_map.py`); CONTRIBUTING's "Adding or moving a chapter" lists them.
Run `jupytext --sync` on the renamed pairs afterwards only if you edit them by hand.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

NUMBER = r"(?:0[1-9]|[1-9]\d)"
SEPARATOR = r"(?:\s*(?:,|-|–|to|and|or|&|y|e|o|al|a)\s*(?:(?:and|y)\s+)?)"
CITED = r"(?:[Cc]hapters?|[Cc]h\.|[Cc]ap[ií]tulos?|[Cc]ap\.)"
CITATION = re.compile(rf"(?<![\w.#/-])({CITED}\s*)({NUMBER}(?:{SEPARATOR}{NUMBER})*)(?![\w.]\d)")
PROSE_PLACES = ("notebooks/", "book/", "docs/", "README.md", "CONTRIBUTING.md", "es/", "locale/")
# Where each chapter's files are: (folder, suffix).
CHAPTER_FILES = (
    ("notebooks", ".ipynb"),
    ("notebooks/md", ".md"),
    ("es/notebooks", ".ipynb"),
    ("locale/es/LC_MESSAGES/notebooks", ".po"),
)
BINARY = (".png", ".jpg", ".pt", ".npz", ".pth", ".zip", ".gif")


def shift_citations(text: str, numbers: dict[str, str]) -> str:
    """`text` with every "chapter NN" (and lists and ranges of them) renumbered by `numbers`."""

    def shift(match: re.Match) -> str:
        cited = re.sub(NUMBER, lambda n: numbers.get(n.group(0), n.group(0)), match.group(2))
        return match.group(1) + cited

    return CITATION.sub(shift, text)


def plan(pairs: list[str], root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(old number -> new number, old file stem -> new file stem) from `OLD=NEW` arguments."""
    numbers = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not re.fullmatch(r"\d\d[a-z]?", old) or not re.fullmatch(r"\d\d", new):
            raise SystemExit(f"renumber_chapters: expected OLD=NEW such as 07=08, got {pair!r}")
        numbers[old] = new
    stems = {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        number, _, topic = path.stem.partition("_")
        if number in numbers:
            stems[path.stem] = f"{numbers[number]}_{topic}"
    missing = set(numbers) - {stem.partition("_")[0] for stem in stems}
    if missing:
        raise SystemExit(f"renumber_chapters: no chapter numbered {sorted(missing)}")
    return numbers, stems


def rewrite(path: Path, relative: str, numbers: dict[str, str], stems: dict[str, str]) -> bool:
    """Update one tracked file in place; True if it changed."""
    try:
        before = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    after = before
    for old, new in stems.items():
        after = after.replace(old, new)
    if relative.startswith(PROSE_PLACES):
        after = shift_citations(after, numbers)
    suffixes = tuple(suffix for _, suffix in CHAPTER_FILES)
    own = next((old for old in stems if relative.endswith(tuple(old + x for x in suffixes))), None)
    if own is not None:  # the chapter's title: "# 07 Optimizers", or msgid "07 Optimizers"
        old_number = own.partition("_")[0]
        title = re.compile(rf'^(\s*"?# |msgid "|msgstr "){re.escape(old_number)} ', re.M)
        after = title.sub(lambda m: f"{m.group(1)}{numbers[old_number]} ", after)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("pairs", nargs="+", help="OLD=NEW chapter numbers, e.g. 07=08")
    root = Path(__file__).resolve().parents[1]
    numbers, stems = plan(parser.parse_args().pairs, root)
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    changed = [
        name
        for name in tracked
        if not name.endswith(BINARY)
        and (root / name).is_file()
        and rewrite(root / name, name, numbers, stems)
    ]
    for old, new in stems.items():
        for folder, suffix in CHAPTER_FILES:
            source = root / folder / f"{old}{suffix}"
            if source.exists():
                subprocess.run(
                    ["git", "mv", str(source), str(root / folder / f"{new}{suffix}")],
                    cwd=root,
                    check=True,
                )
    print(f"renumbered {len(stems)} chapters; {len(changed)} files updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
