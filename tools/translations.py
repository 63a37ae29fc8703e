"""The Spanish edition, made from the one English source and its gettext catalogues.

    python tools/translations.py extract     # English changed: bring every catalogue up to date
    python tools/translations.py check       # what is untranslated, fuzzy, stale or broken
    python tools/translations.py notebooks   # write es/notebooks/*.ipynb from the catalogues
    python tools/translations.py book        # stage the Spanish book's sources in _build/es_src

One catalogue per page, `locale/es/LC_MESSAGES/<docname>.po`, holding that page's messages in
reading order: each heading, paragraph, list item, table, glossary term and definition, exercise
title and figure alt text of the book pages and of the chapters' markdown cells, and every code
cell that holds a comment or a printed or drawn sentence (context "code"). A message is the
Markdown source of its block, so a translation is Markdown too: roles, math, code and links stay
as they are, and `check` says where one does not.

Applying a catalogue is the inverse of extracting it: each block's lines are replaced by its
translation, behind the same list marker or indentation. Three things follow from the
translation rather than from a translator: links to a heading use the Spanish heading's anchor,
a `{term}` role points at the Spanish glossary entry, and each Spanish chapter's one setup call
gains `lang="es"`, so that `course_utils` speaks Spanish there too.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import re
import shutil
import sys
import tokenize
from collections import Counter
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import nbformat
import polib
import yaml
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.mdit_to_docutils.base import default_slugify
from myst_parser.parsers.mdit import create_md_parser
from solution_cells import LEADS

ROOT = Path(__file__).resolve().parents[1]
LANG = "es"
LOCALE = ROOT / "locale" / LANG / "LC_MESSAGES"
SPANISH_NOTEBOOKS = ROOT / LANG / "notebooks"
STAGE = ROOT / "_build" / "es_src"

CODE = "code"  # context of a code cell's message
TERM = "glossary term"  # context of a glossary entry's headword
ALT = "alt text"
PATTERN = "output pattern"  # a cell's tolerance names the printed integers that may move
TOLERANCE_PATTERNS = ("loose_integers", "exact")  # (tests/nbval_tolerance.py) by a regex

# Directives whose body is Markdown to translate, and those whose argument is a title.
PROSE_DIRECTIVES = {
    "exercise", "admonition", "note", "tip", "hint", "warning", "important", "seealso",
    "attention", "caution", "danger", "error", "dropdown", "margin", "figure", "solution-start",
    "epigraph", "topic", "sidebar",
}  # fmt: skip
TITLED_DIRECTIVES = {"exercise", "admonition", "dropdown", "topic", "sidebar"}

PARSER = create_md_parser(
    MdParserConfig(
        enable_extensions={
            "amsmath",
            "colon_fence",
            "dollarmath",
            "deflist",
            "linkify",
            "substitution",
        }  # fmt: skip
    ),
    RendererHTML,
)


@dataclass
class Block:
    """One message's place in a text: lines [start, end), behind `prefix` (a list marker...)."""

    start: int
    end: int
    prefix: str
    text: str
    context: str | None = None
    kind: str = "text"  # "heading", "title", "table", "math": blocks with a fixed shape


# --- Finding the messages of a Markdown text ---------------------------------------------------


def markdown_blocks(text: str) -> list[Block]:
    """The translatable blocks of a MyST Markdown text, in reading order."""
    lines = text.split("\n")
    blocks: list[Block] = []
    tokens = PARSER.parse(text)
    for i, token in enumerate(tokens):
        if token.type in ("paragraph_open", "heading_open") and token.map:
            content = tokens[i + 1].content
            start, end = token.map
            first = content.split("\n")[0]
            column = lines[start].find(first)
            if column < 0 or not content.strip():
                continue
            kind = "heading" if token.type == "heading_open" else "text"
            blocks.append(Block(start, end, lines[start][:column], content, kind=kind))
        elif token.type == "table_open" and token.map:
            start, end = token.map
            raw = lines[start:end]
            indent = re.match(r"[ >]*", raw[0]).group(0)
            body = "\n".join(r[len(indent) :] for r in raw)
            blocks.append(Block(start, end, indent, body, kind="table"))
        elif token.type in ("math_block", "math_block_label", "amsmath") and token.map:
            if re.search(r"\\(text|mathrm)\{[^}]*[A-Za-z]{3}", token.content):
                start, end = token.map
                raw = lines[start:end]
                indent = re.match(r"[ >]*", raw[0]).group(0)
                body = "\n".join(r[len(indent) :] for r in raw)
                blocks.append(Block(start, end, indent, body, kind="math"))
        elif token.type == "fence" and token.map:
            blocks.extend(_directive_blocks(token, lines))
    return blocks


