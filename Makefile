# The two commands a new user needs: `make run` and `make test`.
# Both set up everything on a fresh Debian machine with Python >= 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT := out
PATHWAY_FILES := $(sort $(wildcard pathways/*/*.yaml))

.PHONY: run test setup system-deps test-deps lint typecheck pytest docs bench clean

run: setup
	@mkdir -p $(OUT)
	$(BIN)/pathways validate pathways/
	@set -e; for f in $(PATHWAY_FILES); do \
		id=$$($(BIN)/python -c 'import sys, pathways; print(pathways.load(sys.argv[1]).id)' $$f); \
		echo "$$id: render $(OUT)/$$id.svg, simulate $(OUT)/$$id.simulation.json"; \
		$(BIN)/pathways render $$f -o $(OUT)/$$id.svg --findings; \
		$(BIN)/pathways simulate $$f --cases 10000 --seed 0 --no-progress --format json \
			-o $(OUT)/$$id.simulation.json > /dev/null; \
	done
	$(BIN)/pathways simulate pathways/kh/csa-in-person.yaml --cases 10000 --seed 0 --no-progress
	$(BIN)/pathways report pathways/ -o $(OUT)
	@echo "open $(OUT)/index.html"

test: setup lint typecheck pytest docs

setup: system-deps $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "pathways needs Python >= 3.11"' \
		|| { echo "error: $(PYTHON) is older than 3.11; run: make PYTHON=python3.11 ..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	@touch $(STAMP)

# Graphviz's `dot` draws the diagrams; fonts-khmeros has the Khmer glyphs (both required).
# Chromium (the report's browser test) and the mermaid npm package (the Mermaid grammar test)
# are optional: without them those two tests skip and say why.
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

test-deps: system-deps
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium for the report's browser test"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
				|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
				|| echo "warning: chromium did not install; the browser test will skip"; \
		else \
			echo "note: no chromium; the browser test will skip (sudo apt-get install -y chromium)"; \
		fi; \
	fi
	@if command -v npm >/dev/null 2>&1 && [ ! -d tests/render/mermaid/node_modules/mermaid ]; then \
		echo "installing the mermaid parser for the Mermaid grammar test"; \
		(cd tests/render/mermaid && npm ci --silent --no-audit --no-fund >/dev/null 2>&1) \
			|| echo "warning: npm ci failed; the Mermaid grammar test will skip"; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy --strict src

pytest: setup test-deps
	$(BIN)/pytest -q

docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

bench: setup
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(OUT) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
