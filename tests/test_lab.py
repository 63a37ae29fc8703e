"""The notebooks in a live JupyterLab, as a learner runs them (issue 14, item 8).

Starts JupyterLab on a free localhost port with a random token, on a temporary copy of
notebooks/, and drives it with headless Chromium: the convolutions chapter's kernel explorer
redraws when its preset changes, an exercise check answers "Not yet" then "Correct", and `fit` shows a
progress widget that finishes. Screenshots go to _build/screenshots/lab-*.png.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import WAIT_CEILING, needs_chromium, start_chromium
from conftest import ROOT, chapter
from selenium.webdriver.common.by import By

pytestmark = [needs_chromium, pytest.mark.slow]

SHOTS = ROOT / "_build" / "screenshots"
# Ceilings in seconds, not delays: every wait below polls for its condition and goes on as soon
# as it holds. They are generous because a busy machine (2 shared cores, a CPU hog beside the
# suite) runs a notebook several times slower than an idle one.
LONG = 900  # a notebook's Run All, a kernel's start
START = 600  # JupyterLab's first start in a fresh environment


# Straight to the local server, never through a proxy: `urllib.request.urlopen` keeps the proxy
# settings it first saw in the process, and an earlier test's dead offline proxy made every
# status poll fail until the ceiling.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _lab_env(home: Path) -> dict[str, str]:
    """The server's environment: this checkout's course_utils, private Jupyter folders, widgets on."""
    env = {key: value for key, value in os.environ.items() if key != "COURSE_PLAIN_PROGRESS"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    for name, sub in (
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "matplotlib"),
    ):
        env[name] = str(home / sub)
        (home / sub).mkdir(parents=True, exist_ok=True)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):  # noqa: PLR0915 (one server: configure, start, wait, stop)
    """A JupyterLab server on a copy of notebooks/; yields its base URL with the token. Always stopped."""
    root = tmp_path_factory.mktemp("lab-notebooks")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy2(notebook, root / notebook.name)
    home = tmp_path_factory.mktemp("lab-home")
    env = _lab_env(home)
    # No announcements or update checks (offline), and window.jupyterapp for running commands.
    (home / "config" / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "LabApp": {
                    "news_url": None,
                    "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                    "expose_app_in_browser": True,
                }
            }
        )
    )
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    notification /= "notification.jupyterlab-settings"
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # Every cell drawn at once (no windowing), so that a test can read the whole notebook.
    tracker = (
        home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    )
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), secrets.token_hex(16)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            # offline: no extension manager asking PyPI for extensions, no language-server scan
            "--LabApp.extension_manager=readonly",
            "--ServerApp.jpserver_extensions={'jupyter_lsp': False}",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START  # poll its status until it answers
        while True:
            if server.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with {server.returncode}:\n{_tail(home / 'server.log')}"
                )
            try:
                with LOCAL.open(f"{base}/api/status?token={token}", timeout=30) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer in {START} s:\n{_tail(home / 'server.log')}"
                )
            time.sleep(0.5)
        yield {"base": base, "token": token, "root": root, "log": home / "server.log"}
    finally:
        _stop(server)
        log.close()


def _stop(server: subprocess.Popen) -> None:
    """Stop the server (SIGTERM to its own process group), then any kernel of it still running."""
    import psutil

    try:
        kernels = psutil.Process(server.pid).children(recursive=True)  # in sessions of their own
    except psutil.NoSuchProcess:
        kernels = []
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # it shuts its kernels down, then exits
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    _, alive = psutil.wait_procs(kernels, timeout=60)
    for process in alive:
        process.kill()


CONVOLUTIONS, CLASSIFIER = chapter("convolutions").name, chapter("training_a_classifier").name

# The state of one open notebook, read from JupyterLab's own objects (window.jupyterapp):
# each code cell's execution count ("*" while queued or running, None if not run) and any error outputs.
NOTEBOOK_STATE = """
const path = arguments[0];
const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
if (!panel || !panel.sessionContext.session || !panel.sessionContext.session.kernel) return null;
const cells = panel.content.widgets.filter(c => c.model.type === 'code');
const errors = [];
for (const cell of cells) {
  for (const out of cell.model.outputs.toJSON()) {
    if (out.output_type === 'error') errors.push(`${out.ename}: ${out.evalue}`);
  }
}
return {counts: cells.map(c => c.model.executionState === 'running' ? '*' : c.model.executionCount),
        errors: errors,
        kernel: panel.sessionContext.kernelDisplayStatus};
