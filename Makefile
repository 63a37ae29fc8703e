# Every target bootstraps .venv (Python 3.11) and installs the course package into it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Notebooks run for storing and testing see an isolated data folder (never the learner's own
# downloads or weights cache), hide progress bars, follow the course's one runtime policy, and
# fail any figure with overlapping or tiny text (course_utils/plotting/audit.py).
TEST_DATA := $(CURDIR)/.course-test-data
NB_ENV := COURSE_PLAIN_PROGRESS=1 PYDEVD_DISABLE_FILE_VALIDATION=1 COURSE_FIGURE_AUDIT=1 \
	COURSE_DATA_DIR=$(TEST_DATA) TORCH_HOME=$(TEST_DATA)/torch
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# "Other computers", whose float results differ from ours in the last digits. OTHER_CPU: torch's
# portable (non-vectorised) kernels, oneDNN and MKL limited to AVX2, and two threads instead of
# one. AVX2_CPU: torch's AVX2 kernels (most learners' laptops) with the course's one thread.
# OMP_WAIT_POLICY=PASSIVE: with two threads on a machine that is busy with other work (a shared
# CI runner), OpenMP threads that spin while they wait for each other made MobileNetV2's many
# small operations about 20x slower; passive waiting changes no result, only the waiting.
OTHER_CPU := ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 \
	COURSE_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
AVX2_CPU := ATEN_CPU_CAPABILITY=avx2 COURSE_NUM_THREADS=1

# torchvision's MobileNetV2 ImageNet weights (chapters on features, attributions and style
# transfer), verified by their full SHA-256: once into the learner's torch cache (for `make lab`;
# offline, a notice and no error) and once into the isolated folder the tests use.
WEIGHTS := $(TEST_DATA)/torch/hub/checkpoints/mobilenet_v2-b0353104.pth

.PHONY: setup book test check test-other-cpu lint format lab lab-es bench notebooks translations sync clean

setup: $(STAMP) $(WEIGHTS)

$(WEIGHTS): $(STAMP)
	-@$(BIN)/python -m course_utils download mobilenet_v2 >/dev/null 2>&1 \
		|| echo "note: the ImageNet weights could not be fetched for JupyterLab now (offline?)"
	TORCH_HOME=$(TEST_DATA)/torch $(BIN)/python -m course_utils download mobilenet_v2

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

# Both editions, side by side, strict (-W -n): English at _build/html/, Spanish at _build/html/es/.
book: setup
	$(BIN)/python tools/build_book.py

LINTED := course_utils tests tools benchmarks notebooks book/_ext

# The same checks as .pre-commit-config.yaml: ruff's rules (line length included) and its formatter.
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP)
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

# The fast path while editing (about a minute): lint, unit and hygiene tests; no notebook runs,
# no book build, no browser.
check: setup lint
	$(NB_ENV) $(BIN)/python -m pytest tests -m "not slow" -q

# The full suite: everything in `check`, the book build, the browser tests, and nbval on every
# notebook with the tolerances the cells declare.
test: setup lint
	$(NB_ENV) $(BIN)/python -m pytest tests notebooks es/notebooks $(NBVAL)

# The notebooks twice more, as two other processors would run them (CI runs this after
# `make test`): portable kernels with two threads, then AVX2 kernels with one thread. The
# Spanish chapters run the same code (only words differ): they run once more, on the portable
# kernels, the setting farthest from the one their outputs were stored with.
test-other-cpu: setup
	$(NB_ENV) $(OTHER_CPU) $(BIN)/python -m pytest notebooks es/notebooks $(NBVAL) -q
	$(NB_ENV) $(AVX2_CPU) $(BIN)/python -m pytest notebooks $(NBVAL) -q

lab: setup
	$(BIN)/jupyter lab notebooks

# The Spanish chapters (la edición en español).
lab-es: setup
	$(BIN)/jupyter lab es/notebooks

# Bring each notebook and its MyST twin (notebooks/md/) in line: the newer file's cells win, the
# notebook keeps its outputs. Run it after editing either; then `make notebooks NB=...` to execute.
sync: $(STAMP)
	$(BIN)/jupytext --sync notebooks/*.ipynb

# Re-execute notebooks and store their outputs (all, or NB=notebooks/01_convolutions.ipynb):
# the English chapters, then their Spanish twins, regenerated from the catalogues first.
ES_NB = $(if $(NB),$(patsubst notebooks/%,es/notebooks/%,$(NB)),$(wildcard es/notebooks/*.ipynb))
notebooks: setup
	$(NB_ENV) $(BIN)/python tools/execute_notebooks.py $(NB)
	$(BIN)/python tools/translations.py notebooks
	$(NB_ENV) $(BIN)/python tools/execute_notebooks.py $(ES_NB)

# After an English edit: bring the Spanish catalogues (pages and course_utils) up to date, then
# list what awaits translation. CONTRIBUTING.md, "Translating", has the whole loop.
translations: $(STAMP)
	$(BIN)/python tools/translations.py extract
	$(BIN)/python tools/course_utils_catalogue.py
	-$(BIN)/python tools/translations.py check

bench: setup
	$(NB_ENV) $(BIN)/python benchmarks/notebooks.py
	$(NB_ENV) $(BIN)/python benchmarks/spreads.py
	$(BIN)/python benchmarks/classifier.py
	$(BIN)/python benchmarks/occlusion.py
	$(BIN)/python benchmarks/style_transfer.py
	TORCH_HOME=$(TEST_DATA)/torch $(BIN)/python benchmarks/imagenet.py
	$(BIN)/python benchmarks/reliability.py
	$(BIN)/python benchmarks/comparison.py
	$(BIN)/python benchmarks/book.py

clean:
	rm -rf _build .pytest_cache .ruff_cache .course-test-data
