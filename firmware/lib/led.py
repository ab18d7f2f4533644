# Status LED (and an optional buzzer) from the core's state and fault code, driven by
# elapsed ms in update(), never by sleeping. The patterns are data: PATTERNS, the
# FAULT_* figures and SETTINGS_RESET below are the one place they are defined. Their
# names and what they look like in words are the README's (tools/pulseboot/docs.py
# writes that table from these figures; host_tests/test_docs.py checks it).
from micropython import const

from faults import FAULT

# On/off pairs in ms, repeating from the start, for each state by its number
# (faults.py: ZEROING, IDLE, RUNNING, PAUSED).
PATTERNS = (
    (100, 100),  # zeroing: fast blink
    (80, 160, 80, 1680),  # idle: two short flashes every 2 s
    (1000, 0),  # running: steady on
    (1000, 1000),  # paused: 1 s on, 1 s off
)
# FAULT: N short flashes, then a pause, where N = the fault code (faults.py).
FAULT_ON_MS = const(150)
FAULT_OFF_MS = const(300)
FAULT_PAUSE_MS = const(1500)
# Shown at power-up, over the zeroing/idle/running pattern (never over a fault, which
# ends it), when the saved settings could not be used and safe defaults are running
# (main.py): one long flash then three short ones, played _SETTINGS_RESET_REPEAT times.
SETTINGS_RESET = (900, 300, 100, 100, 100, 100, 100, 600)
_SETTINGS_RESET_REPEAT = const(2)


def _period(segments):
    total = 0
    for ms in segments:
        total += ms
    return total


SETTINGS_RESET_MS = _SETTINGS_RESET_REPEAT * _period(SETTINGS_RESET)
_NOTICE = const(-2)  # the pseudo-state of a notice shown over the state's pattern


class Led:
    def __init__(self, write, buzzer=None, active=1):
        """write: callable taking a pin level, e.g. a Pin's bound value method.
        buzzer: the same for an active buzzer; it sounds the fault pattern only.
        active: the level that lights the LED (0 when it is wired to light on low)."""
        self._write = write
        self._buzzer = buzzer
        self._off = 0 if active else 1  # level ^ this = what the pin is given
        self._state = -1
        self._fault = -1
        self._t = 0
        self._period = 1
        self._seg = PATTERNS[0]  # type: tuple[int, ...]
        self._notice = self._seg
        self._notice_period = 1
        self._notice_ms = 0
        self.level = 0  # 1 = lit
        write(self._off)
        if buzzer is not None:
            buzzer(0)

    def show(self, segments, ms):
        """Play `segments` (on/off pairs, repeating) for `ms` from the next update, over
        the state's pattern; a fault ends it at once."""
        self._notice = segments
        self._notice_period = _period(segments) or 1
        self._notice_ms = ms

    def update(self, dt, state, fault):
        shown = state
        if self._notice_ms > 0:
            if state == FAULT:
                self._notice_ms = 0
            else:
                self._notice_ms -= dt
                if self._notice_ms > 0:
                    shown = _NOTICE
        changed = shown != self._state or fault != self._fault
        if changed:
            self._state = shown
            self._fault = fault
            self._t = 0  # start each new pattern from its beginning
            if shown == FAULT:
                n = fault if fault > 0 else 1
                self._period = n * (FAULT_ON_MS + FAULT_OFF_MS) + FAULT_PAUSE_MS
            elif shown == _NOTICE:
                self._seg = self._notice
                self._period = self._notice_period
            else:
                self._seg = PATTERNS[state] if 0 <= state < len(PATTERNS) else PATTERNS[0]
                self._period = _period(self._seg) or 1
        else:
            self._t += dt
            if self._t >= self._period:
                self._t %= self._period
        level = self.level_at(self._t)
        if level != self.level or changed:
            self.level = level
            self._write(level ^ self._off)
            if self._buzzer is not None:
                self._buzzer(level if state == FAULT else 0)

    def level_at(self, t):
        """LED level t ms into the current pattern."""
        if self._state == FAULT:
            n = self._fault if self._fault > 0 else 1
            pulse = FAULT_ON_MS + FAULT_OFF_MS
            if t >= n * pulse:
                return 0
            return 1 if t % pulse < FAULT_ON_MS else 0
        seg = self._seg
        for i in range(0, len(seg), 2):
            if t < seg[i]:
                return 1
            t -= seg[i] + seg[i + 1]
            if t < 0:
                return 0
        return 0
