# A WS2812 used as a plain status LED (the ESP32-S3 DevKitC's on-board LED): wiring.py
# hands Led this object's bound `value` method in place of a pin's.


class Pixel:
    colour = (24, 12, 0)  # dim amber: readable, not glaring at night

    def __init__(self, np):
        self._np = np
        self._off = (0, 0, 0)

    def value(self, v):
        self._np[0] = self.colour if v else self._off
        self._np.write()
