# Pressure sensors with a voltage output (e.g. a 0.5-4.5 V 0-40 kPa transducer behind a
# divider) on ESP32 ADC pins. Same interface and unit as hx710b: read(out) fills tenths
# of mmHg. Calibration is two points per sensor: the raw read_u16() value at two known
# pressures (e.g. vented and at a gauge reading), so divider and sensor tolerances cancel.
# The ESP32 ADC is only near-linear inside ~0.15-2.45 V at 11 dB: pick both points and
# the working range inside that span. Past its rated range a sensor's output stops rising
# (it saturates below the ADC's rail): `top_dmmhg`, the rated full scale, makes a reading
# above it OVER_RANGE rather than a plausible-looking low value.
from micropython import const

OVER_RANGE = const(32767)
UNDER_RANGE = const(-32767)

_RAIL = const(64)  # raw within this of 0 or 65535: pin shorted, open or sensor saturated


class AnalogSensor:
    samples = 4  # averaged per read: ESP32 ADC noise is a few LSB at 12 bits

    def __init__(self, adcs, calibration, atten=None, samples=0, top_dmmhg=0):
        """adcs: ADC objects; calibration: (raw_lo, dmmhg_lo, raw_hi, dmmhg_hi) for all,
        or one such tuple per sensor; atten: e.g. ADC.ATTN_11DB, applied when given;
        top_dmmhg: the sensor's rated full scale (0: only the ADC's rails count)."""
        self._read = [a.read_u16 for a in adcs]
        n = len(self._read)
        self.count = n
        if atten is not None:
            for a in adcs:
                a.atten(atten)
        if len(calibration) == 4 and isinstance(calibration[0], int):
            calibration = [calibration] * n
        if len(calibration) != n:
            raise ValueError("analog_sensor: one calibration per sensor")
        self._raw0 = [0] * n
        self._p0 = [0] * n
        self._dp = [0] * n
        self._draw = [0] * n
        for i in range(n):
            raw_lo, p_lo, raw_hi, p_hi = calibration[i]
            if raw_hi == raw_lo or p_hi == p_lo:
                raise ValueError("analog_sensor: the two calibration points must differ")
            self._raw0[i] = raw_lo
            self._p0[i] = p_lo
            self._dp[i] = p_hi - p_lo
            self._draw[i] = raw_hi - raw_lo
        self._samples = samples or self.samples
        self._top = top_dmmhg or OVER_RANGE
        self.raw = [0] * n  # averaged raw value of the last read (for calibration)

    def read(self, out):
        """Fill out[i] with sensor i in dmmHg; returns how many were read."""
        m = self._samples
        for i in range(self.count):
            read_u16 = self._read[i]
            total = 0
            for _ in range(m):
                total += read_u16()
            raw = total // m
            self.raw[i] = raw
            if raw >= 65535 - _RAIL:
                out[i] = OVER_RANGE
            elif raw <= _RAIL:
                out[i] = UNDER_RANGE
            else:
                p = self.convert(i, raw)
                out[i] = OVER_RANGE if p > self._top else p
        return self.count

    def convert(self, i, raw):
        # Rounded integer line through the two points; |(raw - raw0) * dp| < 2**30.
        d = self._draw[i]
        num = (raw - self._raw0[i]) * self._dp[i]
        half = (d if d > 0 else -d) >> 1
        if d < 0:
            num = -num
            d = -d
        return self._p0[i] + (num + half) // d
