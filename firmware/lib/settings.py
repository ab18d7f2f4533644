# User settings on flash: selected program, pressure level and session length.
# Saved as JSON with an atomic write (temporary file, then rename), keeping the
# previous good file as a backup, so a reset in the middle of a write never loses
# what was saved before. Anything missing, truncated, malformed or out of range
# falls back to safe defaults, field by field, and says so in `problem`.
import json
import os

import limits
import programs


class Settings:
    def __init__(self, path, fs=os):
        self.path = path
        self._fs = fs
        self.program = 0
        self.levels = [p[programs.LEVEL_DEFAULT] for p in programs.PROGRAMS]  # dmmHg per program
        self.session_min = limits.SESSION_DEFAULT_MIN
        self.problem = ""  # empty when the file was read cleanly

    # ---- reading ----------------------------------------------------------------------
    def load(self):
        """Read the file (or its backup); returns True when it was read cleanly."""
        data = None
        for candidate in (self.path, self.path + ".bak"):
            data = self._read(candidate)
            if data is not None:
                if candidate != self.path:
                    self._note("main file unreadable, backup used")
                break
        if data is None:
            if not self.problem:
                self._note("no settings file, defaults used")
            return False
        self._apply(data)
        return not self.problem

    def _read(self, path):
        try:
            with open(path) as f:
                data = json.loads(f.read())
        except OSError:
            return None  # missing
        except ValueError:
            self._note("%s malformed" % path)
            return None
        if not isinstance(data, dict):
            self._note("%s is not an object" % path)
            return None
        return data

    def _apply(self, data):
        name = data.get("program")
        index = programs.find(name) if isinstance(name, str) else -1
        if index < 0:
            self._note("unknown program %r, using %s" % (name, programs.NAMES[0]))
            index = 0
        self.program = index
        levels = data.get("levels_mmhg")
        if isinstance(levels, dict):
            for i in range(programs.COUNT):
                value = levels.get(programs.NAMES[i])
                if value is None:
                    continue
                if isinstance(value, int) and not isinstance(value, bool) and \
                        programs.clamp_level(i, value * 10) == value * 10:
                    self.levels[i] = value * 10
                else:
                    self._note("level %r for %s out of range, default used" % (value, programs.NAMES[i]))
        elif levels is not None:
            self._note("levels_mmhg malformed, defaults used")
        minutes = data.get("session_min")
        if minutes is not None:
            if isinstance(minutes, int) and not isinstance(minutes, bool) and \
                    limits.SESSION_MIN_MIN <= minutes <= limits.SESSION_MAX_MIN:
                self.session_min = minutes
            else:
                self._note("session_min %r out of range %d..%d, default used" % (
                    minutes, limits.SESSION_MIN_MIN, limits.SESSION_MAX_MIN))

    def _note(self, text):
        self.problem = text if not self.problem else self.problem + "; " + text

    def apply_to(self, ctrl):
        """Put these settings into the Controller; returns what was wrong: the file's
        problems and a saved program this board cannot run ('' = used as saved)."""
        problem = self.problem
        for i in range(programs.COUNT):
            ctrl.levels[i] = self.levels[i]
        if not ctrl.select_program(self.program):
            for i in range(programs.COUNT):  # the first program this board can run
                if ctrl.select_program(i):
                    break
            text = "program %s cannot run on this board (it needs a vent valve per chamber), %s used" % (
                programs.NAMES[self.program], programs.NAMES[ctrl.program])
            problem = problem + "; " + text if problem else text
        ctrl.session_ms = self.session_min * 60000
        return problem

    # ---- writing ----------------------------------------------------------------------
    def to_json(self, kept=None):
        """kept: levels the file already holds for programs this firmware does not have."""
        levels = dict(kept) if kept else {}
        for i in range(programs.COUNT):
            levels[programs.NAMES[i]] = self.levels[i] // 10
        return json.dumps({"program": programs.NAMES[self.program], "levels_mmhg": levels,
                           "session_min": self.session_min})

    def _kept_levels(self):
        """The levels the file (or its backup) holds for programs this firmware does not have,
        e.g. a custom program from a /programs.json since refused or removed: a save keeps them,
        so putting the file right brings them back."""
        kept = {}  # type: dict[str, int]
        for candidate in (self.path, self.path + ".bak"):
            data = self._read(candidate)
            if data is not None:
                levels = data.get("levels_mmhg")
                if isinstance(levels, dict):
                    for name, value in levels.items():
                        if (programs.find(name) < 0 and isinstance(value, int) and not isinstance(value, bool)
                                and 0 < value <= limits.HARD_LIMIT_DMMHG // 10 and len(kept) < 16):
                            kept[name] = value
                break
        return kept

    def save(self):
        """Write atomically: the old file stays whole until the new one is complete."""
        tmp = self.path + ".tmp"
        text = self.to_json(self._kept_levels())
        with open(tmp, "w") as f:
            f.write(text)
        fs = self._fs
        try:
            fs.remove(self.path + ".bak")
        except OSError:
            pass
        try:
            fs.rename(self.path, self.path + ".bak")  # keep the last good copy
        except OSError:
            pass  # first save: nothing to keep
        fs.rename(tmp, self.path)
        self.problem = ""


# ---- the settings keeper's rare half --------------------------------------------------
# settings_io.SettingsKeeper keeps only its per-tick watch resident; its restore() and save()
# run these, with this module loaded for that moment only.
def restore(keeper):
    """The keeper's file into its controller; returns keeper.problem ('' = used as saved)."""
    try:
        s = _open(keeper)
        s.load()
    except Exception as e:  # e.g. a file too big for the heap: never a reason not to boot
        # The controller keeps the defaults it was built with.
        keeper.problem = "settings not read (%s), defaults used" % e
    else:
        if not s.problem:
            keeper.written = (s.program, tuple(s.levels), s.session_min)
        keeper.problem = s.apply_to(keeper.ctrl)
    _seen(keeper)
    return keeper.problem


def save(keeper):
    """What the keeper's controller holds, written unless the file already says exactly that:
    True once written. A flash problem raises (the keeper reports it and retries)."""
    ctrl = keeper.ctrl
    _seen(keeper)
    now = (ctrl.program, tuple(ctrl.levels), ctrl.session_ms // 60000)
    if now == keeper.written:
        return False  # changed and changed back: nothing to write
    s = _open(keeper)
    s.program, s.session_min = now[0], now[2]
    for i in range(programs.COUNT):
        s.levels[i] = now[1][i]
    s.save()
    keeper.written = now
    keeper.saves += 1
    return True


def _open(keeper):
    return keeper.make(keeper.path) if keeper.make is not None else Settings(keeper.path)


def _seen(keeper):
    """What the controller holds now, noted as the keeper's last check: no change pending."""
    ctrl = keeper.ctrl
    keeper.program = ctrl.program
    for i in range(programs.COUNT):
        keeper.levels[i] = ctrl.levels[i]
    keeper.session_ms = ctrl.session_ms
