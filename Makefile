# Every target bootstraps .venv (Python 3.11) and installs the course package into it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NB_RUN := COURSE_PLAIN_PROGRESS=1 PYDEVD_DISABLE_FILE_VALIDATION=1

.PHONY: setup book test lint lab bench notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Book: $(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check course_utils tests benchmarks notebooks

test: $(STAMP) lint
	$(NB_RUN) $(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

notebooks: $(STAMP)
	$(NB_RUN) $(BIN)/python benchmarks/notebooks.py --save $(NB)

bench: $(STAMP)
	$(NB_RUN) $(BIN)/python benchmarks/notebooks.py
	$(BIN)/python benchmarks/classifier.py
	$(BIN)/python benchmarks/occlusion.py
	$(BIN)/python benchmarks/style_transfer.py

clean:
	rm -rf _build .pytest_cache .ruff_cache