"""
# Whether a notebook has a panel in the main area (open, its kernel perhaps still starting).
OPENED = """
return [...window.jupyterapp.shell.widgets('main')].some(w => w.context && w.context.path === arguments[0]);
"""
# SHA-256 of the bytes behind an <img> (a blob: URL for an ipywidgets Image).
IMAGE_DIGEST = """
const [img, done] = arguments;
fetch(img.src).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b))
  .then(d => done([...new Uint8Array(d)].map(x => x.toString(16).padStart(2, '0')).join('')))
  .catch(e => done('error: ' + e));
"""


def _lab_in_chromium(tmp_path_factory, lab, profile: str):
    """Chromium (its own profile) with JupyterLab loaded; quit if Lab never loads."""
    driver = start_chromium(tmp_path_factory.mktemp(profile), 1280, 1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        driver.get(f"{lab['base']}/lab?reset&token={lab['token']}")
        _wait(
            driver,
            WAIT_CEILING,
            lambda d: d.find_elements(By.CSS_SELECTOR, "#jp-main-dock-panel"),
            "JupyterLab to load",
        )
    except BaseException:
        driver.quit()
        raise
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory, lab):
    """Chromium on JupyterLab: the classifier chapter runs first (it is the slow one), then convolutions."""
    driver = _lab_in_chromium(tmp_path_factory, lab, "chromium-profile")
    try:
        for name in (CLASSIFIER, CONVOLUTIONS):
            _open(driver, name)
            _menu(
                driver, "Edit", "editmenu:clear-all"
            )  # stored prompts and outputs would hide the new ones
            _menu(driver, "Run", "runmenu:run-all")
            _wait(
                driver,
                WAIT_CEILING,
                lambda d, n=name: "*" in _state(d, n)["counts"],
                f"{name} to start running",
            )
        yield driver
    finally:
        driver.quit()


def _wait(driver, seconds: float, condition, what: str):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A widget that re-renders while it is polled is looked at again, not a failure.
    return WebDriverWait(
        driver, seconds, poll_frequency=0.5, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition, f"timed out waiting for {what}")


def _state(driver, name: str) -> dict:
    return driver.execute_script(NOTEBOOK_STATE, name) or {
        "counts": [],
        "errors": [],
        "kernel": None,
    }


def _open(driver, name: str) -> None:
    """Open a notebook by double-clicking it in the file browser, and wait for its kernel."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.action_chains import ActionChains

    item = _wait(
        driver,
        WAIT_CEILING,
        lambda d: [
            i
            for i in d.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item")
            if i.get_attribute("title").startswith(f"Name: {name}\n") and i.is_displayed()
        ],
        f"{name} in the file browser",
    )[0]
    ActionChains(driver).double_click(item).perform()
    # On a busy machine the browser may take the two clicks as two single clicks (a double
    # click is a matter of timing): then the notebook is opened by the command the double
    # click runs, so the test waits on the notebook being open, not on the clicks' timing.
    try:
        _wait(
            driver, WAIT_CEILING, lambda d: driver.execute_script(OPENED, name), f"{name} to open"
        )
    except TimeoutException:
        driver.execute_script(
            "window.jupyterapp.commands.execute('docmanager:open', {path: arguments[0]});", name
        )
    _wait(driver, LONG, lambda d: _state(d, name)["kernel"] == "idle", f"the kernel of {name}")


