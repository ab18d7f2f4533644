# The settings keeper (settings_io.py) on the controller alone, for CPython (pytest) and
# the MicroPython unix port (host_tests/core/run.py): plain asserts. Under MicroPython
# the per-tick check also runs under heap_lock(), so "allocates nothing" is real there.
import json
import os
import sys

import micropython

import controller
import faults
import led
import programs
from settings import Settings
from settings_io import SettingsKeeper
from support import board, fresh_path, ticks_diff, write

GRADIENT = programs.find("gradient")
RECOVERY = programs.find("recovery")
def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def read(path):
    with open(path) as f:
        return f.read()


def keeper(path, topology="inlet+vent", make=None):
    ctrl = controller.Controller(board(4, topology), ticks_diff)
    k = SettingsKeeper(path, ctrl, make) if make else SettingsKeeper(path, ctrl)
    return k, ctrl


def ticks(k, n, state=faults.IDLE):
    wrote = 0
    for _ in range(n):
        if k.tick(25, state):
            wrote += 1
    return wrote


SAVED = '{"program": "recovery", "levels_mmhg": {"gradient": 40, "recovery": 60}, "session_min": 20}'


def test_restore_puts_every_saved_field_into_the_controller():
    path = fresh_path("keeper")
    write(path, SAVED)
    k, ctrl = keeper(path)
    assert k.restore() == ""
    assert ctrl.program == RECOVERY and ctrl.levels[:2] == [400, 600] and ctrl.session_ms == 20 * 60000
    assert ticks(k, 400) == 0  # nothing changed: nothing written, ever
    assert read(path) == SAVED and not exists(path + ".bak")


def test_bad_file_gives_defaults_and_a_problem_but_stays_on_flash():
    for text in ("", '{"program": "recov', "{]", '{"program": "turbo"}', '{"session_min": 0}'):
        path = fresh_path("keeper")
        write(path, text)
        k, ctrl = keeper(path)
        assert k.restore()
        assert ctrl.program == GRADIENT and ctrl.levels == [p[programs.LEVEL_DEFAULT] for p in programs.PROGRAMS]
        assert ticks(k, 400) == 0
        assert read(path) == text


def test_a_program_the_board_cannot_run_falls_back_to_one_it_can():
    path = fresh_path("keeper")
    write(path, SAVED)
    k, ctrl = keeper(path, "inlet+exhaust")
    problem = k.restore()
    assert "recovery cannot run on this board" in problem, problem
    assert ctrl.program == GRADIENT and ctrl.can_run(ctrl.program)
    assert ctrl.levels[:2] == [400, 600] and ctrl.session_ms == 20 * 60000  # the rest kept
    assert ticks(k, 400) == 0 and read(path) == SAVED
    ctrl.levels[GRADIENT] = 450  # the user changes something: now the file is replaced
    assert ticks(k, 400) == 1
    assert json.loads(read(path))["program"] == "gradient"


class Unreadable(Settings):
    def load(self):
        raise MemoryError("file too big")


def test_any_error_while_reading_gives_defaults():
    path = fresh_path("keeper")
    k, ctrl = keeper(path, make=Unreadable)
    assert "file too big" in k.restore()
    assert ctrl.program == GRADIENT and ctrl.session_ms == 30 * 60000


def test_a_change_is_written_once_after_the_quiet_delay_and_only_when_idle_or_paused():
    path = fresh_path("keeper")
    k, ctrl = keeper(path)
    k.restore()
    quiet = SettingsKeeper.delay_ms // 25
    ctrl.levels[GRADIENT] = 500
    assert ticks(k, quiet - 2) == 0 and not exists(path)
    ctrl.levels[GRADIENT] = 550  # another press restarts the wait
    assert ticks(k, quiet - 2) == 0 and not exists(path)
    assert ticks(k, 400, faults.RUNNING) == 0 and not exists(path)  # never mid-wave
    assert ticks(k, 1, faults.FAULT) == 0 and not exists(path)
    assert ticks(k, 1, faults.PAUSED) == 1
    assert json.loads(read(path))["levels_mmhg"]["gradient"] == 55
    assert ticks(k, 400) == 0 and k.saves == 1
    assert "settings" not in sys.modules  # loaded for the save, then dropped again


