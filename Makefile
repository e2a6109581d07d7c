# The two commands a new user needs: `make run` and `make test`.
# Both set up everything on a fresh Debian machine with Python >= 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT := out
PATHWAY_FILES := $(sort $(wildcard pathways/*/*.yaml))

.PHONY: messages run test test-thorough fuzz mutate setup system-deps test-deps lint typecheck pytest docs bench clean

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

# The structural fuzzer (pathways.testing.fuzz, Hypothesis) for FUZZ_SECONDS (default 600).
FUZZ_SECONDS ?= 600
fuzz: setup
	$(BIN)/python -m pathways.testing.fuzz --seconds $(FUZZ_SECONDS)

setup: system-deps $(STAMP) messages

# The message catalogues (src/pathways/locale/*/LC_MESSAGES/pathways.po) compiled to .mo; a
# checkout without them still works (pathways.i18n compiles a .po in memory on first use).
messages: $(STAMP)
	@$(BIN)/pybabel compile --use-fuzzy -d src/pathways/locale -D pathways --statistics 2>&1 | tail -n 1

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "pathways needs Python >= 3.11"' \
		|| { echo "error: $(PYTHON) is older than 3.11; run: make PYTHON=python3.11 ..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,postgres]'
	@touch $(STAMP)

# Graphviz's `dot` draws the diagrams; fonts-khmeros has the Khmer glyphs (both required).
# The tests also need Chromium (the report's and bpmn-js browser tests), the mermaid npm package
# (the Mermaid grammar test) and bpmn-js (the BPMN export tests): `test-deps` installs them;
# without them those tests fail and say why.
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
				|| echo "warning: chromium did not install; the browser tests will fail"; \
		else \
			echo "note: no chromium; the browser tests will fail (sudo apt-get install -y chromium)"; \
		fi; \
	fi
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Node.js and npm for the Mermaid grammar test"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
				|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) \
				|| echo "warning: npm did not install; the Mermaid grammar test will fail"; \
		else \
			echo "note: no npm; the Mermaid grammar test will fail (sudo apt-get install -y nodejs npm)"; \
		fi; \
	fi
	@# PostgreSQL: the store contract tests start a throwaway server from its binaries
	@# (initdb/pg_ctl in a temporary directory, as the postgres user when run as root).
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing PostgreSQL for the store tests"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
				|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
				|| echo "warning: postgresql did not install; the PostgreSQL store tests will fail"; \
		else \
			echo "note: no PostgreSQL; the PostgreSQL store tests will fail (sudo apt-get install -y postgresql, or set PATHWAYS_TEST_POSTGRES to a DSN)"; \
		fi; \
	fi
	@# The mermaid parser is restored here, from the committed lock file (npm's cache first),
	@# so the test itself never reaches the network; node_modules is not committed.
	@if command -v npm >/dev/null 2>&1 && [ ! -d tests/render/mermaid/node_modules/mermaid ]; then \
		echo "installing the mermaid parser for the Mermaid grammar test (npm ci)"; \
		(cd tests/render/mermaid && npm ci --prefer-offline --silent --no-audit --no-fund >/dev/null 2>&1) \
			|| echo "warning: npm ci failed; the Mermaid grammar test will fail"; \
	fi
	@# bpmn-js (and bpmn-moddle's copy of the BPMN 2.0 XSD) for the BPMN export tests, the same way.
	@if command -v npm >/dev/null 2>&1 && [ ! -d tests/bpmn/bpmnjs/node_modules/bpmn-js ]; then \
		echo "installing bpmn-js for the BPMN export tests (npm ci)"; \
		(cd tests/bpmn/bpmnjs && npm ci --prefer-offline --silent --no-audit --no-fund >/dev/null 2>&1) \
			|| echo "warning: npm ci failed; the BPMN export tests will fail"; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy --strict src

# `make test` runs the derandomized `ci` Hypothesis profile (tests/hyp.py): the same examples
# every run. `make test-thorough` draws ten times as many, at random.
pytest: setup test-deps
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -p no:cacheprovider

test-thorough: setup test-deps
	HYPOTHESIS_PROFILE=thorough PATHWAYS_STRESS_SECONDS=30 PATHWAYS_SIGKILL_TRIALS=200 \
		$(BIN)/pytest -q -p no:cacheprovider

# Mutation testing (docs/development.md, "Mutation testing"): the 19 recorded one-line mutants
# of the core semantics, each against the tests that must kill it, then mutmut on the core
# modules for at most MUTATE_MINUTES, printing the survivors.
MUTATE_MINUTES ?= 20
mutate: setup test-deps
	$(BIN)/python -m pip install --quiet "mutmut>=3.3"
	$(BIN)/python tests/mutants.py
	$(BIN)/python tests/mutmut_run.py --minutes $(MUTATE_MINUTES)

docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

bench: setup
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(OUT) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
