"""Analog pressure sensors on the ESP32's ADC1: the sensor, its divider and the ADC, as raw read_u16 values.

A board with `"sensor": "analog"` reads each chamber through this chain (figures and sources):

* XGZP6847A040KPG (CFSensor datasheet): 0-40 kPa gauge (300 mmHg), 5 V supply, 0.5 V at zero
  and 4.5 V at full scale, linear. Total error band +-2.5 % of span: each sensor's offset and its
  span error are drawn uniform in +-2.5 % of span (+-7.5 mmHg of zero, +-2.5 % of slope). Its
  output amplifier saturates near the rails, taken as 0.2 and 4.8 V (assumed: the datasheet gives
  no figure), so beyond its range a reading stops rising: the driver then says OVER_RANGE.
  Response time about 2 ms: the plant's lag is the sense tube's (tau 5 ms here).
* A 10k/10k divider (1 % resistors: ratio 0.5, drawn in +-1 %) puts 0.25-2.25 V on the pin.
* ESP32 ADC1 at 11 dB (Espressif's ESP32 datasheet and ADC calibration guide): linear within
  about 150-2450 mV; below, the reading falls to 0 by about 100 mV; above, it flattens. Nominal
  line raw12 = (V - 0.10 V) x 1310 per V; without eFuse calibration the reference voltage spreads
  1000-1200 mV per chip, so the slope is x 1100 / Vref, drawn once per board. MicroPython's
  read_u16() widens the 12-bit value as raw << 4 | raw >> 8.
* Noise: a few LSB per conversion (about 4 LSB rms at 11 dB); the driver averages 4 reads, so
  about 2 LSB, 0.25 mmHg, drawn by the plant as pressure noise before the ADC quantises it.

A builder calibrates each sensor at two pressures (README, Calibration); the simulated board is
a calibrated one (`calibrated=True`): its calibration file holds each sensor's raw value vented
and at REF_DMMHG, taken from its own drawn chain, so only the ADC's quantisation and
non-linearity, the zero's drift since then (+-1 mmHg, zeroed at start-up) and noise remain.
Uncalibrated, the firmware uses the board file's nominal line and caps the level (wiring.py).
"""
import random
from dataclasses import replace

from pulseboot.plant.model import SENSOR_DEAD, Plant

CALIBRATION_FILE = "calibration.txt"  # on the board's flash (firmware/lib/wiring.py reads it)
REF_DMMHG = 1500  # the builder's second calibration point: 150 mmHg on a gauge or a water column
FULL_DMMHG = 3000  # 40 kPa
V_ZERO, V_FULL = 0.5, 4.5
V_RAIL_LO, V_RAIL_HI = 0.2, 4.8
SENSOR_SPREAD = 0.025  # of span
DIVIDER = 0.5
DIVIDER_SPREAD = 0.01
ADC_V0 = 0.10  # V where the 11 dB reading leaves 0
ADC_PER_V = 1310.0  # counts per V at the nominal Vref
ADC_LINEAR = (0.15, 2.45)  # V
ADC_FLAT_V = 0.85  # above the linear range the slope falls to nothing over this much
VREF_NOMINAL, VREF_SPREAD = 1.1, 0.1
NOISE_MMHG = 0.25
ZERO_DRIFT_MMHG = 1.0


def adc_raw12(volts, vref=VREF_NOMINAL):
    """The ESP32's 12-bit reading of a pin at 11 dB: linear in ADC_LINEAR, falling to 0 below,
    flattening above."""
    v = volts * VREF_NOMINAL / vref
    lo, hi = ADC_LINEAR
    if v < lo:
        x = (v - ADC_V0) / (lo - ADC_V0)
        raw = (lo - ADC_V0) * ADC_PER_V * x * x if x > 0 else 0.0
    elif v <= hi:
        raw = (v - ADC_V0) * ADC_PER_V
    else:
        x = min(v - hi, ADC_FLAT_V)
        raw = (hi - ADC_V0) * ADC_PER_V + ADC_PER_V * x * (1.0 - x / (2.0 * ADC_FLAT_V))
    return min(4095, int(raw))


def read_u16(raw12):
    return (raw12 << 4) | (raw12 >> 8)


