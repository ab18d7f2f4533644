# Debounce four push buttons by time and turn them into short and long presses.
# Input is a bitmask of raw levels (bit set = pressed) sampled once per tick, so the
# same code serves polled pins, interrupt-flagged pins and the simulator.
from micropython import const

START = const(0)
MODE = const(1)
UP = const(2)
DOWN = const(3)
COUNT = const(4)
NAMES = ("start", "mode", "up", "down")

# MODE held from power-on this long enters maintenance mode (controller.py): outputs safe,
# the control loop stops, the REPL is free.
MAINTENANCE_HOLD_MS = const(2000)


class Buttons:
    debounce_ms = 30  # a level must hold this long to count (contact bounce)
    long_ms = 1500  # held this long = a long press, reported while still held

    def __init__(self, count=COUNT):
        self._count = count
        self.pressed = 0  # bitmask of debounced levels (bit set = held down)
        self._since = [0] * count  # ms the raw level has differed from the stable one
        self._held = [0] * count  # ms the button has been stably pressed
        self._long_sent = 0  # bitmask: long press already reported for this hold
        self.short = 0  # bitmask of short presses completed this tick
        self.long = 0  # bitmask of long presses reached this tick
        self.ack = 0  # how the controller answered them (controller.py's _ACK_*), for the LED and buzzer

    def update(self, dt, raw):
        self.short = 0
        self.long = 0
        self.ack = 0
        for i in range(self._count):
            bit = 1 << i
            pressed = self.pressed & bit
            if (raw & bit) != pressed:
                self._since[i] += dt
                if self._since[i] >= self.debounce_ms:
                    self._since[i] = 0
                    self.pressed ^= bit
                    if pressed:  # released
                        if not self._long_sent & bit:
                            self.short |= bit
                        self._long_sent &= ~bit
                        self._held[i] = 0
                    pressed = self.pressed & bit
            else:
                self._since[i] = 0
            if pressed:
                if self._held[i] < self.long_ms:
                    self._held[i] += dt
                if self._held[i] >= self.long_ms and not self._long_sent & bit:
                    self._long_sent |= bit
                    self.long |= bit
