"""The simulated plant's parameters and its presets, each figure with its source or reasoning.

See model.py for the model these parameters feed.
"""
from dataclasses import dataclass, replace

@dataclass(frozen=True)
class PlantParams:
    # Chamber: a bladder inside a snug non-stretch shell; the air it takes is the gap it fills.
    chamber_min_l: float  # air left in a flat, vented bladder plus its hose stub
    chamber_unfold_l: float  # gap filled while the bladder unfolds round the limb
    knee_mmhg: float  # pressure scale of that unfolding (most of it done by 3 x knee)
    tissue_l_per_mmhg: float  # then: soft tissue, venous volume and shell stretch
    manifold_l: float  # pump head + tubing + tees up to the inlet valves
    # Pump: 12 V 370-size diaphragm pump (blood-pressure / massage-chair type).
    pump_free_lpm: float  # free-air flow at 100 % duty
    pump_stall_mmhg: float  # back pressure at which flow falls to zero
    # Valves and leaks: ISO 6358 sonic conductance C in dm3/(s*bar). For a sharp orifice of
    # effective area S in mm2, C ~= S / 5 (the usual catalogue conversion).
    inlet_c: float  # manifold <-> chamber valve, one per chamber
    vent_c: float  # chamber -> atmosphere valve, one per chamber (if fitted)
    exhaust_c: float  # shared manifold -> atmosphere valve (if fitted)
    valve_b: float  # critical pressure ratio of all paths
    leak_c: float  # per-chamber leak (seams, fittings)
    manifold_leak_c: float  # manifold leak (pump check valve, push-fits)
    fault_leak_c: float  # the extra leak of an injected 'leak' fault
    valve_delay_ms: float  # command to actual switching
    # Sensor: MPS20N0040D bridge (0-40 kPa) read by an HX710B 24-bit ADC.
    sensor_tau_ms: float  # first-order lag
    sensor_period_ms: float  # output data period
    sensor_noise_mmhg: float  # Gaussian noise, 1 sigma
    sensor_offset_mmhg: float  # max |zero offset|, drawn per chamber from the seed
    sensor_quantum_dmmhg: int  # reading resolution, tenths of mmHg
    sensor_min_mmhg: float  # readings clip here (includes offset) ...
    sensor_max_mmhg: float  # ... and here


_SMALL_LEG = PlantParams(
    # 12 cm tall x 40 cm calf chamber, ~4 mm mean gap to the shell: 0.19 L -> 0.20 L.
    chamber_min_l=0.02,  # ~20 mL: a flat bladder never fully empties, plus 30 cm of 4 mm hose
    chamber_unfold_l=0.20,
    knee_mmhg=15.0,  # bladder in contact with the limb by ~30-45 mmHg
    # IPC studies displace ~50-150 mL of venous blood per calf at 40-60 mmHg; ~30 mL per
    # chamber over 60 mmHg.
    tissue_l_per_mmhg=0.0005,
    manifold_l=0.015,  # 0.5 m of 4 mm ID tube (6.3 mL) + pump head (~2 mL) + tees/block (~6 mL)
    # 370-size 12 V pumps list 3-6 L/min free flow and 400-600 mmHg (55-80 kPa) maximum.
    pump_free_lpm=4.0,
    pump_stall_mmhg=450.0,
    # Mini 2/2 NC 12 V solenoid valves (the air-bed / massage-chair kind) have 1-2 mm orifices.
    inlet_c=0.22,  # 1.2 mm orifice: 1.13 mm2 / 5
    vent_c=0.40,  # 1.6 mm orifice: 2.0 mm2 / 5
    exhaust_c=0.60,  # 2.0 mm orifice: 3.1 mm2 / 5
    valve_b=0.4,  # catalogue b of small valves and fittings: 0.3-0.5
    # Leak sized so an isolated chamber at 60 mmHg loses ~2 mmHg/min (a 20 um hole).
    leak_c=7e-5,
    manifold_leak_c=5e-5,  # check valve seep of the same order
    fault_leak_c=0.02,  # a ~0.3 mm hole or a loose push-fit: ~10 mmHg/s at 60 mmHg
    valve_delay_ms=15.0,  # mini solenoid datasheets: response <= 10-20 ms
    # The HX710B's sigma-delta filter settles in ~4 output periods (HX711 datasheet: 50 ms at
    # 80 Hz, 400 ms at 10 Hz), i.e. ~100 ms at 40 Hz: a first-order tau of ~30 ms.
    sensor_tau_ms=30.0,
    sensor_period_ms=25.0,  # HX710B 40 Hz output rate (27 clock pulses per read)
    # The ADC's own noise is ~0.1 uV against ~0.2 mV/mmHg of bridge span (negligible); what is
    # seen in practice is supply ripple on the ratiometric bridge and pump pulsation in the hose.
    sensor_noise_mmhg=0.3,
    sensor_offset_mmhg=8.0,  # untrimmed bridge zero offset (a few % of span); tared at start-up
    sensor_quantum_dmmhg=1,  # 24-bit ADC LSB << 0.1 mmHg: the firmware's unit is the limit
    sensor_min_mmhg=-15.0,  # the ADC reads a little either side of the sensor's 0-40 kPa
    sensor_max_mmhg=315.0,  # (0-300 mmHg) span before it saturates
)

PRESETS = {
    "small-leg": _SMALL_LEG,
    # 15 cm x 55 cm chamber, ~5 mm mean gap: 0.41 L -> 0.45 L; a larger limb displaces more.
    "large-leg": replace(
        _SMALL_LEG,
        chamber_min_l=0.04,  # bigger flat bladder and longer hose stub
        chamber_unfold_l=0.45,
        knee_mmhg=20.0,  # more slack to take up before contact
        tissue_l_per_mmhg=0.001,  # ~60 mL over 60 mmHg
        manifold_l=0.02,  # longer hoses to reach the thigh
        pump_free_lpm=5.0,  # a builder with a big boot picks the stronger 370 pump
        pump_stall_mmhg=500.0,
        vent_c=0.63,  # 2.0 mm vent valves to keep the refill phase short
    ),
}
DEFAULT_PRESET = "small-leg"


def preset(name):
    """The PlantParams of a named preset; KeyError naming the allowed ones otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown plant preset {name!r}; allowed: {', '.join(PRESETS)}") from None
