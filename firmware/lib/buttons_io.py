# The four button pins -> the raw bitmask the core's debouncer (buttons.py) wants:
# bit i set = button i pressed, in buttons.NAMES order (start, mode, up, down).
# Buttons short the pin to ground against a pull-up, so pressed = low (`active`).
# Polled once per tick; optionally each pin also gets an edge interrupt whose handler
# only latches that button's bit, so a press that starts and ends between two polls
# is still seen for one tick (the debouncer then decides whether it was a press).


class ButtonsIO:
    def __init__(self, pins, active=0, trigger=None):
        """pins: Pin objects (inputs, pull set by the caller) in bit order.
        trigger: e.g. Pin.IRQ_FALLING to latch presses by interrupt; None = polled only."""
        self._value = [p.value for p in pins]
        self._active = 1 if active else 0
        self._latched = 0  # bits set by interrupt since the last read
        if trigger is not None:
            for i in range(len(pins)):
                pins[i].irq(handler=self._handler(1 << i), trigger=trigger)

    def _handler(self, bit):
        def on_edge(_pin):
            # Interrupt context: set a bit, nothing else (no allocation, no I/O).
            self._latched |= bit

        return on_edge

    def read(self):
        mask = 0
        active = self._active
        value = self._value
        for i in range(len(value)):
            if value[i]() == active:
                mask |= 1 << i
        mask |= self._latched
        self._latched = 0
        return mask