def _menu(driver, top: str, command: str) -> None:
    """Click a menu bar entry, then the item that runs `command`."""
    driver.find_element(
        By.XPATH, f"//li[contains(@class, 'lm-MenuBar-item')][.//div[text()='{top}']]"
    ).click()
    _wait(
        driver,
        WAIT_CEILING,
        lambda d: d.find_elements(By.CSS_SELECTOR, f".lm-Menu-item[data-command='{command}']"),
        f"menu {top} > {command}",
    )[0].click()


def _show(driver, name: str) -> None:
    """Bring a notebook's tab to the front."""
    driver.find_element(
        By.XPATH, f"//li[contains(@class, 'lm-TabBar-tab')][.//div[text()='{name}']]"
    ).click()


def _finish(driver, name: str, seconds: float) -> None:
    """Wait until Run All is through the notebook; fail on any error output."""
    _wait(
        driver, seconds, lambda d: "*" not in _state(d, name)["counts"], f"{name} to finish running"
    )
    state = _state(driver, name)
    assert state["counts"], f"{name} is not open in JupyterLab"
    assert not state["errors"], f"{name} raised: {state['errors']}"
    unrun = state["counts"].count(None)
    assert unrun == 0, f"{name}: {unrun} of {len(state['counts'])} code cells did not run"


def _code_cell(driver, text: str):
    """The code cell whose source contains `text`."""
    cells = []
    for cell in driver.find_elements(
        By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell"
    ):
        editors = cell.find_elements(
            By.CSS_SELECTOR, ".cm-content"
        )  # none where the source is hidden
        if editors and text in editors[0].get_attribute("textContent"):
            cells.append(cell)
    assert len(cells) == 1, f"expected one code cell containing {text!r}, found {len(cells)}"
    return cells[0]


def _screenshot(driver, element, name: str) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    target = SHOTS / f"lab-{name}.png"
    assert driver.save_screenshot(str(target)) and target.stat().st_size > 10_000


def test_kernel_explorer_redraws(browser):
    """Convolutions runs top to bottom, and the kernel explorer redraws when its preset or a weight changes."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    _show(browser, CONVOLUTIONS)
    _finish(browser, CONVOLUTIONS, LONG)
    cell = _code_cell(browser, "kernel_explorer(image)")
    explorer = _wait(
        browser,
        WAIT_CEILING,
        lambda d: cell.find_elements(By.CSS_SELECTOR, ".widget-hbox .widget-image"),
        "the kernel explorer widget",
    )[0]
    preset = Select(cell.find_element(By.CSS_SELECTOR, ".widget-dropdown select"))
    info = cell.find_element(By.CSS_SELECTOR, ".widget-vbox .widget-html:last-child")
    assert preset.first_selected_option.text == "sobel_x"
    _wait(
        browser,
        WAIT_CEILING,
        lambda d: "sum of weights: 0" in info.text,
        "the explorer's description of sobel_x",
    )
    _screenshot(browser, explorer, "convolutions-kernel-explorer-sobel_x")
    digest = browser.execute_async_script(IMAGE_DIGEST, explorer)
    assert len(digest) == 64, f"could not read the explorer's image: {digest}"

    preset.select_by_visible_text("box_blur")
    _wait(
        browser,
        WAIT_CEILING,
        lambda d: d.execute_async_script(IMAGE_DIGEST, explorer) != digest,
        "the explorer's image to change after picking box_blur",
    )
    assert "sum of weights: 1" in info.text, info.text
    _screenshot(browser, explorer, "convolutions-kernel-explorer-box_blur")
    digest = browser.execute_async_script(IMAGE_DIGEST, explorer)

    centre = cell.find_elements(By.CSS_SELECTOR, ".widget-gridbox input")[4]  # the middle weight
    centre.send_keys(Keys.CONTROL, "a")
    centre.send_keys("2", Keys.ENTER)
    _wait(
        browser,
        WAIT_CEILING,
        lambda d: d.execute_async_script(IMAGE_DIGEST, explorer) != digest,
        "the explorer's image to change after editing a weight",
    )
    assert preset.first_selected_option.text == "custom"
    assert "your own kernel" in info.text, info.text


def test_exercise_feedback(browser):
    """A wrong answer to a convolutions exercise gets "Not yet: ...", the right one "Correct: ..."."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _show(browser, CONVOLUTIONS)
    _finish(browser, CONVOLUTIONS, LONG)
    cell = _code_cell(browser, "sizes = None")
    editor = cell.find_element(By.CSS_SELECTOR, ".cm-content")
    for answer, feedback, shot in (
        ("[24, 12, 6]", "Not yet: layer 3: you rounded up", "not-yet"),
        ("[24, 12, 5]", "Correct: the sizes are [24, 12, 5]", "correct"),
    ):
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
        editor.click()
        ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
        # Typed as a learner would; the editor closes brackets itself, and typing ] or ) steps over them.
        source = [
            "from course_utils.checks import check_output_sizes",
            f"sizes = {answer}",
            "layers = [nn.Conv2d(1, 1, 5), nn.Conv2d(1, 1, 3, stride=2, padding=1), "
            "nn.Conv2d(1, 1, 3, stride=2)]",
            "check_output_sizes(sizes, layers)",
        ]
        ActionChains(browser).send_keys(
            *[part for line in source for part in (line, Keys.ENTER)][:-1]
        ).perform()
        typed = [
            line.get_attribute("textContent")
            for line in editor.find_elements(By.CSS_SELECTOR, ".cm-line")
        ]
        assert typed == source, typed
        ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(
            Keys.SHIFT
        ).perform()
        output = cell.find_element(By.CSS_SELECTOR, ".jp-OutputArea")
        _wait(
            browser,
            WAIT_CEILING,
            lambda d, f=feedback, o=output: f in o.get_attribute("textContent"),
            f"the feedback {feedback!r}",
        )
        shown = output.get_attribute("textContent")
        assert ("Correct" in shown) != ("Not yet" in shown), shown
        _screenshot(browser, cell, f"convolutions-exercise-{shot}")


