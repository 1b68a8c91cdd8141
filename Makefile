# perpdex — every target creates .venv (python3 -m venv) and installs the project into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Two workers, one test file each (module-scoped simulators stay in one worker): about half
# the wall time on two cores. `make test PYTEST_WORKERS=` runs in one process.
PYTEST_WORKERS ?= -n 2 --dist loadfile

.PHONY: demo test bench lint venv clean

venv: $(STAMP)

# Reinstall when the project metadata or the compat shims change.
$(STAMP): pyproject.toml $(wildcard compat/*/pyproject.toml) $(wildcard compat/*/*/*.py)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel
	@# paradex-py pins starknet-crypto-py<0.3 (Rust, no wheel beyond CPython 3.10): on 3.11+
	@# our pure-Python drop-in satisfies the pin first (docs/venues/paradex.md).
	@if [ -d compat/starknet-crypto-py ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
		$(PIP) install --quiet './compat/starknet-crypto-py[gmpy]'; fi
	$(PIP) install --quiet -e '.[all,dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/perpdex demo

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy exchange_clients strategies
	$(VENV)/bin/lint-imports
	@if [ -f ../shared/tools/check_layers.py ]; then $(PY) ../shared/tools/check_layers.py .; fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
