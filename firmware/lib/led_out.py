# Status LEDs that are not a plain active-high pin: wiring.py hands Led one of these
# bound `value` methods instead of the pin's own.


class Inverted:
    """An LED wired to light when its pin is low."""

    def __init__(self, pin):
        self._pin = pin

    def value(self, v):
        self._pin.value(0 if v else 1)


class Pixel:
    """One WS2812 used as a plain status LED (the ESP32-S3 DevKitC's on-board LED)."""

    colour = (24, 12, 0)  # dim amber: readable, not glaring at night

    def __init__(self, np):
        self._np = np
        self._off = (0, 0, 0)

    def value(self, v):
        self._np[0] = self.colour if v else self._off
        self._np.write()