def test_training_progress_widget(browser):
    """The classifier chapter runs top to bottom; every `fit` shows a progress widget that fills up, green."""
    _show(browser, CLASSIFIER)
    _finish(browser, CLASSIFIER, LONG)
    bars = browser.find_elements(
        By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .widget-hprogress"
    )
    assert bars, f"no progress widget in {CLASSIFIER}"
    _wait(  # the widgets' last updates may arrive just after the cells finish
        browser,
        WAIT_CEILING,
        lambda d: all(
            "progress-bar-success"
            in b.find_element(By.CSS_SELECTOR, ".progress-bar").get_attribute("class")
            for b in bars
        ),
        "every progress widget to finish",
    )
    for bar in bars:
        row = bar.find_element(By.XPATH, "./ancestor::div[contains(@class, 'widget-hbox')][1]")
        text = row.get_attribute("textContent").replace(
            "\u2007", " "
        )  # tqdm pads with figure spaces
        done = re.search(r"100%.*?(\d+)/(\d+) \[", text)
        assert done and done[1] == done[2], f"a progress widget did not finish: {text}"
        fill = bar.find_element(By.CSS_SELECTOR, ".progress-bar")
        assert "progress-bar-success" in fill.get_attribute("class"), fill.get_attribute("class")
        assert fill.value_of_css_property("width") == bar.find_element(
            By.CSS_SELECTOR, ".progress"
        ).value_of_css_property("width"), "the bar is not full"
    _screenshot(browser, bars[-1], "training_a_classifier-progress")


# --- Reading a chapter in JupyterLab (issue 23): MyST rendered, solutions folded until opened ---

# Every MyST form the chapters use; opened from fresh copies in a folder of their own, which the
# Run All of the tests above (that un-folds the cells it runs, and autosaves) never touches.
READ = tuple(f"fresh/{chapter(topic).name}" for topic in ("convolutions", "backpropagation"))
# ... and the first chapter in Spanish (es/notebooks/), as `make lab-es` opens it.
SPANISH_READ = f"fresh/es-{chapter('convolutions').name}"


