# Status LED (and an optional buzzer) from the core's state and fault code, driven by
# elapsed ms in update(), never by sleeping. The patterns are data: PATTERNS, FAULT_PATTERN,
# ACKS and SETTINGS_RESET below are the one place they are defined. Their names and what
# they look like in words are the README's (tools/pulseboot/docs.py writes that table from
# these figures; host_tests/test_docs.py checks it).
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
# FAULT: N short flashes, then a pause, where N = the fault code (faults.py): a pattern's
# first pair is played its count times (here the code's), the rest once.
FAULT_ON_MS = const(150)
FAULT_OFF_MS = const(300)
FAULT_PAUSE_MS = const(1500)
FAULT_PATTERN = (FAULT_ON_MS, FAULT_OFF_MS, 0, FAULT_PAUSE_MS)
# The answer to a press (controller.py's _ACK_* codes), played once over the state's pattern
# (and over a fault's) on the LED and the buzzer alike: per code, from 0, three on/off pairs
# in tens of ms (one string: far less RAM than a tuple each). The program's and the session
# length's first pair is played their count times, then a gap, so that the state's own
# flashes that follow are not counted with them.
ACKS = (
    b"\0\0\0\0\0\0"  # (none)
    b"\x08\x0c\0\0\0\0"  # _ACK_BEEP: one short beep, 80 ms
    b"\x28\x0a\0\0\0\0"  # _ACK_END: one long beep, 400 ms
    b"\x05\x05\x05\x05\x05\x0f"  # _ACK_REFUSED: three fast pips
    b"\x0f\x0a\x0f\x0a\x3c\x28"  # _ACK_CHIME: two short beeps and a long one
    b"\x0f\x19\0\x50\0\0"  # _ACK_PROGRAM: a short blink per program number
    b"\x28\x19\0\x50\0\0"  # _ACK_SESSION: a long blink per step of the session length
)
ACK_STRIDE = const(6)  # bytes per code in ACKS
# Shown at power-up, over the zeroing/idle/running pattern (never over a fault, which
# ends it), when the saved settings could not be used and safe defaults are running
# (main.py): one long flash then three short ones, played _SETTINGS_RESET_REPEAT times.
SETTINGS_RESET = (900, 300, 100, 100, 100, 100, 100, 600)
_SETTINGS_RESET_REPEAT = const(2)
_ACK_PROGRAM = const(5)  # controller.py's ack codes: the one whose count is a program's number,
_ACK_SHIFT = const(4)  # and where a count starts (ack = kind | count << _ACK_SHIFT)
_ACK_KIND = const(15)  # the bits below it
_SOUND = const(16)  # a show() notice that sounds: none of an ack's kind bits


def period(segments, count=1):
    """How long a pattern lasts: its pairs, the first one `count` times."""
    total = (count - 1) * (segments[0] + segments[1])
    for ms in segments:
        total += ms
    return total


SETTINGS_RESET_MS = _SETTINGS_RESET_REPEAT * period(SETTINGS_RESET)
_NOTICE = const(-2)  # the pseudo-state of a notice shown over the state's pattern


class Led:
    def __init__(self, write, buzzer=None, active=1, tint=None):
        """write: callable taking a pin level, e.g. a Pin's bound value method.
        buzzer: the same for an active buzzer: it sounds the fault pattern and the answers to
        presses (`buzz` is what it sounds, fitted or not).
        active: the level that lights the LED (0 when it is wired to light on low).
        tint: for a colour LED, called with a program's index while the answer to its
        selection plays, and with -1 for the usual colour."""
        self._write = write
        self._buzzer = buzzer
        self._tint = tint
        self._off = 0 if active else 1  # level ^ this = what the pin is given
        self._state = -1
        self._fault = -1
        self._t = 0
        self._period = 1
        self._seg = PATTERNS[0]  # type: tuple[int, ...]
        self._count = 1  # times the pattern's first pair is played
        self._notice = self._seg
        self._notice_ms = 0
        self._voice = 0  # how the notice plays: the ack it answers, or _SOUND (show()'s), or 0: silent
        self._ack = [0] * ACK_STRIDE  # the answer playing, in ms (filled from ACKS: no allocation)
        self.level = 0  # 1 = lit
        self.buzz = 0  # 1 = sounding
        write(self._off)
        if buzzer is not None:
            buzzer(0)

    def show(self, segments, ms, sound=0):
        """Play `segments` (on/off pairs, repeating) for `ms` from the next update, over the
        state's pattern, on the buzzer too if `sound`; a fault that begins ends it at once.
        The answers to presses wait for it: it says something rarer (settings reset, level
        lowered), for a few seconds."""
        self._notice = segments
        self._notice_ms = ms
        self._voice = _SOUND if sound else 0
        self._state = -1  # from its beginning, even over another notice

    def update(self, dt, state, fault, ack=0):
        """Once per tick, after the controller's step; ack: its answer to a press, if any."""
        if ack and (self._notice_ms <= 0 or self._voice & _ACK_KIND):  # (a show() notice plays on)
            seg = self._ack
            at = (ack & _ACK_KIND) * ACK_STRIDE
            for i in range(ACK_STRIDE):
                seg[i] = ACKS[at + i] * 10
            self.show(seg, period(seg, (ack >> _ACK_SHIFT) or 1))
            self._voice = ack
        elif fault != self._fault and state == FAULT:
            self._notice_ms = 0  # a fault that begins ends the notice
        shown = state
        if self._notice_ms > 0:
            shown = _NOTICE
            self._notice_ms -= dt
        changed = shown != self._state or fault != self._fault
        if changed:
            self._state = shown
            self._fault = fault
            self._t = 0  # start each new pattern from its beginning
            hue = -1
            if shown == FAULT:
                self._seg = FAULT_PATTERN
                self._count = fault if fault > 0 else 1
            elif shown == _NOTICE:
                self._seg = self._notice
                self._count = (self._voice & _ACK_KIND and self._voice >> _ACK_SHIFT) or 1
                if self._voice & _ACK_KIND == _ACK_PROGRAM:
                    hue = (self._voice >> _ACK_SHIFT) - 1
            else:
                self._seg = PATTERNS[state] if 0 <= state < len(PATTERNS) else PATTERNS[0]
                self._count = 1
            self._period = period(self._seg, self._count) or 1
            if self._tint is not None:
                self._tint(hue)
        else:
            self._t += dt
            if self._t >= self._period:
                self._t %= self._period
        level = self.level_at(self._t)
        if level != self.level or changed:
            self.level = level
            self._write(level ^ self._off)
        buzz = level if shown == FAULT or (shown == _NOTICE and self._voice) else 0
        if buzz != self.buzz:
            self.buzz = buzz
            if self._buzzer is not None:
                self._buzzer(buzz)

    def level_at(self, t):
        """LED level t ms into the current pattern."""
        seg = self._seg
        first = seg[0] + seg[1]
        if t < (self._count - 1) * first:
            return 1 if t % first < seg[0] else 0
        t -= (self._count - 1) * first
        for i in range(0, len(seg), 2):
            if t < seg[i]:
                return 1
            t -= seg[i] + seg[i + 1]
            if t < 0:
                return 0
        return 0