def _directive_blocks(token, lines: list[str]) -> list[Block]:
    match = re.match(r"\{([\w-]+)\}\s*(.*)", token.info.strip())
    if not match:
        return []  # a code block
    name, argument = match.groups()
    start, end = token.map
    opening = lines[start]
    indent = opening[: opening.index(token.markup)]
    blocks = []
    if name in TITLED_DIRECTIVES and argument:
        prefix = opening[: opening.rindex(argument)]
        blocks.append(Block(start, start + 1, prefix, argument, kind="title"))
    if name not in PROSE_DIRECTIVES and name != "glossary":
        return blocks
    closed = end - 1 > start and lines[end - 1].strip().startswith(token.markup)
    body_start, body_end = start + 1, end - 1 if closed else end
    body = [line[len(indent) :] for line in lines[body_start:body_end]]
    skip = 0
    while skip < len(body) and re.match(r":[\w-]+:", body[skip]):
        option = re.match(r"(:alt:\s*)(.+)", body[skip])
        if option:
            prefix = indent + option.group(1)
            blocks.append(
                Block(body_start + skip, body_start + skip + 1, prefix, option.group(2), ALT)
            )
        skip += 1
    inner = (
        _glossary_blocks(body[skip:])
        if name == "glossary"
        else markdown_blocks("\n".join(body[skip:]))
    )
    for block in inner:
        block.start += body_start + skip
        block.end += body_start + skip
        block.prefix = indent + block.prefix
    return blocks + inner


def _glossary_blocks(lines: list[str]) -> list[Block]:
    """A glossary's headwords and definitions (each definition one block)."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() and not line.startswith(" "):
            blocks.append(Block(i, i + 1, "", line.strip(), TERM, kind="title"))
        elif line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            j = i
            while j < len(lines) and lines[j].startswith(indent) and lines[j].strip():
                j += 1
            blocks.append(Block(i, j, indent, "\n".join(x[len(indent) :] for x in lines[i:j])))
            i = j
            continue
        i += 1
    return blocks


def code_needs_translation(source: str) -> bool:
    """Whether a code cell holds words a reader reads: a comment or a sentence in a string."""
    try:
        tokens = list(tokenize.generate_tokens(StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    for token in tokens:
        if token.type == tokenize.COMMENT and re.search(r"[A-Za-z]{2}", token.string):
            return True
        if token.type == tokenize.STRING:
            body = re.sub(r"^[rbfuRBFU]*('''|\"\"\"|'|\")|('''|\"\"\"|'|\")$", "", token.string)
            body = re.sub(r"\{[^{}]*\}", "", body)
            if re.search(r"[A-Za-z]{2,}[,:]? +[A-Za-z(]", body) or re.fullmatch(
                r"[A-Z][a-z]{2,}", body
            ):
                return True
    return False


# --- Sources: the pages and chapters of the book -------------------------------------------------


def docnames() -> list[str]:
    """Every page of the book, in the table of contents' order (`book/intro`, `notebooks/...`)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]
    for part in toc.get("parts", []):
        names += [chapter["file"] for chapter in part["chapters"]]
    return names


TOC = "_toc"  # the table of contents' part captions ("The layers of a CNN") are a catalogue too


def catalogues() -> list[str]:
    """Every catalogue: one per page, in reading order, then the table of contents'."""
    return [*docnames(), TOC]


def source_path(docname: str) -> Path:
    if docname == TOC:
        return ROOT / "_toc.yml"
    for suffix in (".ipynb", ".md"):
        if (ROOT / (docname + suffix)).exists():
            return ROOT / (docname + suffix)
    raise FileNotFoundError(f"no source for the page {docname!r}")