def _read_source(path: str) -> Path:
    name = Path(path).name
    if name.startswith("es-"):
        return ROOT / "es" / "notebooks" / name.removeprefix("es-")
    return ROOT / "notebooks" / name


# Rendered markdown of the cells now drawn, without code, code blocks and typeset math.
RENDERED_TEXT = """
return [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .myst')]
  .map(node => { const copy = node.cloneNode(true);
    copy.querySelectorAll('code, pre, .katex, script, style').forEach(n => n.remove());
    return copy.textContent; }).filter(text => text.trim());
"""
# How many markdown cells the open notebook has, and how many of them MyST has drawn.
RENDERED_COUNT = """
const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === arguments[0]);
const cells = panel.content.widgets.filter(c => c.model.type === 'markdown' && !c.inputHidden);
return [cells.length, cells.filter(c => c.node.querySelector('.myst > *')).length];
"""
# Each solution's cells, by JupyterLab's own state: whether the opening dropdown is closed, and
# for every later cell whether its source and outputs are folded and what its placeholder says.
SOLUTIONS = """
const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === arguments[0]);
const found = []; let current = null;
for (const [index, cell] of panel.content.widgets.entries()) {
  const source = cell.model.sharedModel.getSource();
  if (cell.model.type === 'markdown' && source.includes('{solution-end}')) { current = null; continue; }
  if (cell.model.type === 'markdown' && source.startsWith('```{solution-start}')) {
    current = {index, label: source.split('\\n')[0], cells: []}; found.push(current); continue;
  }
  if (current) current.cells.push({index, type: cell.model.type, inputHidden: cell.inputHidden,
    outputHidden: cell.model.type === 'code' ? cell.outputHidden : true,
    placeholder: (cell.node.querySelector('.jp-InputPlaceholder .jp-PlaceholderText') || {}).textContent});
}
return found;
"""
SCROLL_TO_CELL = """
const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === arguments[0]);
const cell = panel.content.widgets[arguments[1]];
return panel.content.scrollToCell(cell, 'center').then(() => true);
"""


@pytest.fixture(scope="module")
def reader(tmp_path_factory, lab):
    """Chromium on JupyterLab with the READ chapters open as a learner first sees them (not run)."""
    (lab["root"] / "fresh").mkdir(exist_ok=True)
    for path in (*READ, SPANISH_READ):
        shutil.copy2(_read_source(path), lab["root"] / path)
    driver = _lab_in_chromium(tmp_path_factory, lab, "reader-profile")
    try:
        yield driver
    finally:
        driver.quit()


def _read(driver, name: str) -> None:
    """Open a chapter without a kernel and wait until MyST has rendered its first cells."""
    driver.execute_script(
        "window.jupyterapp.commands.execute('docmanager:open', {path: arguments[0], kernel: {name: null}});",
        name,
    )
    _wait(driver, WAIT_CEILING, lambda d: d.execute_script(OPENED, name), f"{name} to open")
    _show(driver, Path(name).name)
    _wait(
        driver,
        WAIT_CEILING,
        lambda d: d.find_elements(
            By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .myst"
        ),
        f"jupyterlab-myst to render {name}",
    )


def _shown(element, css: str) -> bool:
    """Whether any element under `element` that matches `css` is displayed."""
    return any(found.is_displayed() for found in element.find_elements(By.CSS_SELECTOR, css))


