# HX710B 24-bit bridge ADC (the common MPS20N0040D 0-40 kPa pressure module),
# bit-banged. Several modules may share one clock pin: each clock pulse shifts one
# bit out of every module at once, so N sensors cost one read's worth of pulses.
#
# Protocol: DOUT low = a conversion is waiting. 24 pulses shift it out MSB first
# (two's complement); 1-3 more pulses pick the next conversion: 25 = differential
# at 10 Hz, 27 = differential at 40 Hz (used here: one sample per 25 ms tick).
# The clock must not stay high over ~60 us or the chip powers down, so DOUT is
# sampled after each falling edge, never while the clock is high.
#
# Scale, counts per mmHg (`counts_per_mmhg`, per board or per sensor):
# the HX710B's gain is fixed at 128 and its input span is +-0.5 * VDD / 128 over
# +-2**23 counts, so counts = (Vin / VDD) * 2**31. The module excites the bridge from
# the same VDD (ratiometric). The MPS20N0040D datasheet gives a 50-100 mV span at
# 5 V for 40 kPa (300.02 mmHg), i.e. 10-20 mV/V; the mid figure, 15 mV/V, gives
#   0.015 / 300.02 * 2**31 = 107365 counts/mmHg  (71577-143154 over the spread).
# The same sum says the ADC saturates only ~78 mmHg (59-117) above the bridge's own
# zero: a saturated word is reported out of range, never as a pressure. Calibrate
# each module against a gauge and put the figure in the board file.
# The zero offset stays in the reading: the core zeroes it at start-up.
from micropython import const

from faults import NO_READING  # the core's "no fresh sample" value

OVER_RANGE = const(32767)  # saturated high: far above any limit, so the limiter trips
UNDER_RANGE = const(-32767)  # saturated low

_SIGN = const(0x800000)
_WRAP = const(0x1000000)
_TOP = const(0x7FFFFF)

MPS20N0040D_COUNTS_PER_MMHG = const(107365)


class HX710B:
    pulses = 27  # 40 Hz differential
    patience = 4  # reads to wait for every sensor before reading the ready ones alone

    def __init__(self, clock, data_pins, counts_per_mmhg=MPS20N0040D_COUNTS_PER_MMHG, pulses=0):
        clock.value(0)
        self._clk = clock.value  # bound methods cached: no allocation per bit
        self._data = [p.value for p in data_pins]
        n = len(self._data)
        self.count = n
        # One scale per sensor: whole counts, > 0 (wiring.py checks the board file's).
        self._cpm = [counts_per_mmhg] * n if isinstance(counts_per_mmhg, int) else list(counts_per_mmhg)
        self._extra = (pulses or self.pulses) - 24
        self.counts = [0] * n  # signed counts of the last read (for calibration)
        self._ready = [0] * n
        self._discard = 0  # bitmask: next reading suspect (clocked while not ready)
        self._waited = 0

    def read(self, out):
        """out[i] = sensor i in tenths of mmHg (offset included), NO_READING when it
        has nothing new. Never waits for a conversion. Returns how many were read."""
        n = self.count
        data = self._data
        ready = self._ready
        waiting = 0
        for i in range(n):
            r = 0 if data[i]() else 1
            ready[i] = r
            if not r:
                waiting += 1
        if waiting:
            # A module that finishes converting mid-read would shift a torn word, so wait
            # a few reads for all of them; a dead one must not blind the others for long.
            if self._waited < self.patience:  # stops there: never a big int
                self._waited += 1
            if waiting == n or self._waited < self.patience:
                for i in range(n):
                    out[i] = NO_READING
                return 0
        self._waited = 0
        self._shift()
        got = 0
        for i in range(n):
            bit = 1 << i
            if not ready[i]:
                self._discard |= bit
                out[i] = NO_READING
            elif self._discard & bit:
                self._discard &= ~bit
                out[i] = NO_READING
            else:
                out[i] = self._convert(i)
                got += 1
        return got

    def _shift(self):
        clk = self._clk
        data = self._data
        counts = self.counts
        n = self.count
        for i in range(n):
            counts[i] = 0
        for _ in range(24):
            clk(1)
            clk(0)
            for i in range(n):
                counts[i] = (counts[i] << 1) | data[i]()
        for _ in range(self._extra):
            clk(1)
            clk(0)
        for i in range(n):
            v = counts[i]
            if v & _SIGN:
                counts[i] = v - _WRAP

    def _convert(self, i):
        v = self.counts[i]
        if v == 0:
            return NO_READING  # a DOUT line stuck low reads as zeros forever
        if v >= _TOP:
            return OVER_RANGE
        if v <= -_SIGN:
            return UNDER_RANGE
        cpm = self._cpm[i]
        return (v * 10 + (cpm >> 1)) // cpm  # rounded; |v * 10| < 2**27