def is_guard(cell: dict) -> bool:
    """A hidden cell the book removes (tests and asserts): not read, so not translated."""
    return "remove-cell" in cell.get("metadata", {}).get("tags", [])


@dataclass(frozen=True)
class Message:
    """One message of a page: its context and English, where it first occurs, its kind."""

    context: str | None
    msgid: str
    where: str
    kind: str = "text"


def messages(docname: str) -> list[Message]:
    """Every message of a page, in reading order, each once."""
    path = source_path(docname)
    name = path.relative_to(ROOT)
    found: list[Message] = []
    if docname == TOC:
        toc = yaml.safe_load(path.read_text())
        captions = [part["caption"] for part in toc.get("parts", []) if part.get("caption")]
        found = [Message(None, caption, f"{name}", "title") for caption in captions]
    elif path.suffix == ".md":
        for b in markdown_blocks(path.read_text()):
            found.append(Message(b.context, b.text, f"{name}:{b.start + 1}", b.kind))
    else:
        notebook = json.loads(path.read_text())
        for index, cell in enumerate(notebook["cells"]):
            source = "".join(cell["source"])
            where = f"{name}:cell {index}"
            if cell["cell_type"] == "markdown":
                found += [
                    Message(b.context, b.text, where, b.kind) for b in markdown_blocks(source)
                ]
            elif cell["cell_type"] == "code" and not is_guard(cell):
                if code_needs_translation(source):
                    found.append(Message(CODE, source, where, "code"))
                found += [Message(PATTERN, p, where, "pattern") for p in output_patterns(cell)]
    unique: dict[tuple[str | None, str], Message] = {}
    for message in found:
        unique.setdefault((message.context, message.msgid), message)
    return list(unique.values())


def output_patterns(cell: dict) -> list[str]:
    """The regexes of a cell's declared tolerance that read its printed words ("(\\d+) of 1000
    right"): the Spanish output says them in Spanish, so they are translated too."""
    tolerance = cell.get("metadata", {}).get("tolerance", {})
    patterns = [p for key in TOLERANCE_PATTERNS for p in tolerance.get(key, [])]
    return [p for p in patterns if re.search(r"(?<!\\)[A-Za-z]{2,}", p)]


def catalogue_path(docname: str) -> Path:
    return LOCALE / f"{docname}.po"


def load(docname: str) -> polib.POFile:
    path = catalogue_path(docname)
    return polib.pofile(str(path), wrapwidth=100) if path.exists() else polib.POFile(wrapwidth=100)


# --- Keeping the catalogues in step with the English ---------------------------------------------


def extract(docname: str) -> tuple[int, int]:
    """Bring a page's catalogue in line with its English; return (new messages, dropped ones).

    Kept messages keep their translations. A new message that is close to a dropped one (an
    edited paragraph) starts from the old translation, marked fuzzy with the old English beside
    it, so the translator sees what changed.
    """
    old = load(docname)
    previous = {(e.msgctxt, e.msgid): e for e in old if not e.obsolete}
    catalogue = polib.POFile(wrapwidth=100)
    catalogue.metadata = {
        "Project-Id-Version": "cnn-course",
        "Language": LANG,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    found = messages(docname)
    current = {(m.context, m.msgid) for m in found}
    dropped = [e for key, e in previous.items() if key not in current and e.msgstr]
    new = 0
    for message in found:
        context, msgid = message.context, message.msgid
        entry = polib.POEntry(msgctxt=context, msgid=msgid, msgstr="")
        if message.kind != "text":
            entry.comment = message.kind  # what the translation must keep: one line, rows...
        file, _, line = message.where.partition(":")
        entry.occurrences = [(file, line.replace("cell ", "cell-"))]
        kept = previous.get((context, msgid))
        if kept is not None:
            entry.msgstr, entry.flags, entry.tcomment = kept.msgstr, list(kept.flags), kept.tcomment
        else:
            new += 1
            close = _closest(msgid, context, dropped)
            if close is not None:
                entry.msgstr, entry.flags = close.msgstr, ["fuzzy"]
                entry.previous_msgid = close.msgid
        catalogue.append(entry)
    path = catalogue_path(docname)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))
    return new, len(previous.keys() - current)