@pytest.mark.parametrize("name", (*READ, SPANISH_READ))
def test_myst_renders_in_lab(reader, name):
    """No raw {term}, {ref}, {cite}, {eq}, {doc}, :label:, directive fences or $...$ in rendered markdown."""
    _read(reader, name)
    raw = re.compile(
        r"\{(term|ref|cite|eq|doc|numref|exercise|solution-start|solution-end)\}"
        r"|:label:|:class:|```|\$"
    )
    _wait(  # the server's settings turn off windowing: every cell is drawn, not just those in view
        reader,
        WAIT_CEILING,
        lambda d: len(set(d.execute_script(RENDERED_COUNT, name))) == 1,
        f"MyST to draw every markdown cell of {name}",
    )
    seen = reader.execute_script(RENDERED_TEXT)
    found = [
        f"...{text[max(0, m.start() - 40) : m.end() + 40]}..."
        for text in seen
        for m in raw.finditer(text)
    ]
    assert len(seen) > 20, f"{name}: only {len(seen)} markdown cells rendered"
    assert not found, f"{name}: raw MyST in Lab: {found[:5]}"
    exercises = reader.find_elements(
        By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .myst-exercise-title"
    )
    assert any(re.match(r"Exercise \d+", e.get_attribute("textContent")) for e in exercises), (
        "no exercise title rendered"
    )


@pytest.mark.parametrize("name", (READ[0], SPANISH_READ))
def test_solutions_hidden_until_opened(reader, name):
    """The first chapter's solutions: prose, code and outputs hidden at first; clicking opens each."""
    _read(reader, name)
    solutions = reader.execute_script(SOLUTIONS, name)
    assert len(solutions) >= 4, f"{name}: {len(solutions)} solutions found"
    for solution in solutions:
        for cell in solution["cells"]:
            assert cell["inputHidden"] and cell["outputHidden"], (
                f"{solution['label']}: {cell} shown"
            )
            # a folded cell shows its first line: a comment, not a line of the answer
            assert re.match(r"[#%] (Solution|Solución)", cell["placeholder"] or ""), (
                solution["label"],
                cell,
            )
    first = solutions[0]
    reader.execute_script(SCROLL_TO_CELL, name, first["index"])
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden) "
    details = _wait(
        reader,
        WAIT_CEILING,
        lambda d: d.find_elements(By.CSS_SELECTOR, panel + "details.myst-exercise"),
        "the solution dropdown",
    )[0]
    prose = details.find_element(By.CSS_SELECTOR, ".details-body p")
    code_cell = reader.find_element(
        By.CSS_SELECTOR,
        panel + f'.jp-Notebook-cell[data-windowed-list-index="{first["cells"][0]["index"]}"]',
    )
    placeholder = code_cell.find_element(By.CSS_SELECTOR, ".jp-InputPlaceholder")
    assert re.match(r"# (Solution|Solución)", placeholder.text), placeholder.text
    shot = "es-convolutions" if name == SPANISH_READ else "convolutions"
    assert details.get_attribute("open") is None and not prose.is_displayed(), (
        "the written answer shows"
    )
    assert not _shown(code_cell, ".jp-OutputArea-output"), "the solution's outputs show"
    assert not _shown(code_cell, ".jp-InputArea"), "the code shows"
    _screenshot(reader, details, f"{shot}-solution-closed")
    exercise = reader.find_element(By.CSS_SELECTOR, panel + "aside#ex-output-size")
    _screenshot(reader, exercise, f"{shot}-exercise")

    details.find_element(By.CSS_SELECTOR, "summary").click()
    _wait(reader, WAIT_CEILING, lambda d: prose.is_displayed(), "the written answer to open")
    placeholder.find_element(By.CSS_SELECTOR, ".jp-Placeholder-content").click()
    _wait(reader, WAIT_CEILING, lambda d: _shown(code_cell, ".jp-InputArea"), "the code to open")
    code_cell.find_element(By.CSS_SELECTOR, ".jp-OutputPlaceholder .jp-Placeholder-content").click()
    _wait(
        reader,
        WAIT_CEILING,
        lambda d: _shown(code_cell, ".jp-OutputArea-output"),
        "the outputs to open",
    )
    assert "[24, 12, 5]" in code_cell.find_element(By.CSS_SELECTOR, ".jp-OutputArea").text
    _screenshot(reader, details, f"{shot}-solution-open")
