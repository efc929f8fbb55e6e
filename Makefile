# Two commands do all set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB := demo.duckdb
# sample_data runs to 2026-10-31 (its two deals exports are as of 2026-09-30 23:00 and
# 2026-10-31 23:00, from their names): every demo command runs as of the day after, so
# none says the sample is stale and rank, pulse and the pack pick 2026-10
DEMO_TODAY := 2026-11-01
MAVEN  := ../shared/data/maven-crm

.PHONY: demo test lint bytecode browser bench bench-full bench-scale realdata install-check sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# An editable install writes no bytecode, and with PYTHONDONTWRITEBYTECODE set no run
# does: each would compile every module again (20-60 ms of a 0.25 s report). A wheel's
# install compiles them; here compileall does, for the files changed since.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q salesfunnel >/dev/null

demo: export SALESFUNNEL_TODAY := $(DEMO_TODAY)
demo: $(STAMP) bytecode
	@echo "make demo: every command runs as of $(DEMO_TODAY) (SALESFUNNEL_TODAY), the day after the sample's last export"
	rm -f $(DEMO_DB) $(DEMO_DB).wal
	$(BIN)/salesfunnel load sample_data/ --db $(DEMO_DB)
	$(BIN)/salesfunnel info --db $(DEMO_DB)
	$(BIN)/salesfunnel conversion --db $(DEMO_DB)
	$(BIN)/salesfunnel conversion --by tier --db $(DEMO_DB)
	$(BIN)/salesfunnel rank --db $(DEMO_DB)
	$(BIN)/salesfunnel dropoff --db $(DEMO_DB)
	$(BIN)/salesfunnel churn --db $(DEMO_DB)
	$(BIN)/salesfunnel churn --list-early --since 2026-06-01 --db $(DEMO_DB)
	$(BIN)/salesfunnel tiers --db $(DEMO_DB)
	$(BIN)/salesfunnel plan --target-amount 1500000 --months 3 --db $(DEMO_DB)
	$(BIN)/salesfunnel pulse --date 2026-10-31 --db $(DEMO_DB)
	$(BIN)/salesfunnel stalled --db $(DEMO_DB)
	$(BIN)/salesfunnel movement --since 2026-09-30 --until 2026-10-31 --db $(DEMO_DB)
	rm -rf demo-pack
	@echo "The monthly pack (workbook, index.html, one page per rep):"
	$(BIN)/salesfunnel pack --out demo-pack --target-amount 500000 --db $(DEMO_DB)

# The browser tests need Debian's chromium: installed here when missing (as root, or
# through sudo); if that fails, the tests fail and say how to install it.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "make: installing chromium for the browser tests (apt-get)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium \
	  || echo "make: could not install chromium; the browser tests will fail"; }

test: $(STAMP) browser
	$(BIN)/ruff check salesfunnel tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check salesfunnel tests bench
	$(BIN)/lint-imports

bench: $(STAMP) bytecode
	$(BIN)/python -c "import pandas" 2>/dev/null || $(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --sizes 100k

bench-full: $(STAMP) bytecode
	$(BIN)/python -c "import pandas" 2>/dev/null || $(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --sizes 100k,1m,10m

# The scale run: 30M deals (6.4 GiB of CSV), peak RSS and disk use; low priority. A 12 GB
# DuckDB limit unless set (the default, at most 2 GiB, is too small for 30M deals).
bench-scale: $(STAMP) bytecode
	SALESFUNNEL_MEMORY_LIMIT=$${SALESFUNNEL_MEMORY_LIMIT:-12GB} nice $(BIN)/python bench/scale.py --deals 30000000

# The three reports on Maven Analytics' public CRM data set, when it sits beside the checkout,
# and rank --month 2017-06 against an independent count in plain DuckDB SQL (bench/maven_rank.py).
realdata: $(STAMP)
	@if [ ! -d $(MAVEN) ]; then echo "no $(MAVEN): nothing to do"; exit 0; fi; \
	rm -f maven.duckdb maven.duckdb.wal && \
	$(BIN)/salesfunnel load --config examples/maven-crm.toml $(MAVEN) --db maven.duckdb && \
	$(BIN)/salesfunnel conversion --by tier --db maven.duckdb && \
	$(BIN)/salesfunnel rank --month 2017-06 --db maven.duckdb && \
	$(BIN)/salesfunnel dropoff --db maven.duckdb && \
	$(BIN)/python bench/maven_rank.py $(MAVEN)

# A non-editable install into a fresh venv, used from another directory.
install-check:
	rm -rf /tmp/salesfunnel-install-check && $(PYTHON) -m venv /tmp/salesfunnel-install-check
	/tmp/salesfunnel-install-check/bin/pip install --quiet .
	cd /tmp && /tmp/salesfunnel-install-check/bin/salesfunnel --help >/dev/null && \
	/tmp/salesfunnel-install-check/bin/salesfunnel load $(CURDIR)/sample_data/ --db /tmp/salesfunnel-install-check/x.duckdb && \
	/tmp/salesfunnel-install-check/bin/salesfunnel conversion --db /tmp/salesfunnel-install-check/x.duckdb

sample: $(STAMP)
	$(BIN)/salesfunnel sample --out sample_data

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).wal demo-pack maven.duckdb maven.duckdb.wal .pytest_cache build dist