def _closest(msgid: str, context: str | None, candidates: list[polib.POEntry]):
    best, score = None, 0.75
    for entry in candidates:
        if entry.msgctxt != context:
            continue
        ratio = difflib.SequenceMatcher(None, msgid, entry.msgid, autojunk=False).ratio()
        if ratio > score:
            best, score = entry, ratio
    return best


# --- What a translation must keep ----------------------------------------------------------------

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
TEXT_IN_MATH = re.compile(r"\\(text|mathrm|operatorname)\{[^}]*\}")


def role_target(name: str, content: str) -> str:
    explicit = re.search(r"<([^<>]+)>\s*$", content)
    return (explicit.group(1) if explicit else content).strip()


def _parts(text: str) -> dict[str, Counter]:
    roles = Counter()
    for name, content in ROLE.findall(text):
        target = (
            role_target(name, content).lower() if name == "term" else role_target(name, content)
        )
        roles[
            (name, target)
            if name in ("term", "ref", "doc", "eq", "cite", "numref", "download")
            else name
        ] += 1
    rest = ROLE.sub(" ", text)
    maths = Counter(" ".join(TEXT_IN_MATH.sub(r"\\\1{}", m).split()) for m in MATH.findall(rest))
    rest = MATH.sub(" ", rest)
    code = Counter(m[1] for m in CODE_SPAN.findall(rest))
    rest = CODE_SPAN.sub(" ", rest)
    links = Counter(re.sub(r"#.*", "#", a or b) for a, b in LINK.findall(rest))
    numbers = Counter(NUMBER.findall(re.sub(r"\]\([^)]*\)", " ", rest)))
    return {"roles": roles, "math": maths, "inline code": code, "links": links, "numbers": numbers}


def problems_of(entry: polib.POEntry, kind: str = "text") -> list[str]:
    """What a translation breaks: markup, math, code, links, numbers, or the block's shape."""
    if entry.msgstr and entry.msgctxt == PATTERN:
        try:
            same = re.compile(entry.msgid).groups == re.compile(entry.msgstr).groups
        except re.error as error:
            return [f"the Spanish pattern is not a regex: {error}"]
        return [] if same else ["the Spanish pattern captures a different number of groups"]
    if not entry.msgstr or entry.msgctxt == CODE:
        return _code_problems(entry) if entry.msgstr else []
    found = []
    source, target = _parts(entry.msgid), _parts(entry.msgstr)
    for part in source:
        if source[part] != target[part]:
            lost = list((source[part] - target[part]).elements())
            extra = list((target[part] - source[part]).elements())
            found.append(f"{part} differ: missing {lost}, unexpected {extra}")
    if kind in ("heading", "title") and "\n" in entry.msgstr:
        found.append(f"a {kind} must stay on one line")
    if "\n\n" in entry.msgstr and "\n\n" not in entry.msgid:
        found.append("a blank line splits the block")
    if kind == "table":
        shape = [line.count("|") for line in entry.msgid.split("\n")]
        if shape != [line.count("|") for line in entry.msgstr.split("\n")]:
            found.append("the table's rows or columns differ")
    decimal_comma = re.compile(r"\d,\d")  # NUMBER never holds a comma: look at the plain text
    if decimal_comma.search(_plain(entry.msgstr)) and not decimal_comma.search(_plain(entry.msgid)):
        found.append("a decimal comma (the outputs print a decimal point)")
    return found


def _plain(text: str) -> str:
    return CODE_SPAN.sub(" ", MATH.sub(" ", ROLE.sub(" ", text)))


def _code_problems(entry: polib.POEntry) -> list[str]:
    """A translated code cell may change only its comments and its strings' words."""

    def skeleton(source: str) -> list[str]:
        """The tokens, less comments and blank lines; adjacent strings count as one string (a
        long Spanish sentence may be split over lines), and a string keeps only its fields."""
        kept: list[str] = []
        joined = False  # whether the last token kept is a string
        for token in tokenize.generate_tokens(StringIO(source).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL):
                continue
            if token.type == tokenize.STRING:
                reduced = re.sub(r"[^{}\[\]%]", "", token.string) + _fields(token.string)
                if joined:
                    kept[-1] += reduced
                else:
                    kept.append(reduced)
                joined = True
                continue
            kept.append(token.string)
            joined = False
        return kept

    try:
        same = skeleton(entry.msgid) == skeleton(entry.msgstr)
    except (tokenize.TokenError, SyntaxError, IndentationError) as error:
        return [f"the Spanish code does not parse: {error}"]
    return [] if same else ["the code itself differs (only comments and strings' words may)"]


