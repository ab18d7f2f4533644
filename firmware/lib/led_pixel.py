# A WS2812 used as a plain status LED (the ESP32-S3 DevKitC's on-board LED): wiring.py
# hands Led this object's bound `value` method in place of a pin's, and its `tint` so the
# answer to a program's selection shows in that program's colour.


class Pixel:
    colour = (24, 12, 0)  # dim amber: readable, not glaring at night
    # One per program, by its index (custom programs after the built-in ones take them again
    # from the start); none is amber or red, which say the usual and a fault.
    program_colours = ((0, 0, 32), (0, 24, 0), (0, 16, 24), (20, 0, 24), (24, 24, 24))

    def __init__(self, np):
        self._np = np
        self._off = (0, 0, 0)
        self._on = self.colour

    def value(self, v):
        self._np[0] = self._on if v else self._off
        self._np.write()

    def tint(self, program):
        """Lit in this program's colour from the next value() on; -1: the usual colour."""
        colours = self.program_colours
        self._on = colours[program % len(colours)] if program >= 0 else self.colour
