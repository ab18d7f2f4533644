"""A virtual millisecond clock that wraps exactly like the ESP32's ticks_ms().

MicroPython's ticks are unsigned values modulo a power of two (2**30 on the ESP32);
only ticks_diff() may compare them. Simulations start just before the wrap so a
comparison done with `<` instead of ticks_diff() breaks a test instead of a device.
"""

TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
_HALF = TICKS_PERIOD // 2


def ticks_add(ticks, delta):
    return (ticks + delta) & TICKS_MAX


def ticks_diff(end, start):
    return ((end - start + _HALF) & TICKS_MAX) - _HALF


class VirtualClock:
    """Time moves only when the simulation says so."""

    def __init__(self, start_ms=TICKS_PERIOD - 5000):
        self.ticks = start_ms & TICKS_MAX
        self.elapsed_ms = 0

    def ticks_ms(self):
        return self.ticks

    def advance(self, ms):
        self.ticks = ticks_add(self.ticks, ms)
        self.elapsed_ms += ms