class Chain:
    """One sensor, its divider and its ADC pin: gauge dmmHg -> read_u16()."""

    def __init__(self, offset_v=0.0, span=1.0, divider=DIVIDER, vref=VREF_NOMINAL):
        self.offset_v = offset_v
        self.span = span
        self.divider = divider
        self.vref = vref

    def u16(self, dmmhg):
        v = V_ZERO + self.offset_v + (V_FULL - V_ZERO) * self.span * dmmhg / FULL_DMMHG
        v = V_RAIL_LO if v < V_RAIL_LO else V_RAIL_HI if v > V_RAIL_HI else v
        return read_u16(adc_raw12(v * self.divider, self.vref))

    def calibration(self, ref_dmmhg=REF_DMMHG):
        """(raw_lo, dmmhg_lo, raw_hi, dmmhg_hi): vented, and at ref_dmmhg."""
        return (self.u16(0), 0, self.u16(ref_dmmhg), ref_dmmhg)


NOMINAL = Chain()


def nominal_calibration():
    """The datasheet line through the nominal divider and ADC: what a board file ships with."""
    return (NOMINAL.u16(0), 0, NOMINAL.u16(FULL_DMMHG), FULL_DMMHG)


def draw_chains(count, seed):
    """Each sensor's chain as built, from the seed (one Vref for the board's one ADC)."""
    rng = random.Random("analog-%d" % seed)
    vref = VREF_NOMINAL + rng.uniform(-VREF_SPREAD, VREF_SPREAD)
    swing = V_FULL - V_ZERO
    return [Chain(rng.uniform(-1, 1) * SENSOR_SPREAD * swing, 1.0 + rng.uniform(-1, 1) * SENSOR_SPREAD,
                  DIVIDER * (1.0 + rng.uniform(-1, 1) * DIVIDER_SPREAD), vref) for _ in range(count)]


def is_analog(board):
    return board.get("sensor", "hx710b") == "analog"


class AnalogPlant(Plant):
    """The plant with analog sensors: read_sensors() gives each sensor's read_u16() value (the
    pneumatics, lag, noise and sensor faults as Plant has them; a dead sensor reads 0 V)."""

    def __init__(self, chambers, params, seed=0, calibrated=True, **kw):
        params = replace(params, sensor_tau_ms=5.0, sensor_noise_mmhg=NOISE_MMHG,
                         sensor_offset_mmhg=ZERO_DRIFT_MMHG if calibrated else 0.0,
                         sensor_quantum_dmmhg=1, sensor_min_mmhg=-1e4, sensor_max_mmhg=1e4)
        super().__init__(chambers, params, seed=seed, **kw)
        self.chains = draw_chains(self.sensors, seed)
        # What the simulated builder measured (None: never calibrated; the board file's line is used).
        self.calibration = [c.calibration() for c in self.chains] if calibrated else None
        self._dmmhg = [0] * self.sensors

    def read_sensors(self, out):
        d = self._dmmhg
        Plant.read_sensors(self, d)
        for i, chain in enumerate(self.chains):
            out[i] = 0 if d[i] == SENSOR_DEAD else chain.u16(d[i])


def calibration_text(calibration):
    """The calibration file: per sensor, chamber 1 first, 'raw_vented raw_at_ref ref_mmhg'."""
    return "".join("%d %d %d\n" % (lo, hi, p_hi // 10) for lo, _, hi, p_hi in calibration)


def flash_files(plant):
    """{name: text} a calibrated analog build keeps on its flash; {} for any other plant."""
    calibration = getattr(plant, "calibration", None)
    return {CALIBRATION_FILE: calibration_text(calibration)} if calibration else {}


def board_as_built(board, plant):
    """The board dict as the firmware has it once wiring.py read the calibration file."""
    calibration = getattr(plant, "calibration", None)
    if not calibration:
        return board
    return dict(board, sensor_calibration=list(calibration), sensor_calibrated=True)


def core_reader(board, plant):
    """For the core shell: fill(readings) with each sensor read through the firmware's own
    analog driver, as main.py gets them on the chip; None for a board without analog sensors."""
    if not is_analog(board):
        return None
    from analog_sensor import AnalogSensor  # firmware/lib

    raw = [0] * plant.sensors

    class _Adc:
        def __init__(self, i):
            self.read_u16 = lambda: raw[i]

    driver = AnalogSensor([_Adc(i) for i in range(plant.sensors)], board["sensor_calibration"], None, 1,
                          board.get("sensor_top_dmmhg", 0))

    def fill(readings):
        plant.read_sensors(raw)
        driver.read(readings)

    return fill
