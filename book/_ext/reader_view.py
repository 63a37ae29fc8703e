"""What a reader sees in the built book, beyond what the themes do by default.

- Exercises are numbered per chapter ("Exercise 6.2"), the chapter taken from the notebook's file
  name (`notebooks/08_optimizers` is chapter 8). Sphinx numbers them across the whole book when
  the table of contents is not section-numbered; this renumbers them after Sphinx does, so titles,
  solutions and `{numref}` links all use the per-chapter numbers.
- The References list is labelled author-year ("[Ioffe and Szegedy, 2015]"), as the citations
  in the text are, instead of pybtex's alpha keys ("[IS15]"). The Spanish edition joins two
  authors with "y" in both (`course_author_year_es`, `author_year_es`).
- Code cells and outputs use a 12 px monospace font (static/reader_view.css), so 88 characters
  fit the text column at 1280 px; at the themes' 14 px only about 73 do.
- Search snippets drop raw TeX: the result summaries are cut from each page's HTML, where math
  is still TeX source (MathJax typesets it only on the page itself).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

CHAPTER = re.compile(r"^notebooks/0*(\d+[a-z]?)_")

# Search.htmlToText (Sphinx's searchtools.js) turns a fetched page into the snippet's text.
# Before it does, replace each math element by its TeX when that is plain ("x", "n = 4"), else "…".
SEARCH_SNIPPETS = r"""
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;
  const toText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".math").forEach((el) => {
      const tex = el.textContent.trim().replace(/^\\[(\[]|\\[)\]]$/g, "").trim();
      el.textContent = /^[\w\s=+\-.,()]*$/.test(tex) ? tex : "…";
    });
    return toText(page.documentElement.outerHTML, anchor);
  };
});
"""


def _per_chapter_exercises(app, env):
    """Renumber exercises 1, 2, ... within each chapter, prefixed with the chapter's number."""
    changed = []
    for docname, numbers in env.toc_fignumbers.items():
        match = CHAPTER.match(docname)
        exercises = numbers.get("exercise")
        if not match or not exercises:
            continue
        chapter = match.group(1)
        chapter = int(chapter) if chapter.isdigit() else chapter
        in_order = sorted(exercises, key=lambda node_id: exercises[node_id])
        renumbered = {node_id: (chapter, i) for i, node_id in enumerate(in_order, start=1)}
        if renumbered != exercises:
            numbers["exercise"] = renumbered
            changed.append(docname)
    return changed


class AuthorYearLabels(BaseLabelStyle):
    """pybtex labels "Author, year", "A and B, year", "A et al., year" (a, b, ... on clashes)."""

    AND = "and"

    def format_labels(self, sorted_entries):
        labels = [self._label(entry) for entry in sorted_entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:
                seen[label] += 1
                yield f"{label}{chr(ord('a') + seen[label] - 1)}"
            else:
                yield label

    def _label(self, entry) -> str:
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [
            " ".join(p.rich_last_names[i].render_as("text") for i in range(len(p.rich_last_names)))
            for p in persons
        ]
        if not names:
            who = entry.fields.get("organization", entry.key)
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} {self.AND} {names[1]}"
        else:
            who = f"{names[0]} et al."
        return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(PlainStyle):
    """pybtex's plain style, labelled by author and year (bibtex_default_style in _config.yml)."""

    default_label_style = "course_author_year"


class SpanishAuthorYearLabels(AuthorYearLabels):
    """The same labels in the Spanish edition: "A y B, year"."""

    AND = "y"


class SpanishAuthorYearStyle(PlainStyle):
    default_label_style = "course_author_year_es"


@dataclass
class SpanishAuthorYearReferences(AuthorYearReferenceStyle):
    """Citations in the Spanish text: "Ioffe y Szegedy, 2015" (bibtex_reference_style)."""

    person: PersonStyle = field(default_factory=lambda: PersonStyle(sep2=" y ", last_sep=" y "))


register_plugin("pybtex.style.labels", "course_author_year", AuthorYearLabels)
register_plugin("pybtex.style.formatting", "course_author_year", AuthorYearStyle)
register_plugin("pybtex.style.labels", "course_author_year_es", SpanishAuthorYearLabels)
register_plugin("pybtex.style.formatting", "course_author_year_es", SpanishAuthorYearStyle)
register_bibtex_plugin(
    "sphinxcontrib.bibtex.style.referencing", "author_year_es", SpanishAuthorYearReferences
)


def _add_static(app):
    app.config.html_static_path.append(str(Path(__file__).with_name("static")))


def setup(app):
    app.connect("builder-inited", _add_static)
    app.add_css_file("reader_view.css")
    app.add_js_file(None, body=SEARCH_SNIPPETS)
    app.connect("env-get-updated", _per_chapter_exercises, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
