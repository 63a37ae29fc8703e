"""The language course_utils speaks to a learner: English, or Spanish in the Spanish edition.

What a learner reads while working goes through `_` (gettext): the exercise feedback, the
widgets' labels, and the titles, axis labels, legends and colour-bar labels of the figures
course_utils draws. English is the source; the Spanish text lives in the catalogue
`course_utils/locale/es/LC_MESSAGES/course_utils.po`, read once (with polib) the first time
Spanish is asked for. A message the catalogue lacks, or marks fuzzy, stays English.

The language follows the notebook: the Spanish chapters' setup call is
`setup(seed=0, lang="es")`, which calls `set_language("es")`; the environment variable
`COURSE_LANG` ("en" or "es", unset means "en") gives the language a session starts with.

For authors:

- A message with values is a template, translated first and filled in after::

      _("`{name}` has shape {got}; expected {want}.").format(name=name, got=..., want=...)

  never `_(f"...")`: the filled-in text is not in the catalogue. Numbers are formatted by the
  template's own fields (`{error:.3g}`), so they print the same in both languages.
- Translate when the text is shown, not when a module is imported, so that switching the
  language after import works. A literal that must be defined earlier (a module constant, a
  decorator's argument) is marked with `N_("...")` and translated where it is used, with
  `gettext(value)`.
- `python tools/course_utils_catalogue.py` finds every `_("...")` and `N_("...")` and updates
  the catalogue; tests/test_i18n_utils.py fails while a message is missing or untranslated.
- The messages of exceptions raised for bad input (`ValueError`, `TypeError`) stay English:
  they are for whoever calls the function, like Python's own errors, and are never translated.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

__all__ = ["LANGUAGES", "N_", "gettext", "language", "set_language"]

#: The languages course_utils speaks; English is the source and the default.
LANGUAGES = ("en", "es")
DOMAIN = "course_utils"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: str | None = None  # None: not chosen yet, read COURSE_LANG on first use


def _checked(lang: object, where: str) -> str:
    """`lang` if it names a language of LANGUAGES, else a ValueError saying where it came from."""
    if not isinstance(lang, str) or lang.strip().lower() not in LANGUAGES:
        raise ValueError(
            f"{where} must be one of {', '.join(repr(x) for x in LANGUAGES)}, got {lang!r}"
        )
    return lang.strip().lower()


def _from_environment() -> str:
    """The language `COURSE_LANG` names ("en" when unset or empty)."""
    raw = os.environ.get("COURSE_LANG", "").strip()
    if not raw:
        return "en"
    return _checked(raw, "COURSE_LANG (the course's language)")


def set_language(lang: str) -> None:
    """Make course_utils speak `lang` ("en" or "es") from now on (the setup call of a chapter).

    A language outside LANGUAGES is a ValueError naming it and the accepted ones.
    """
    global _current
    _current = _checked(lang, "set_language: `lang`")
    if _current != "en":
        _catalogue(_current)  # read (and check) the catalogue now, not inside a figure


def language() -> str:
    """The language spoken now: the last `set_language`, else `COURSE_LANG`, else "en"."""
    global _current
    if _current is None:
        _current = _from_environment()
    return _current


def catalogue_path(lang: str) -> Path:
    """Where the catalogue of `lang` lives (`locale/<lang>/LC_MESSAGES/course_utils.po`)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _catalogue(lang: str) -> dict[str, str]:
    """msgid -> msgstr of the translated, not fuzzy, not obsolete entries (read once)."""
    import polib  # only a Spanish session needs it

    entries = polib.pofile(str(catalogue_path(lang)))
    return {
        entry.msgid: entry.msgstr
        for entry in entries
        if entry.msgstr and not entry.fuzzy and not entry.obsolete
    }


def gettext(message: str) -> str:
    """`message` in the language of the moment; English (unchanged) where it has no translation."""
    lang = language()
    if lang == "en":
        return message
    return _catalogue(lang).get(message, message)


_ = gettext  # the usual short name: `from course_utils.i18n import _`


def N_(message: str) -> str:
    """Mark a literal for the catalogue without translating it; `gettext` it where it is shown."""
    return message