def test_changed_and_changed_back_writes_nothing():
    path = fresh_path("keeper")
    write(path, SAVED)
    k, ctrl = keeper(path)
    k.restore()
    ctrl.select_program(GRADIENT)
    k.tick(25, faults.IDLE)
    ctrl.select_program(RECOVERY)
    assert ticks(k, 400) == 0 and k.saves == 0 and not exists(path + ".bak")


class FailingFs:
    def __init__(self):
        self.calls = 0

    def remove(self, p):
        os.remove(p)

    def rename(self, a, b):
        self.calls += 1
        raise OSError(28)  # ENOSPC


def test_a_failing_write_is_reported_not_raised_and_retried_later():
    path = fresh_path("keeper")
    fs = FailingFs()
    k, ctrl = keeper(path, make=lambda p: Settings(p, fs))
    k.restore()
    ctrl.levels[GRADIENT] = 500
    assert ticks(k, 400) == 0 and k.failures == 1
    assert ticks(k, SettingsKeeper.retry_ms // 25 + 2) == 0 and k.failures == 2
    assert fs.calls >= 2


class CutAfterBackup:
    """The old file is moved aside to .bak, then the new one cannot take its place."""

    def __init__(self):
        self.fail = True

    def remove(self, p):
        os.remove(p)

    def rename(self, a, b):
        if self.fail and a.endswith(".tmp"):
            raise OSError(5)  # EIO
        os.rename(a, b)


def test_after_a_write_cut_short_a_change_back_is_still_written():
    path = fresh_path("keeper")
    write(path, SAVED)
    fs = CutAfterBackup()
    k, ctrl = keeper(path, make=lambda p: Settings(p, fs))
    k.restore()
    assert ctrl.program == RECOVERY
    ctrl.levels[RECOVERY] = 650
    assert ticks(k, 400) == 0 and k.failures == 1 and not exists(path)  # only the .bak is left
    fs.fail = False
    ctrl.levels[RECOVERY] = 600  # back to what the file said before
    assert ticks(k, 400) == 1 and json.loads(read(path))["levels_mmhg"]["recovery"] == 60


def test_the_per_tick_check_allocates_nothing():
    path = fresh_path("keeper")
    write(path, SAVED)
    k, ctrl = keeper(path)
    k.restore()
    k.tick(25, faults.IDLE)
    state = faults.RUNNING
    micropython.heap_lock()
    try:
        for _ in range(100):
            k.tick(25, state)
        ctrl.levels[RECOVERY] = 650  # a change seen, the wait restarted: still no allocation
        for _ in range(100):
            k.tick(25, state)
    finally:
        micropython.heap_unlock()
    assert k.saves == 0


def test_the_settings_reset_notice_plays_over_the_state_allocates_nothing_and_yields_to_a_fault():
    class Pin:
        level = 0
        rises = 0

        def value(self, v):
            if v and not self.level:
                self.rises += 1
            self.level = v

    pin = Pin()
    lamp = led.Led(pin.value)  # a pin, not a list: appending would allocate under the lock
    lamp.show(led.SETTINGS_RESET, led.SETTINGS_RESET_MS)
    seen = [0] * (led.SETTINGS_RESET_MS // 25 + 40)
    states = (faults.ZEROING, faults.IDLE)
    micropython.heap_lock()
    try:
        lamp.update(0, faults.ZEROING, 0)
        seen[0] = lamp.level
        for k in range(1, len(seen)):
            lamp.update(25, states[(k // 80) % 2], 0)  # zeroing, then idle: the notice plays on
            seen[k] = lamp.level
    finally:
        micropython.heap_unlock()
    seg = led.SETTINGS_RESET
    assert seen[:seg[0] // 25] == [1] * (seg[0] // 25)  # the long flash, from the first tick
    assert seen[seg[0] // 25:(seg[0] + seg[1]) // 25] == [0] * (seg[1] // 25)
    lamp.show(led.SETTINGS_RESET, led.SETTINGS_RESET_MS)
    lamp.update(0, faults.IDLE, 0)
    lamp.update(25, faults.FAULT, 1)  # a fault ends the notice at once
    assert lamp.level == 1
    for _ in range(10):
        lamp.update(25, faults.FAULT, 1)
    assert lamp.level == 0  # fault 1: a 150 ms flash, then off, not the notice's 900 ms
    rises = pin.rises
    for _ in range(200):
        lamp.update(25, faults.IDLE, 0)
    assert pin.rises - rises == 6  # the idle heartbeat, two flashes every 2 s over 5 s: no notice