def _fields(string: str) -> str:
    return "".join(re.findall(r"\{[^{}]*\}", string)) if re.match(r"[rbuRBU]*[fF]", string) else ""


def report(docname: str) -> list[str]:
    """Every problem of a page's catalogue; empty when it is complete, current and sound."""
    path = catalogue_path(docname)
    if not path.exists():
        return [f"{docname}: no catalogue {path.relative_to(ROOT)} (run `make translations`)"]
    catalogue = load(docname)
    found = []
    have = {(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete}
    kinds = {(m.context, m.msgid): m.kind for m in messages(docname)}
    want = set(kinds)
    if have != want:
        found.append(
            f"{docname}: stale, {len(want - have)} English messages missing and {len(have - want)}"
            " no longer in the English (run `make translations`)"
        )
    for entry in catalogue:
        if entry.obsolete:
            continue
        place = " ".join(entry.occurrences[0]) if entry.occurrences else ""
        where = f"{docname}.po ({place}) {entry.msgid[:60]!r}"
        if not entry.msgstr:
            found.append(f"{where}: untranslated")
        elif "fuzzy" in entry.flags:
            found.append(f"{where}: fuzzy (check it against the new English, then drop the flag)")
        kind = kinds.get((entry.msgctxt, entry.msgid), "text")
        found += [f"{where}: {p}" for p in problems_of(entry, kind)]
    return found


# --- Applying the catalogues ---------------------------------------------------------------------


def translations(docname: str) -> dict[tuple[str | None, str], str]:
    """A page's finished translations (untranslated and fuzzy messages are left out)."""
    return {
        (e.msgctxt, e.msgid): e.msgstr
        for e in load(docname)
        if e.msgstr and not e.obsolete and "fuzzy" not in e.flags
    }


def translate_markdown(text: str, table: dict) -> str:
    """`text` with every block that has a translation in `table` replaced by it."""
    lines = text.split("\n")
    for block in sorted(markdown_blocks(text), key=lambda b: b.start, reverse=True):
        spanish = table.get((block.context, block.text))
        if spanish is None:
            continue
        first, *rest = spanish.split("\n")
        follow = re.sub(r"[^\s>]", " ", block.prefix)
        if block.start + 1 == block.end and block.end <= len(lines):  # keep what follows a title
            tail = lines[block.start][len(block.prefix) + len(block.text.split("\n")[0]) :]
        else:
            tail = ""
        new = [block.prefix + first + (tail if not rest else "")]
        new += [(follow + line).rstrip() if line else "" for line in rest]
        lines[block.start : block.end] = new
    return spanish_leads("\n".join(lines), "markdown")


def spanish_leads(text: str, kind: str) -> str:
    """The first line a folded solution cell shows in JupyterLab, in Spanish (solution_cells)."""
    english, spanish = LEADS["en"], LEADS[LANG]
    text = re.sub(
        rf"^{re.escape(english[kind] + english['continued'])}",
        spanish[kind] + spanish["continued"],
        text,
        flags=re.M,
    )
    return re.sub(rf"^{re.escape(english[kind])}\b", spanish[kind], text, flags=re.M)


def heading_texts(text: str) -> list[str]:
    tokens = PARSER.parse(text)
    return [tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open"]


def slug(inline) -> str:
    """The anchor MyST gives a heading (myst_heading_anchors)."""
    words = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
    return default_slugify(words)


def anchors(english: str, spanish: str) -> dict[str, str]:
    """English heading anchor -> Spanish heading anchor, for the headings of one page."""
    pairs = zip(heading_texts(english), heading_texts(spanish), strict=False)
    return {slug(a): slug(b) for a, b in pairs if slug(a) != slug(b)}


def glossary_terms() -> dict[str, str]:
    """English headword (lower case) -> Spanish headword, from the glossary's catalogue."""
    return {m.lower(): s for (c, m), s in translations("book/glossary").items() if c == TERM}


def relink(text: str, own: str, anchor_maps: dict[str, dict[str, str]], terms: dict) -> str:
    """Point heading links at the Spanish anchors and `{term}` roles at the Spanish entries."""

    def link(match: re.Match) -> str:
        target, anchor = match.group(1), match.group(2)
        page = Path(target).stem if target else own
        return f"]({target}#{anchor_maps.get(page, {}).get(anchor, anchor)})"

    text = re.sub(r"\]\(([^)#\s]*)#([^)\s]+)\)", link, text)

    def term(match: re.Match) -> str:
        content = match.group(1)
        target = role_target("term", content)
        spanish = terms.get(target.lower())
        if spanish is None or spanish.lower() == target.lower():
            return match.group(0)
        shown = re.sub(r"\s*<[^<>]+>\s*$", "", content) if "<" in content else content
        return f"{{term}}`{shown} <{spanish}>`"

    return re.sub(r"\{term\}`([^`]*)`", term, text)


SETUP_CALL = re.compile(r"\bsetup\(([^()]*)\)")


def spanish_code(source: str, table: dict) -> str:
    """A code cell of the Spanish chapter: its translation, and `lang="es"` in the setup call."""
    source = spanish_leads(table.get((CODE, source), source), "code")

    def with_language(match: re.Match) -> str:
        arguments = match.group(1).strip()
        return f'setup({arguments + ", " if arguments else ""}lang="{LANG}")'

    return SETUP_CALL.sub(with_language, source, count=1)


def spanish_notebook(docname: str, anchor_maps: dict, terms: dict) -> dict:
    """The Spanish notebook of a chapter: markdown and words translated, outputs kept."""
    english = json.loads(source_path(docname).read_text())
    notebook = copy.deepcopy(english)
    table = translations(docname)
    own = Path(docname).stem
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            source = relink(translate_markdown(source, table), own, anchor_maps, terms)
            cell["metadata"].pop("quotes", None)  # they match English outputs
        elif cell["cell_type"] == "code" and is_guard(cell):  # not read, but folded in Lab
            source = spanish_leads(source, "code")
        elif cell["cell_type"] == "code":
            source = spanish_code(source, table)
            tolerance = cell.get("metadata", {}).get("tolerance", {})
            for key in TOLERANCE_PATTERNS:
                if key in tolerance:
                    tolerance[key] = [table.get((PATTERN, p), p) for p in tolerance[key]]
        cell["source"] = source.splitlines(keepends=True)
    notebook["metadata"].pop("jupytext", None)
    return notebook


def anchor_maps() -> dict[str, dict[str, str]]:
    """Page stem -> its English -> Spanish heading anchors, for every page."""
    maps = {}
    for docname in docnames():
        table = translations(docname)
        path = source_path(docname)
        if path.suffix == ".md":
            english = path.read_text()
        else:
            cells = json.loads(path.read_text())["cells"]
            english = "\n\n".join(
                "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
            )
        maps[Path(docname).stem] = anchors(english, translate_markdown(english, table))
    return maps


def spanish_path(docname: str) -> Path:
    return SPANISH_NOTEBOOKS / f"{Path(docname).name}.ipynb"


def chapters() -> list[str]:
    return [d for d in docnames() if source_path(d).suffix == ".ipynb"]


def write_notebooks() -> list[Path]:
    """Write the Spanish chapters' sources, keeping each one's stored outputs where the code
    (and so the output) is unchanged; a changed cell starts without output until executed."""
    maps, terms = anchor_maps(), glossary_terms()
    written = []
    for docname in chapters():
        new = spanish_notebook(docname, maps, terms)
        path = spanish_path(docname)
        stored = json.loads(path.read_text())["cells"] if path.exists() else []
        old = {c.get("id"): c for c in stored}
        for cell in (c for c in new["cells"] if c["cell_type"] == "code"):
            before = old.get(cell.get("id"))
            if before and before["source"] == cell["source"]:
                cell["outputs"] = before.get("outputs", [])
                cell["execution_count"] = before.get("execution_count")
            else:  # the Spanish output comes from executing the Spanish code
                cell["outputs"], cell["execution_count"] = [], None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(nbformat.from_dict(new)) + "\n")
        written.append(path)
    return written


def cell_sources(notebook: dict) -> list[tuple[str, str, str, str]]:
    """Each cell's id, type, source and metadata: what the generation decides (not outputs)."""
    return [
        (
            c.get("id", ""),
            c["cell_type"],
            "".join(c["source"]),
            json.dumps(c["metadata"], sort_keys=True),
        )
        for c in notebook["cells"]
    ]


def stale_notebooks() -> list[str]:
    """Spanish chapters whose cells differ from what the English and the catalogues give."""
    maps, terms = anchor_maps(), glossary_terms()
    stale = []
    for docname in chapters():
        path = spanish_path(docname)
        want = cell_sources(spanish_notebook(docname, maps, terms))
        if not path.exists() or cell_sources(json.loads(path.read_text())) != want:
            stale.append(str(path.relative_to(ROOT)))
    return stale


def stage_book(stage: Path = STAGE) -> Path:
    """The Spanish book's sources in `stage`: pages translated, chapters from `es/notebooks`.

    Everything else (images, extensions, the bibliography, the benchmarks a page includes) is a
    link to the English tree, so there is one copy of it.
    """
    maps, terms = anchor_maps(), glossary_terms()
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in ("benchmarks", "course_utils", "pyproject.toml", "README.md"):
        (stage / name).symlink_to(ROOT / name)
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    captions = translations(TOC)
    for part in toc.get("parts", []):
        part["caption"] = captions.get((None, part.get("caption")), part.get("caption"))
    (stage / "_toc.yml").write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False))
    (stage / "book").mkdir()
    for item in (ROOT / "book").iterdir():
        if item.name == "images":
            _stage_images(item, stage / "book" / "images")
        elif item.suffix != ".md":
            (stage / "book" / item.name).symlink_to(item)
    for docname in docnames():
        if source_path(docname).suffix == ".md":
            english = source_path(docname).read_text()
            spanish = translate_markdown(english, translations(docname))
            spanish = relink(spanish, Path(docname).stem, maps, terms)
            # One archive of the course, at the English root, one level above this edition.
            spanish = spanish.replace("](../cnn-course.zip)", "](../../cnn-course.zip)")
            spanish = spanish.replace('href="../cnn-course.zip"', 'href="../../cnn-course.zip"')
            (stage / f"{docname}.md").write_text(spanish)
    (stage / "notebooks").mkdir()
    for docname in chapters():
        (stage / f"{docname}.ipynb").symlink_to(spanish_path(docname))
    compiled = stage / "_locale" / LANG / "LC_MESSAGES"
    compiled.mkdir(parents=True)
    polib.pofile(str(LOCALE / "sphinx.po")).save_as_mofile(str(compiled / "sphinx.mo"))
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    overlay = yaml.safe_load((ROOT / f"_config_{LANG}.yml").read_text())
    (stage / "_config.yml").write_text(yaml.safe_dump(_merge(config, overlay), allow_unicode=True))
    return stage


