"""The whole book builds with zero warnings (-W -n), and ships what it needs to work offline."""

import re

from conftest import NOTEBOOKS, ROOT


def test_book_builds_with_zero_warnings(built_book):
    assert (built_book / "index.html").exists()
    for path in NOTEBOOKS:
        page = built_book / "notebooks" / f"{path.stem}.html"
        assert page.exists(), f"{path.name} was not rendered"


def test_mathjax_is_bundled_not_fetched(built_book):
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists()
    for page in built_book.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert not remote, f"{page.relative_to(built_book)} loads remote assets: {remote}"


def test_chapter_pages_show_stored_outputs(built_book):
    for path in NOTEBOOKS:
        html = (built_book / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert "cell_output" in html, f"{path.name}: no outputs rendered"
        assert 'src="../_images/' in html or "<img" in html, f"{path.name}: no figure rendered"


def test_readme_commands_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"^make (\w+)", readme, re.M):
        assert re.search(rf"^{target}:", makefile, re.M), (
            f"README mentions 'make {target}', Makefile lacks it"
        )
    assert "make test" in (ROOT / ".ci" / "run").read_text()
