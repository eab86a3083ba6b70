# 街道治理数据驾驶舱 — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
WAREHOUSE := $(or $(WAREHOUSE_DB),data/warehouse.duckdb)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help venv install system-deps demo run test bench bench-large bench-viewers lint clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "需要 Python 3.11（当前：$$($(PYTHON) --version)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned packages (again only when requirements*.txt change)

venv: install ## Same as install

system-deps: ## Install Debian packages the app and its tests use (chromium, CJK fonts, LibreOffice, poppler)
	@if command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
		&& command -v soffice >/dev/null && command -v pdftoppm >/dev/null; then \
		echo "system packages present"; \
	elif command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			chromium fonts-noto-cjk fontconfig libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils >/dev/null \
			&& echo "installed chromium, fonts-noto-cjk, LibreOffice (Writer, Calc), poppler-utils"; \
	else \
		echo "apt-get not found: install chromium, Noto CJK fonts, LibreOffice and poppler-utils by other means"; \
	fi

demo: install ## Build the demo warehouse from data/demo/ if it is missing
	@if [ ! -f "$(WAREHOUSE)" ]; then $(PY) -m etl demo --db "$(WAREHOUSE)"; else echo "warehouse present: $(WAREHOUSE)"; fi

run: install system-deps demo ## Install, build the demo warehouse if missing, start the app
	WAREHOUSE_DB="$(WAREHOUSE)" $(VENV)/bin/streamlit run dashboard.py

test: install system-deps ## Run the whole test suite, one worker per core
	$(PY) -m pytest -n auto --dist worksteal

bench: install ## Run the benchmarks and print ratios (results in bench/results.md)
	$(PY) -m bench

bench-large: install ## City-scale benchmark: BENCH_TASKS tasks (default 10,000,000) and every ledger in proportion
	nice -n 10 $(PY) -m bench.bench_large

bench-viewers: install system-deps ## 10 browser sessions change filters while 100,000 rows load; prints re-render p50/p95
	VIEWER_LOAD_ROWS=100000 $(PY) -m pytest -p no:cacheprovider -s -q tests/browser/test_many_viewers.py

lint: install ## Ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean: ## Remove built warehouses, caches and published map files (keeps .venv and data/demo)
	rm -rf data/warehouse.duckdb* .pytest_cache test-output bench/out static/maps
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