def _stage_images(english: Path, spanish: Path) -> None:
    """The book's images for the Spanish edition: an image's Spanish twin (`name_es.png`, with
    Spanish words in it) stands in for it; every other image is the English one."""
    spanish.mkdir()
    for image in english.iterdir():
        if image.stem.endswith(f"_{LANG}"):
            continue
        twin = image.with_name(f"{image.stem}_{LANG}{image.suffix}")
        (spanish / image.name).symlink_to(twin if twin.exists() else image)


def _merge(base: dict, overlay: dict) -> dict:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["extract", "check", "notebooks", "book"])
    parser.add_argument("pages", nargs="*", help="docnames (default: every page)")
    args = parser.parse_args(argv)
    pages = args.pages or catalogues()
    if args.command == "extract":
        for docname in pages:
            new, dropped = extract(docname)
            if new or dropped:
                print(f"{docname}: {new} new or changed messages, {dropped} dropped")
        return 0
    if args.command == "check":
        found = [p for d in pages for p in report(d)]
        print("\n".join(found) or "every catalogue is complete and current")
        return 1 if found else 0
    if args.command == "notebooks":
        count, folder = len(write_notebooks()), SPANISH_NOTEBOOKS.relative_to(ROOT)
        print(f"wrote {count} Spanish chapters in {folder}/")
        return 0
    print(f"Spanish sources staged in {stage_book().relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
