# The user's settings between the flash file (settings.py) and the running controller:
# restored once at start-up, saved once they have stopped changing. settings.py (JSON,
# checks, the atomic write) is loaded only for those two moments and dropped after, so
# its code holds no RAM while the control loop runs.
#
# - restore(): anything wrong with the file (missing, truncated, malformed, out of
#   range, a program this board cannot run) leaves safe defaults in the controller and
#   says what in `problem`; the file itself is not touched, so nothing saved is lost
#   until the user changes a setting.
# - tick(), once per control tick: a few integer comparisons, no allocation. A change
#   is written after `delay_ms` without further change, and only while no fill runs
#   (IDLE or PAUSED): no flash wear per button press, no flash write mid-wave. A
#   failing write is reported on the console and retried after `retry_ms`.
import sys

from micropython import const

import programs
from faults import IDLE, PAUSED

PATH = "/settings.json"  # on flash; its format is settings.py's
_MS_PER_MIN = const(60000)


def _settings(path):
    """A settings.py Settings for `path`; the module is dropped again straight away
    (the object keeps what it needs until it goes)."""
    from settings import Settings

    sys.modules.pop("settings", None)
    return Settings(path)


class SettingsKeeper:
    delay_ms = 5000  # quiet time after the last change before it is written
    retry_ms = 60000  # after a failed write

    def __init__(self, path, ctrl, make=_settings):
        """path: the settings file; ctrl: the Controller to restore into; make(path):
        the settings.py Settings for the file (tests pass one that fails)."""
        self.path = path
        self.ctrl = ctrl
        self._make = make
        self.problem = ""  # what restore() found wrong; empty when the file was used as saved
        self.saves = 0
        self.failures = 0
        self._written = None  # (program, levels, session_min) the file holds; None = unknown
        self._program = 0  # what the controller held at the last check
        self._levels = [0] * programs.COUNT
        self._session_ms = 0
        self._pending = False
        self._quiet_ms = 0
        self._wait_ms = self.delay_ms

    def restore(self):
        """Load the file into the controller; returns `problem` ('' = used as saved)."""
        try:
            s = self._make(self.path)
            s.load()
        except Exception as e:  # e.g. a file too big for the heap: never a reason not to boot
            # The controller keeps the defaults it was built with.
            self.problem = "settings not read (%s), defaults used" % e
        else:
            if not s.problem:
                self._written = (s.program, tuple(s.levels), s.session_min)
            self.problem = s.apply_to(self.ctrl)
        self._seen()
        return self.problem

    def _seen(self):
        ctrl = self.ctrl
        self._program = ctrl.program
        for i in range(programs.COUNT):
            self._levels[i] = ctrl.levels[i]
        self._session_ms = ctrl.session_ms

    def tick(self, dt, state):
        """Once per control tick. True when the settings were written this tick."""
        ctrl = self.ctrl
        p = ctrl.program
        if p != self._program or ctrl.levels[p] != self._levels[p] or ctrl.session_ms != self._session_ms:
            self._program = p
            self._levels[p] = ctrl.levels[p]
            self._session_ms = ctrl.session_ms
            self._pending = True
            self._quiet_ms = 0
            self._wait_ms = self.delay_ms
            return False
        if not self._pending:
            return False
        if self._quiet_ms < self._wait_ms:
            self._quiet_ms += dt
            return False
        if state != IDLE and state != PAUSED:
            return False  # a wave is running (or a fault latched): wait
        return self.save()

    def save(self):
        """Write what the controller holds, unless the file already says exactly that.
        Never raises for a flash problem: reports it and retries later."""
        self._pending = False
        ctrl = self.ctrl
        self._seen()
        now = (ctrl.program, tuple(ctrl.levels), ctrl.session_ms // _MS_PER_MIN)
        if now == self._written:
            return False  # changed and changed back: nothing to write
        try:
            s = self._make(self.path)
            s.program, s.session_min = now[0], now[2]
            for i in range(programs.COUNT):
                s.levels[i] = now[1][i]
            s.save()
        except Exception as e:  # flash full or failing, no RAM for settings.py: never stop the loop
            self._written = None  # a write cut short may have moved the old file aside already
            self.failures += 1
            print("settings not saved (%s): retry in %d s" % (e, self.retry_ms // 1000))
            self._pending = True
            self._quiet_ms = 0
            self._wait_ms = self.retry_ms
            return False
        self._written = now
        self.saves += 1
        return True
