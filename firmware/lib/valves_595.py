# Chamber valves behind chained 74HC595 shift registers (valves.py has the rules every
# valve bank follows). Only boards with a valve_driver '74hc595' load this module.
from valves import ValveBank


class ShiftValves(ValveBank):
    """Valves behind chained 74HC595s: bit-banged data/clock/latch and /OE.

    bits: register stage of each valve, stage 0 = QA of the register nearest the MCU.
    /OE stays high (outputs off, gate pull-downs hold every coil de-energised, which
    is the safe position for NC inlets and NO vents) until a safe pattern is latched.
    """

    def __init__(self, data, clock, latch, enable, inlet_bits, vent_bits, active=1, vent_normally_open=True,
                 inlet_max_ms=0, vent_max_ms=0):
        from safe_state import chamber_vent_valves  # start-up only (main.py drops safe_state)

        n = len(inlet_bits)  # as many vent bits (wiring.py checks the board)
        energise, safe = chamber_vent_valves(n, n, vent_normally_open)
        ValveBank.__init__(self, n, active, energise, safe, inlet_max_ms, vent_max_ms)
        self._bit = list(inlet_bits) + list(vent_bits)
        top = 0
        for b in self._bit:
            if b > top:
                top = b
        self._stages = (top // 8 + 1) * 8
        self._data = data.value
        self._clock = clock.value
        self._latch = latch.value
        self._pattern = 0
        self._shown = -1  # pattern in the output latches; -1 = unknown
        enable.value(1)
        self._clock(0)
        self._latch(0)
        self.safe()
        enable.value(0)

    def _out(self, k, level):
        bit = 1 << self._bit[k]
        if level:
            self._pattern |= bit
        else:
            self._pattern &= ~bit

    def _flush(self):
        pattern = self._pattern
        if pattern == self._shown:
            return
        data = self._data
        clock = self._clock
        for s in range(self._stages - 1, -1, -1):  # furthest stage first
            data((pattern >> s) & 1)
            clock(1)
            clock(0)
        self._latch(1)
        self._latch(0)
        self._shown = pattern
