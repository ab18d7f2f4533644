# The user's settings between the flash file (settings.py) and the running controller:
# restored once at start-up, saved once they have stopped changing. Only the per-tick watch
# lives here; reading and writing the file (JSON, checks, the atomic write, and this keeper's
# side of both: settings.restore(), settings.save()) is settings.py's code, loaded for those
# two moments and dropped after, so it holds no RAM while the control loop runs.
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

import programs
from faults import IDLE, PAUSED

PATH = "/settings.json"  # on flash; its format is settings.py's


def _settings():
    """settings.py for one restore or save, dropped from sys.modules straight away (what
    it builds keeps what it needs until it goes)."""
    import settings

    sys.modules.pop("settings", None)
    return settings


class SettingsKeeper:
    delay_ms = 5000  # quiet time after the last change before it is written
    retry_ms = 60000  # after a failed write

    def __init__(self, path, ctrl, make=None):
        """path: the settings file; ctrl: the Controller to restore into; make(path):
        the settings.py Settings for the file (None: settings.Settings; tests pass one that fails)."""
        self.path = path
        self.ctrl = ctrl
        self.make = make
        self.problem = ""  # what restore() found wrong; empty when the file was used as saved
        self.saves = 0
        self.failures = 0
        self.written = None  # (program, levels, session_min) the file holds; None = unknown
        # What the controller held at the last check (settings.py notes it after a restore or save).
        self.program = 0
        self.levels = [0] * programs.COUNT
        self.session_ms = 0
        self.pending = False  # a change not written yet
        self._quiet_ms = 0
        self._wait_ms = self.delay_ms

    def restore(self):
        """Load the file into the controller; returns `problem` ('' = used as saved).
        Any error while reading leaves the controller's defaults and says so."""
        return _settings().restore(self)

    def tick(self, dt, state):
        """Once per control tick. True when the settings were written this tick."""
        ctrl = self.ctrl
        p = ctrl.program
        if p != self.program or ctrl.levels[p] != self.levels[p] or ctrl.session_ms != self.session_ms:
            self.program = p
            self.levels[p] = ctrl.levels[p]
            self.session_ms = ctrl.session_ms
            self.pending = True
            self._quiet_ms = 0
            self._wait_ms = self.delay_ms
            return False
        if not self.pending:
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
        self.pending = False
        try:
            return _settings().save(self)
        except Exception as e:  # flash full or failing, no RAM for settings.py: never stop the loop
            self.written = None  # a write cut short may have moved the old file aside already
            self.failures += 1
            print("settings not saved (%s): retry in %d s" % (e, self.retry_ms // 1000))
            self.pending = True
            self._quiet_ms = 0
            self._wait_ms = self.retry_ms
            return False
