# The two commands a new user needs: `make run` and `make test`.
# Both set up everything on a fresh Debian machine with Python >= 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT := out

.PHONY: run test setup system-deps lint typecheck pytest docs bench clean

run: setup
	@mkdir -p $(OUT)
	$(BIN)/pathways validate pathways/ --today 2026-11-28 || true
	$(BIN)/pathways validate pathways/

test: setup lint typecheck pytest docs

setup: system-deps $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "pathways needs Python >= 3.11"' \
		|| { echo "error: $(PYTHON) is older than 3.11; run: make PYTHON=python3.11 ..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	@touch $(STAMP)

# Graphviz's `dot` draws the diagrams; fonts-khmeros has the Khmer glyphs.
system-deps:
	@if ! command -v dot >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi khmer; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing graphviz and Khmer fonts"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz fonts-khmeros >/dev/null; \
		else \
			echo "error: Graphviz 'dot' or the Khmer fonts are missing; run: sudo apt-get install -y graphviz fonts-khmeros"; \
			exit 1; \
		fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy --strict src

pytest: setup
	$(BIN)/pytest -q

docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(OUT) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
