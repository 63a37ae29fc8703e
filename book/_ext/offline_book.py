"""Small fixes so the built book works offline with a clean browser console.

- The book-theme / pydata-theme pair ships no `data-mode` on <html>, and the theme script logs
  an error for it on every page; set it (from the reader's saved choice) before that script runs.
- jupyter-book registers sphinx-thebe's inline configuration script twice, which is a
  SyntaxError ("THEBE_JS_URL has already been declared"); keep each script once.
"""

from __future__ import annotations

THEME_MODE = "document.documentElement.dataset.mode = localStorage.getItem('mode') || 'light';"


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # The same script can be registered once as filename '' and once as None.
        key = (getattr(script, "filename", None) or "", str(getattr(script, "attributes", script)))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.add_js_file(None, body=THEME_MODE, priority=100)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
