# Pressure sensors with a voltage output (e.g. a 0.5-4.5 V 0-40 kPa transducer behind a
# divider) on ESP32 ADC pins. Same interface and unit as hx710b: read(out) fills tenths
# of mmHg. Calibration is two points per sensor: the raw read_u16() value at two known
# pressures (e.g. vented and at a gauge reading), so divider and sensor tolerances cancel.
# The ESP32 ADC is only near-linear inside ~0.15-2.45 V at 11 dB: pick both points and
# the working range inside that span. Past its rated range a sensor's output stops rising
# (it saturates below the ADC's rail): `top_dmmhg`, the rated full scale, makes a reading
# above it OVER_RANGE rather than a plausible-looking low value.
from array import array

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
        self._adcs = adcs
        n = len(adcs)
        self.count = n
        if atten is not None:
            for a in adcs:
                a.atten(atten)
        if len(calibration) == 4 and isinstance(calibration[0], int):
            calibration = [calibration] * n
        if len(calibration) != n:
            raise ValueError("analog_sensor: one calibration per sensor")
        # Per sensor: raw at the first point, its pressure, and the line's rise over its run,
        # the run kept positive so that rounding is the same either way round.
        self._line = line = array("i", bytes(16 * n))
        for i in range(n):
            raw_lo, p_lo, raw_hi, p_hi = calibration[i]
            if raw_hi == raw_lo or p_hi == p_lo:
                raise ValueError("analog_sensor: the two calibration points must differ")
            sign = 1 if raw_hi > raw_lo else -1
            line[4 * i:4 * i + 4] = array("i", (raw_lo, p_lo, sign * (p_hi - p_lo), sign * (raw_hi - raw_lo)))
        self._samples = samples or self.samples
        self._top = top_dmmhg or OVER_RANGE

    def read(self, out):
        """Fill out[i] with sensor i in dmmHg; returns how many were read."""
        m = self._samples
        for i in range(self.count):
            adc = self._adcs[i]
            total = 0
            for _ in range(m):
                total += adc.read_u16()
            raw = total // m
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
        k = 4 * i
        line = self._line
        d = line[k + 3]
        return line[k + 1] + ((raw - line[k]) * line[k + 2] + (d >> 1)) // d
