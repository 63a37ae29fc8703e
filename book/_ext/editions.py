"""The course's two editions, English and Spanish: each page links to itself in the other one.

The English book is built at `_build/html/`, the Spanish one at `_build/html/es/`, from the same
table of contents, so a page has the same name in both. `course_edition` in each edition's
configuration names the other edition (its language, its label and where its root is, relative
to this edition's root); the link sits in the header of every page, beside the download button,
at every width.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE = "edition-switch.html"


def _config_inited(app, config) -> None:
    if not config.course_edition:
        return
    config.templates_path.append(str(Path(__file__).with_name("templates")))
    options = config.html_theme_options
    end = options.get("article_header_end", ["article-header-buttons.html"])
    if isinstance(end, str):
        end = [item.strip() for item in end.split(",")]
    if TEMPLATE not in end:
        options["article_header_end"] = [TEMPLATE, *end]


def edition_href(pagename: str, root: str) -> str:
    """The other edition's copy of `pagename`, relative to this page."""
    up = "../" * pagename.count("/")
    return f"{up}{root}{pagename}.html"


def _page_context(app, pagename, templatename, context, doctree) -> None:
    edition = app.config.course_edition
    if edition:
        context["course_edition"] = {**edition, "href": edition_href(pagename, edition["root"])}


def setup(app):
    app.add_config_value("course_edition", {}, "html")
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
