"""The built book in a real headless Chromium, page by page, as a learner sees it at 1280x1657 and on a
390x844 phone: every page loads offline, images decode, math is typeset, the console stays clean;
the ☰ button opens the chapter list at both widths; figures are crisp (2x) and not shrunk; nothing
scrolls sideways; no progress bars or test plumbing; exercises numbered per chapter; one search
entry; one citation style; clean search snippets; dark-mode animations. Screenshots go to
_build/screenshots/ (listed in test_screenshots)."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest
import yaml
from browser_support import WAIT_CEILING, needs_chromium, start_chromium
from conftest import ROOT, chapter

pytestmark = [needs_chromium, pytest.mark.slow]

WIDE, PHONE = (1280, 1657), (390, 844)

IMAGES_DECODED = (
    "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);"
)
MATH_STATE = """
const done = arguments[arguments.length - 1];
const report = () => {
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest('pre, code, script, style, mjx-container, .highlight')
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  let raw = 0;
  while (walker.nextNode()) { if (/\\$\\$|\\\\\\(|\\\\\\[/.test(walker.currentNode.nodeValue)) raw++; }
  done({math: document.querySelectorAll('.math').length,
        typeset: document.querySelectorAll('mjx-container').length,
        mathjax: typeof window.MathJax !== 'undefined', raw: raw});
};
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
  MathJax.startup.promise.then(report, report);
} else { report(); }
"""


def _pages(editions: bool = True) -> list[str]:
    """Every page of the book, then (with `editions`) its Spanish twin under es/."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages + [f"{SPANISH}/{page}" for page in pages] if editions else pages


SPANISH = "es"
EXERCISE_WORD = {"en": "Exercise", SPANISH: "Ejercicio"}


def _language(page: str) -> str:
    return SPANISH if page.startswith(f"{SPANISH}/") else "en"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def site(built_book: Path):
    """Serve the built HTML on a local port, as a learner's browser would fetch it."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def _wait_loaded(driver):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_CEILING).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _open(driver, url: str, size: tuple[int, int] = WIDE, dark: bool = False) -> None:
    """Load `url` in a window of `size` CSS px, in the light or dark theme."""
    driver.set_window_size(*size)
    driver.get(url)
    _wait_loaded(driver)
    driver.execute_script(
        f"document.documentElement.dataset.theme = '{'dark' if dark else 'light'}';"
    )


def _chapter(page: str) -> int | None:
    match = re.match(r"(?:es/)?notebooks/(\d+)_", page)
    return int(match.group(1)) if match else None


# Shared by the scripts below: is an element laid out and on screen?
SHOWN = """
const shown = (el) => {
  const r = el.getBoundingClientRect(), style = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth
    && style.visibility !== 'hidden' && !el.closest('[hidden], [aria-hidden=true]');
};
"""
CHAPTER_LIST_SHOWN = (
    SHOWN
    + """
const links = [...document.querySelectorAll('dialog[open] nav a, #pst-primary-sidebar nav a')]
  .filter(a => /^\\s*\\d\\d /.test(a.textContent));
return links.length >= 10 && links.every(shown);
"""
)
TOGGLES_SHOWN = SHOWN + "return [...document.querySelectorAll('.primary-toggle')].filter(shown);"
SEARCH_ENTRIES = (
    SHOWN + "return [...document.querySelectorAll('.search-button__button, .search-button-field')]"
    ".filter(shown).length;"
)
# Collapsed solutions and hidden setup cells are read too: open them all first.
EXPAND = """
document.querySelectorAll('details').forEach(d => d.open = true);
document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
"""
FIGURES = (
    EXPAND
    + """
const article = document.querySelector('main article') || document.querySelector('main');
const style = getComputedStyle(article);
const column = article.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
const bad = [];
for (const img of article.querySelectorAll('img')) {
  if (!img.currentSrc || /\\.svg($|[?#])/.test(img.currentSrc) || img.naturalWidth === 0) continue;  // vector
  const name = img.currentSrc.split('/').pop().slice(0, 12);
  const declared = img.style.width || img.getAttribute('width') || '';  // a 2x PNG declares its 1x size
  const intended = parseFloat(declared) || img.naturalWidth;  // its width if never shrunk
  const shown = img.getBoundingClientRect().width || intended;
  if (img.naturalWidth < 1.5 * shown - 0.5)
    bad.push(`${name}: ${img.naturalWidth} px image shown ${Math.round(shown)} px wide (needs 1.5x)`);
  if (!/%$/.test(declared) && intended > column + 0.5)
    bad.push(`${name}: ${Math.round(intended)} px wide, wider than the ${column} px column`);
}
return {column: column, bad: bad};
"""
)
SCROLLING = (
    EXPAND
    + """
return [...document.querySelectorAll('main pre')]
  .filter(pre => pre.getBoundingClientRect().width > 0 && pre.scrollWidth > pre.clientWidth + 1)
  .map(pre => pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '').slice(0, 70));
"""
)
PLUMBING = (
    EXPAND
    + """
const outputs = [...document.querySelectorAll('main .cell_output')].map(o => o.textContent).join('\\n');
const comments = [...document.querySelectorAll('main .highlight .c1, main .highlight .c, main .highlight .cm')]
  .map(c => c.textContent).filter(t => /nbval|pytest|sanitiz|test suite|\\bCI\\b/i.test(t));
return {progress: (outputs.match(/.{0,30}(█|\\d\\s*(it\\/s|s\\/it)\\b).{0,30}/g) || []).slice(0, 3),
        markers: (document.querySelector('main').innerText.match(/.{0,30}NBVAL.{0,30}/g) || []).slice(0, 3),
        comments: comments.slice(0, 3)};
"""
)
EXERCISES = """
const titles = [...document.querySelectorAll('main .exercise > .admonition-title .caption-number')]
  .map(t => t.textContent.trim());
const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT, {
  acceptNode: n => n.parentElement.closest('a, pre, code, .caption-number, .highlight, .cell_output')
    ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
const typed = [];
while (walker.nextNode()) {
  const m = walker.currentNode.nodeValue.match(/.{0,25}\\b(exercises?|ejercicios?)\\s+\\d+.{0,10}/i);
  if (m) typed.push(m[0]);
}
return {titles: titles, typed: typed};
"""
CITATIONS = """
const inText = [...document.querySelectorAll('main a[href*="references.html#"]')].map(a => a.textContent.trim());
const listed = [...document.querySelectorAll('main .citation > .label')].map(l => l.textContent.trim());
return {inText: inText, listed: listed};
"""
API_ITALICS = """
const isType = (em) => {  // a parameter's or return value's type annotation, set in italics by Sphinx
  const field = em.closest('dd') && em.closest('dd').previousElementSibling;
  if (field && /^Return type/.test(field.textContent)) return true;
  const p = em.closest('p, li, dd'), range = document.createRange();
  range.setStart(p, 0);
  range.setEndBefore(em);
  return !!p.querySelector(':scope > strong:first-child') && /^\\S+ \\([^)]*$/.test(range.toString());
};
// docutils' default role renders `name` as <cite>; a name in <em> is italic too
// docutils' default role renders `name` as <cite>; <em> is fine for a word, not for a name like np.pad
return [...document.querySelectorAll('main dd cite, main dd em')].filter(e => !isType(e))
  .filter(e => e.tagName === 'CITE' || /^[A-Za-z_][\\w.]*(\\(\\))?$/.test(e.textContent) && /[_.(]/.test(e.textContent))
  .map(e => e.textContent);
"""
DARK_PANELS = """
return [...document.querySelectorAll('main .animation')].map(player => {
  const panel = player.closest('.text_html') || player.parentElement;
  const [r, g, b, a = 1] = getComputedStyle(panel).backgroundColor.match(/[\\d.]+/g).map(Number);
  return {light: a > 0.1 && (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.5,
          panel: Math.round(panel.getBoundingClientRect().width),
          player: Math.round(player.getBoundingClientRect().width)};
});
"""


@pytest.mark.parametrize("page", _pages())
def test_page_renders_offline(page, site, browser):
    browser.get_log("browser")  # drop what earlier pages left
    browser.get(f"{site}/{page}.html")
    _wait_loaded(browser)
    assert browser.find_elements("css selector", "main h1"), f"{page}: no title rendered"
    broken = browser.execute_script(IMAGES_DECODED)
    assert not broken, f"{page}: images that do not decode: {broken}"
    math = browser.execute_async_script(MATH_STATE)
    if math["math"]:
        assert math["mathjax"], f"{page}: has math but MathJax did not load"
        assert math["typeset"] >= math["math"], (
            f"{page}: {math['math']} math blocks, {math['typeset']} typeset"
        )
    assert math["raw"] == 0, f"{page}: {math['raw']} text nodes still hold raw TeX delimiters"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{page}: console errors: {errors}"
    external = browser.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith(location.origin));"
    )
    assert not external, f"{page}: external requests: {external}"


@pytest.mark.parametrize("page", _pages())
def test_navigation_opens_at_every_width(page, site, browser):
    """Item 1: the one visible ☰ hides and shows the chapter list at 1280 px and opens it on a phone."""
    url = f"{site}/{page}.html"
    for size, shown_at_start in ((WIDE, True), (PHONE, False)):
        _open(browser, url, size)
        width = size[0]
        toggles = browser.execute_script(TOGGLES_SHOWN)
        assert len(toggles) == 1, (
            f"{page} at {width} px: {len(toggles)} visible ☰ buttons, expected 1"
        )
        assert browser.execute_script(SEARCH_ENTRIES) == 1, (
            f"{page} at {width} px: not exactly one search entry"
        )
        assert browser.execute_script(CHAPTER_LIST_SHOWN) == shown_at_start, (
            f"{page} at {width} px: chapter list {'hidden' if shown_at_start else 'shown'} before any click"
        )
        # Wide: ☰ hides the list, then shows it again. Phone: ☰ opens the drawer.
        for click, expected in enumerate([False, True] if shown_at_start else [True], start=1):
            toggles[0].click()
            assert _settles(browser, CHAPTER_LIST_SHOWN, expected), (
                f"{page} at {width} px: after {click} click(s) on ☰ the chapter list is not {'shown' if expected else 'hidden'}"
            )


def _settles(driver, script: str, expected, timeout: float = 60) -> bool:
    """Whether `script` returns `expected` within `timeout` seconds (sidebars slide in and out).

    It returns as soon as the state is reached; the ceiling is long because a busy machine can
    take seconds for a transition of a fraction of a second.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script) == expected)
    except TimeoutException:
        return False
    return True


@pytest.mark.parametrize("page", _pages())
def test_figures_are_crisp_and_fit_the_column(page, site, browser):
    """Item 2: every raster image has >= 1.5 image pixels per CSS pixel and is not shrunk to fit."""
    _open(browser, f"{site}/{page}.html")
    result = browser.execute_script(FIGURES)
    assert 600 <= result["column"] <= 760, (
        f"{page}: the text column is {result['column']} px at 1280 px"
    )
    assert not result["bad"], f"{page}: " + "; ".join(result["bad"])


ASPECTS = (
    EXPAND
    + """
return [...document.querySelectorAll('main img')].filter(img => img.naturalWidth > 0)
  .map(img => {
    const r = img.getBoundingClientRect();
    return {src: img.src.split('/').pop().slice(0, 40), width: r.width, height: r.height,
            natural: img.naturalWidth / img.naturalHeight};
  }).filter(i => i.width > 0 && i.height > 0);
"""
)


@pytest.mark.parametrize("page", _pages())
def test_figures_keep_their_shape_on_a_phone(page, site, browser):
    """Every image's displayed aspect ratio equals its natural one (within 2 %) at 390 and 1280 px."""
    for size in (PHONE, WIDE):
        _open(browser, f"{site}/{page}.html", size)
        images = browser.execute_script(ASPECTS)
        bad = [
            f"{i['src']} shown {i['width']:.0f}x{i['height']:.0f} (natural ratio {i['natural']:.3f})"
            for i in images
            if abs(i["width"] / i["height"] / i["natural"] - 1) > 0.02
        ]
        assert not bad, f"{page} at {size[0]} px: {len(bad)} distorted images, e.g. {bad[:3]}"


@pytest.mark.parametrize("page", _pages())
def test_nothing_scrolls_sideways(page, site, browser):
    """Item 3: no code line or text output is cut off behind a horizontal scroll bar at 1280 px."""
    _open(browser, f"{site}/{page}.html")
    cut = browser.execute_script(SCROLLING)
    assert not cut, f"{page}: {len(cut)} code/output blocks scroll sideways, e.g. {cut[:3]}"


@pytest.mark.parametrize("page", _pages())
def test_no_progress_bars_or_test_plumbing(page, site, browser):
    """Items 4 and 6: outputs hold no progress bars; readers see no test markers or test-tool notes."""
    _open(browser, f"{site}/{page}.html")
    found = browser.execute_script(PLUMBING)
    assert not found["progress"], f"{page}: progress-bar output {found['progress']}"
    assert not found["markers"], f"{page}: visible test markers {found['markers']}"
    assert not found["comments"], f"{page}: code comments about test tools {found['comments']}"


@pytest.mark.parametrize("page", _pages())
def test_exercises_numbered_per_chapter(page, site, browser):
    """Item 5: a chapter's exercises are "Exercise N.1", "N.2", ...; text refers to them by link."""
    _open(browser, f"{site}/{page}.html")
    found = browser.execute_script(EXERCISES)
    chapter = _chapter(page)
    word = EXERCISE_WORD[_language(page)]
    expected = [f"{word} {chapter}.{k}" for k in range(1, len(found["titles"]) + 1)]
    assert found["titles"] == expected, f"{page}: exercise titles {found['titles']}"
    assert not found["typed"], (
        f"{page}: exercises referred to by a typed number, not a link: {found['typed']}"
    )


@pytest.mark.parametrize("page", _pages())
def test_citations_are_author_year(page, site, browser):
    """Item 7: citations in the text and labels on the References list are both "Author, year"."""
    _open(browser, f"{site}/{page}.html")
    found = browser.execute_script(CITATIONS)
    author_year = re.compile(r"^\[?\D.*\b(1[89]|20)\d\d[a-z]?\]?$")
    for label in found["inText"] + found["listed"]:
        assert author_year.match(label), f"{page}: citation {label!r} is not author-year"
    if page == "book/references":
        assert len(found["listed"]) >= 10, "the References list is empty"


def test_api_names_in_code_font(site, browser):
    """Item 7: single-backtick names in docstrings render as code on the API page, not in italics."""
    _open(browser, f"{site}/book/api.html")
    italic = browser.execute_script(API_ITALICS)
    assert not italic, f"names in italics on the API page: {italic[:5]}"
    assert browser.find_elements("css selector", "main dd code.literal"), (
        "no code-font names on the API page"
    )


def _has_animation(page: str) -> bool:
    """Whether a chapter's stored outputs hold a matplotlib animation player."""
    notebook = ROOT / f"{page}.ipynb"
    return notebook.exists() and 'class=\\"animation\\"' in notebook.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", [p for p in _pages() if _has_animation(p)])
def test_animations_have_no_light_panel_in_dark_mode(page, site, browser):
    """Item 7: in dark mode an animation player does not sit on a column-wide light panel."""
    _open(browser, f"{site}/{page}.html", dark=True)
    players = browser.execute_script(DARK_PANELS)
    assert players, f"{page}: no animation player found"
    for player in players:
        assert not player["light"], (
            f"{page}: the animation sits on a light {player['panel']} px panel"
        )


@pytest.mark.parametrize("edition", ["", f"{SPANISH}/"], ids=["en", SPANISH])
def test_search_finds_softmax(edition, site, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/{edition}search.html?q=softmax")
    _wait_loaded(browser)
    WebDriverWait(browser, WAIT_CEILING).until(
        lambda d: d.find_elements("css selector", "#search-results ul.search li")
    )
    results = browser.find_elements("css selector", "#search-results ul.search li")
    assert results, "search for 'softmax' found nothing"
    WebDriverWait(browser, WAIT_CEILING).until(
        lambda d: d.find_elements("css selector", "#search-results p.context")
    )
    snippets = [p.text for p in browser.find_elements("css selector", "#search-results p.context")]
    tex = [s for s in snippets if re.search(r"\\[(\[]|\\[a-zA-Z]{2,}|\$\$", s)]
    assert not tex, f"search snippets show raw TeX: {tex[:2]}"


def _page(topic: str) -> str:
    """The book page of the chapter about `topic` ("notebooks/NN_topic"), found in _toc.yml."""
    return str(chapter(topic).relative_to(ROOT).with_suffix(""))


SCREENSHOTS = {  # file name: (page, window, what it shows)
    "intro-1280.png": ("book/intro", WIDE, "home page, sidebar open"),
    "intro-390.png": ("book/intro", PHONE, "home page on a phone"),
    "convolutions-1280.png": (_page("convolutions"), WIDE, "the first chapter, top"),
    "convolutions-390.png": (_page("convolutions"), PHONE, "the first chapter on a phone"),
    "convolutions-390-nav.png": (_page("convolutions"), PHONE, "chapter list opened by ☰"),
    "optimizers-1280-figure.png": (_page("optimizers"), WIDE, "optimizers, first figure"),
    "optimizers-390-figure.png": (_page("optimizers"), PHONE, "optimizers, figure on a phone"),
    "optimizers-1280-dark-animation.png": (_page("optimizers"), WIDE, "animation, dark mode"),
    "style_transfer-1280.png": (_page("style_transfer"), WIDE, "style transfer, first figure"),
    "style_transfer-390.png": (_page("style_transfer"), PHONE, "style transfer on a phone"),
    "softmax-390-equation.png": (
        _page("fully_connected_and_softmax"),
        PHONE,
        "a wide equation on a phone: scroll bar and edge shadow",
    ),
}


def test_screenshots(site, browser):
    """Save what a learner sees at 1280 px and 390 px (the list above) under _build/screenshots/."""
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for name, (page, size, _) in SCREENSHOTS.items():
        _open(browser, f"{site}/{page}.html", size, dark="dark" in name)
        browser.execute_async_script(MATH_STATE)
        if name.endswith("-nav.png"):
            browser.execute_script(TOGGLES_SHOWN)[0].click()
            assert _settles(browser, CHAPTER_LIST_SHOWN, True), "☰ did not open the chapter list"
        elif "animation" in name:
            browser.execute_script("document.querySelector('main .animation').scrollIntoView();")
        elif "equation" in name:
            browser.execute_script(
                "[...document.querySelectorAll('main mjx-container[display=\"true\"]')]"
                ".find(m => m.scrollWidth > m.clientWidth).scrollIntoView({block: 'center'});"
            )
        elif "figure" in name or name.startswith("style_transfer-"):
            browser.execute_script(
                "document.querySelector('main .cell_output img').scrollIntoView();"
            )
        target = shots / name
        assert browser.save_screenshot(str(target)) and target.stat().st_size > 10_000, name


# Inline formulas (MathJax does not break them across lines) that run past the text column's
# right edge, where a phone cuts them off; and wide display equations that scroll with no cue.
INLINE_MATH_CUT = """
const done = arguments[arguments.length - 1];
const check = () => {
  const column = document.querySelector('.bd-article').getBoundingClientRect();
  done([[...document.querySelectorAll('.bd-article mjx-container:not([display="true"])')]
    .filter(m => !m.closest('.admonition details:not([open]), details:not([open])'))
    .filter(m => m.getBoundingClientRect().right > column.right + 1)
    .map(m => (m.querySelector('mjx-assistive-mml math') || m).textContent.slice(0, 80)),
    // display equations wider than the column: they must scroll, with the shadow cue
    [...document.querySelectorAll('.bd-article mjx-container[display="true"]')]
    .filter(m => m.scrollWidth > m.clientWidth + 1)
    .filter(m => !['auto', 'scroll'].includes(getComputedStyle(m).overflowX)
                 || !getComputedStyle(m).backgroundImage.includes('gradient'))
    .map(m => m.textContent.slice(0, 80))]);
};
if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
  MathJax.startup.promise.then(check, check);
} else { check(); }
"""


@pytest.mark.parametrize("page", _pages())
def test_inline_math_fits_a_phone(page, site, browser):
    """Issue 23: at 390 px no inline formula runs past the text column (it would be cut off),
    and a display equation wider than the column scrolls with a visible cue (edge shadows)."""
    _open(browser, f"{site}/{page}.html", PHONE)
    cut, hidden = browser.execute_async_script(INLINE_MATH_CUT)
    assert not cut, f"{page} at 390 px: {len(cut)} inline formulas cut off, e.g. {cut[:3]}"
    assert not hidden, f"{page} at 390 px: wide equations scroll with no cue: {hidden[:3]}"


SWITCH = """
const a = document.querySelector('a.edition-switch');
if (!a) return null;
const r = a.getBoundingClientRect();
return {shown: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= innerWidth,
        label: a.textContent.trim(), lang: a.getAttribute('hreflang')};
"""


@pytest.mark.parametrize("size", [WIDE, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("page", _pages(editions=False))
def test_the_language_switch_opens_the_same_page(page, size, site, browser):
    """Issue 21: on every page, at both widths, the switch leads to the same page in the other
    edition (EN -> ES -> EN), whose <html lang> is that language."""
    from selenium.webdriver.support.ui import WebDriverWait

    here = f"{site}/{page}.html"
    there = f"{site}/{SPANISH}/{page}.html"
    for start, target, lang in ((here, there, SPANISH), (there, here, "en")):
        _open(browser, start, size)
        switch = browser.execute_script(SWITCH)
        assert switch and switch["shown"], f"{start} at {size[0]} px: no visible switch ({switch})"
        assert switch["lang"] == lang, switch
        title = browser.find_element("css selector", "main h1").text
        browser.find_element("css selector", "a.edition-switch").click()
        WebDriverWait(browser, WAIT_CEILING).until(lambda d, url=target: d.current_url == url)
        _wait_loaded(browser)
        assert browser.execute_script("return document.documentElement.lang") == lang
        landed = browser.find_element("css selector", "main h1").text
        number = re.match(r"\d+", title)
        assert not number or landed.startswith(number.group(0)), (title, landed)
