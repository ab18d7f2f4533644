# The user's settings between the flash file (settings.py) and the running controller:
# restored once at start-up, saved once they have stopped changing.
#
# - restore(): anything wrong with the file (missing, truncated, malformed, out of
#   range, a program this board cannot run) leaves safe defaults in the controller and
#   says what in `problem`; the file itself is not touched, so nothing saved is lost
#   until the user changes a setting.
# - tick(), once per control tick: a few integer comparisons, no allocation. A change
#   is written after `delay_ms` without further change, and only while no fill runs
#   (IDLE or PAUSED): no flash wear per button press, no flash write mid-wave. A
#   failing write is reported on the console and retried after `retry_ms`.
import programs as P
from controller import IDLE, PAUSED
from settings import Settings

_MS_PER_MIN = 60000


class SettingsKeeper:
    delay_ms = 5000  # quiet time after the last change before it is written
    retry_ms = 60000  # after a failed write

    def __init__(self, settings, ctrl):
        """settings: a Settings (not yet loaded); ctrl: the Controller to restore into."""
        self.settings = settings
        self.ctrl = ctrl
        self.problem = ""  # what restore() found wrong; empty when the file was used as saved
        self.saves = 0
        self.failures = 0
        self._program = 0  # what the controller held at the last check
        self._levels = [0] * P.COUNT
        self._session_ms = 0
        self._pending = False
        self._quiet_ms = 0
        self._wait_ms = self.delay_ms

    def restore(self):
        """Load the file into the controller; returns `problem` ('' = used as saved)."""
        s = self.settings
        try:
            s.load()
            problem = s.problem
        except Exception as e:  # e.g. a file too big for the heap: never a reason not to boot
            problem = "settings not read (%s), defaults used" % e
            fresh = Settings(s.path)
            s.program, s.levels, s.session_min = fresh.program, fresh.levels, fresh.session_min
            s.problem = problem
        ctrl = self.ctrl
        for i in range(P.COUNT):
            ctrl.levels[i] = s.levels[i]
        if not ctrl.select_program(s.program):
            for i in range(P.COUNT):  # the first program this board can run
                if ctrl.select_program(i):
                    break
            text = "program %s cannot run on this board (it needs a vent valve per chamber), %s used" % (
                P.NAMES[s.program], P.NAMES[ctrl.program])
            problem = problem + "; " + text if problem else text
        ctrl.session_ms = s.session_min * _MS_PER_MIN
        self.problem = problem
        self._seen()
        return problem

    def _seen(self):
        ctrl = self.ctrl
        self._program = ctrl.program
        for i in range(P.COUNT):
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
        s = self.settings
        ctrl = self.ctrl
        self._seen()
        same = not s.problem and s.program == ctrl.program and s.session_min * _MS_PER_MIN == ctrl.session_ms
        for i in range(P.COUNT):
            if s.levels[i] != ctrl.levels[i]:
                same = False
            s.levels[i] = ctrl.levels[i]
        if same:
            return False  # changed and changed back: nothing to write
        s.program = ctrl.program
        s.session_min = ctrl.session_ms // _MS_PER_MIN
        try:
            s.save()
        except (OSError, MemoryError) as e:
            self.failures += 1
            print("settings not saved (%s): retry in %d s" % (e, self.retry_ms // 1000))
            self._pending = True
            self._quiet_ms = 0
            self._wait_ms = self.retry_ms
            return False
        self.saves += 1
        return True
