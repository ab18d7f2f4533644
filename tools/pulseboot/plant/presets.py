"""The simulated plant's parameters and its presets, each figure with its source or reasoning.

See model.py for the pneumatics and limb.py for the limb these parameters feed.

Every effect of the limb is a parameter whose default (zero; 1.0 for the size multipliers)
switches it off; with all of them off the limb is the instant spring `tissue_l_per_mmhg` of the
first model. `PRESETS` holds what `pulseboot sim --plant` runs. `LIMB_PRESETS` holds the body
presets (small-leg, large-leg, arm) with the limb switched on (`LEG_LIMB` and `ARM_LIMB` say which
figures change): `pulseboot bench --limb` and `pulseboot faults --limb` run them; `pulseboot sim`
and the fault matrix keep the instant spring until every fault is caught within its bounds on the
limb too (see README, "The simulated plant"). The bench (bottles, no limb) runs its pump
pulsation and thermal drift.
"""
from dataclasses import dataclass, replace

from pulseboot import fw  # noqa: F401 (puts firmware/lib on the path)

import topology  # firmware/lib: the HX710B span the firmware itself works with

# The HX710B module saturates this far either side of its own zero, in mmHg: the firmware's
# figure (topology.sensor_span_dmmhg, from the MPS20N0040D nominal scale of 107365 counts/mmHg
# and the 24-bit word: 0x7FFFFF * 10 // 107365 = 781 dmmHg), so the core shell's plant and the
# fake HX710B of the device shell saturate at the same reading.
HX710B_SPAN_MMHG = topology.sensor_span_dmmhg({"sensor": "hx710b"}, 1 << 30) / 10.0


@dataclass(frozen=True)
class PlantParams:
    # Chamber: a bladder inside a snug non-stretch shell; the air it takes is the gap it fills.
    # The three figures below are for the middle chamber; size_distal/size_proximal scale them.
    chamber_min_l: float  # air left in a flat, vented bladder plus its hose stub
    chamber_unfold_l: float  # gap filled while the bladder unfolds round the limb
    knee_mmhg: float  # pressure scale of that unfolding (most of it done by 3 x knee)
    tissue_l_per_mmhg: float  # then: what gives at once (shell stretch; the whole limb if no limb model)
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
    sensor_offset_mmhg: float  # max |zero offset|, drawn per sensor from the seed (uniform)
    sensor_quantum_dmmhg: int  # reading resolution, tenths of mmHg
    sensor_min_mmhg: float  # readings (offset included) below this saturate: SENSOR_UNDER ...
    sensor_max_mmhg: float  # ... above this: SENSOR_OVER
    # -- the limb (limb.py); every default is "off" --------------------------------------------
    # Chamber size from the distal end (ankle, wrist) to the proximal one (thigh, upper arm):
    # multipliers of chamber_min_l, chamber_unfold_l and tissue_l_per_mmhg, linear in between.
    size_distal: float = 1.0
    size_proximal: float = 1.0
    # Volume the chambers can press out of the limb (venous blood, soft tissue) as the pressure
    # grows without bound, per segment of the boot; a chamber takes the part under it.
    limb_distal_ml: float = 0.0  # foot and ankle (hand and wrist)
    limb_mid_ml: float = 0.0  # calf (forearm)
    limb_proximal_ml: float = 0.0  # knee and thigh (elbow and upper arm)
    limb_mid_from: float = 0.2  # where the mid segment lies along the boot: 0 distal end ...
    limb_mid_to: float = 0.6  # ... 1 proximal end
    limb_knee_mmhg: float = 30.0  # displaced = most * (1 - exp(-p / knee)): the veins collapse
    creep_fast: float = 0.0  # part of it that follows the pressure at once; the rest creeps:
    creep_tau_s: float = 0.0  # ... with this time constant (0: no creep, all of it at once)
    refill_s: float = 0.0  # venous refill: the creeping part comes back linearly in this long (0: at once)
    coupling_mmhg: float = 0.0  # a held neighbour rises this much when a chamber fills to REF_MMHG
    pulse_mmhg: float = 0.0  # wearer's pulse, peak to peak in a chamber held at REF_MMHG
    pulse_bpm: float = 0.0  # heart rate (beat to beat within +-5 %)
    move_per_min: float = 0.0  # movements a minute (seeded, at random times)
    move_mmhg: float = 0.0  # the largest, in a chamber held at REF_MMHG (each 1/4 to all of it)
    move_ms: float = 0.0  # the longest (each 0.3 to 1 of it)
    pump_rate_hz: float = 0.0  # diaphragm strokes a second at 100 % duty: the pulsation (< 1: smooth flow)
    pump_air_k: float = 0.0  # air leaves the pump this much warmer than the room (K)
    air_warm_k: float = 0.0  # held air drifts towards this much above the room (K) ...
    air_heat_tau_s: float = 0.0  # ... with this time constant (0: no thermal drift)


REF_MMHG = 50.0  # the pressure the mmHg-stated limb effects are given at (mid-range of the programs)


_SMALL_LEG = PlantParams(
    # 12 cm tall x 40 cm calf chamber, ~4 mm mean gap to the shell: 0.19 L -> 0.20 L.
    chamber_min_l=0.02,  # ~20 mL: a flat bladder never fully empties, plus 30 cm of 4 mm hose
    chamber_unfold_l=0.20,
    knee_mmhg=15.0,  # bladder in contact with the limb by ~30-45 mmHg
    # IPC studies displace ~50-150 mL of venous blood per calf at 40-60 mmHg; ~30 mL per
    # chamber over 60 mmHg. (With the limb model on, the limb takes this over: LEG_LIMB.)
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
    # Zero offset, drawn uniform in +-8 mmHg per sensor (+-0.4 mV/V at the 15 mV/V nominal span).
    # No copy of the MPS20N0040D datasheet's offset figure could be checked; a common Arduino
    # HX710B library tares its module with -540000 counts (0.25 mV/V: ~5 mmHg at the nominal
    # scale), and the firmware refuses more than 30 mmHg (ZERO_OFFSET), so +-8 mmHg is the
    # spread of a working module, not of a rejected one.
    sensor_offset_mmhg=8.0,
    sensor_quantum_dmmhg=1,  # 24-bit ADC LSB << 0.1 mmHg: the firmware's unit is the limit
    # The ADC, not the 0-40 kPa (300 mmHg) bridge, sets the range: at gain 128 it saturates
    # HX710B_SPAN_MMHG (~78 mmHg) either side of the bridge's own zero (firmware/lib/hx710b.py).
    sensor_min_mmhg=-HX710B_SPAN_MMHG,
    sensor_max_mmhg=HX710B_SPAN_MMHG,
)

_LARGE_LEG = replace(
    # 15 cm x 55 cm chamber, ~5 mm mean gap: 0.41 L -> 0.45 L; a larger limb displaces more.
    _SMALL_LEG,
    chamber_min_l=0.04,  # bigger flat bladder and longer hose stub
    chamber_unfold_l=0.45,
    knee_mmhg=20.0,  # more slack to take up before contact
    tissue_l_per_mmhg=0.001,  # ~60 mL over 60 mmHg
    manifold_l=0.02,  # longer hoses to reach the thigh
    pump_free_lpm=5.0,  # a builder with a big boot picks the stronger 370 pump
    pump_stall_mmhg=500.0,
    vent_c=0.63,  # 2.0 mm vent valves to keep the refill phase short
)

# -- the limb ----------------------------------------------------------------------------------
# Calf: Phys Med Biol 1977;22(6):1146-59 ("Effect of positive external pressure on calf volume
# and local venous haemodynamics", 11 normal subjects, strain-gauge plethysmography): effective
# venous compliance 1.1 %/kPa (SD 0.3) of calf volume, outflow resistance 3.8 s kPa/% (SD 1.3),
# inflow from the microcirculation 0.054 %/s (SD 0.020); the volume falls exponentially after a
# pressure step (tau = RC = 3.8 x 1.1 = 4.2 s) and comes back linearly when it is released.
# Issue 11: calf venous volume expelled from 0 to 80 mmHg about 87 mL (65-113).
# One saturating curve meets both: displaced = most * (1 - exp(-p / 30 mmHg)) starts at
# most / 30 mmHg = 1.1 %/kPa of the calf (1 kPa = 7.5 mmHg) when most = 4.4 % of calf volume,
# and reaches 93 % of most at 80 mmHg: a 2.1 L calf gives 3.1 mL/mmHg and 87 mL.
_LIMB_KNEE_MMHG = 30.0
_MOST_PCT = 1.1 * _LIMB_KNEE_MMHG / 7.5  # 4.4 % of a segment's volume (calf, foot, forearm)
_CREEP_TAU_S = 3.8 * 1.1  # R * C, 4.2 s (the SDs give roughly 2-6 s)
# Part that yields at once: skin, fat and the superficial veins right under a bladder, which
# the strain gauge round the calf's widest point (deep veins, one RC) does not separate out.
# A modelling choice: 0.3, so the slow part dominates as in the 1977 record.
_CREEP_FAST = 0.3
# Refill: the creeping (venous) part comes back at the inflow, 0.054 %/s of calf volume, so
# refilling its (1 - 0.3) * 4.4 % takes 3.1 / 0.054 = 57 s (42-91 s over the SD): a 10 s rest
# (recovery) refills a sixth of it, a 45 s rest (gradient) most of it, so fills differ.
_REFILL_S = (1.0 - _CREEP_FAST) * _MOST_PCT / 0.054


def _most_ml(litres, pct=_MOST_PCT):
    return round(litres * pct * 10.0, 1)  # litres * pct / 100 * 1000 mL


LEG_LIMB = dict(
    # Sizes: ankle ~22 cm, calf ~37 cm, thigh ~50-55 cm round against the 40 cm middle chamber.
    size_distal=0.7,
    size_proximal=1.3,
    # Boot from the foot (0) to the thigh (1): foot and ankle to 0.2, calf to 0.6, then knee and
    # thigh. Foot volume ~0.75 L (0.74 L mean, 0.87 L in men: PMC2953309); thigh veins hold
    # less per litre than the calf's (no soleal sinuses): half the calf's figure.
    limb_mid_from=0.2,
    limb_mid_to=0.6,
    limb_knee_mmhg=_LIMB_KNEE_MMHG,
    creep_fast=_CREEP_FAST,
    creep_tau_s=_CREEP_TAU_S,
    refill_s=_REFILL_S,
    # Coupling: inside the 0-6 mmHg of issue 11 (a filled chamber's tissue bulges under the edge
    # of the next and pushes blood into it); 3 mmHg, the middle.
    coupling_mmhg=3.0,
    # Pulse: 1-3 mmHg peak to peak in a cuff (oscillometry), 50-100 bpm at rest: 2 mmHg, 70 bpm.
    pulse_mmhg=2.0,
    pulse_bpm=70.0,
    # Movement: someone resting shifts a leg now and then; a few to 12 mmHg, up to 0.6 s.
    move_per_min=0.5,
    move_mmhg=12.0,
    move_ms=600.0,
    # Pump pulsation: one stroke a revolution, ~3600 rpm at 12 V: 60 Hz, ~1.1 mL a stroke at
    # 4 L/min. At the sensor's 40 Hz it aliases to 20 Hz; at 2/3 duty (40 Hz) it vanishes.
    pump_rate_hz=60.0,
    # Thermal drift of held air: air leaves the pump ~1 K above the room (compression, a warm
    # motor), then settles to the bladder's temperature, which skin contact keeps ~2 K above the
    # room, within ~30 s (a few mm of air between film and skin). 1 K is P_abs / 293 K = 2.8 mmHg
    # at 50 mmHg in a rigid volume, about half that in a bladder that gives. Morris, Griffiths,
    # Woodcock, J Med Eng Technol 2002;26(3):111-6: cuff temperature changes were the largest
    # influence on a commercial pump's refill detection.
    pump_air_k=1.0,
    air_warm_k=2.0,
    air_heat_tau_s=30.0,
)


def _leg_limb(base, foot_l, calf_l, thigh_l, shell_l_per_mmhg):
    return replace(base, **LEG_LIMB, tissue_l_per_mmhg=shell_l_per_mmhg,
                   limb_distal_ml=_most_ml(foot_l), limb_mid_ml=_most_ml(calf_l),
                   limb_proximal_ml=_most_ml(thigh_l, _MOST_PCT / 2))


# With the limb on, tissue_l_per_mmhg is the shell's own give (a non-stretch nylon shell and
# hook-and-loop: ~10-25 mL over 60 mmHg), the limb does the rest. Calf 1.8 L (small) and
# 2.45 L (large) give 75 and 100 mL at 80 mmHg, both inside 65-113 mL.
LIMB_PRESETS = {
    "small-leg": _leg_limb(_SMALL_LEG, foot_l=0.75, calf_l=1.8, thigh_l=3.0, shell_l_per_mmhg=0.0002),
    "large-leg": _leg_limb(_LARGE_LEG, foot_l=0.9, calf_l=2.45, thigh_l=4.5, shell_l_per_mmhg=0.0004),
}

# An arm sleeve (lymphoedema-pump style): 10 cm x 28 cm chambers, ~3 mm gap: 84 mL.
_ARM = replace(
    _SMALL_LEG,
    chamber_min_l=0.015,  # a smaller flat bladder and the same hose stub
    chamber_unfold_l=0.09,
    knee_mmhg=12.0,  # less slack round a thinner limb
    tissue_l_per_mmhg=0.0003,  # the forearm's ~45 mL (below) spread over the chambers: ~18 mL over 60 mmHg
)

ARM_LIMB = dict(
    LEG_LIMB,
    tissue_l_per_mmhg=0.0001,  # the sleeve's own give, ~6 mL over 60 mmHg; the limb does the rest
    # Wrist ~16 cm, forearm ~25 cm, upper arm ~30 cm round against the 28 cm middle chamber.
    size_distal=0.7,
    size_proximal=1.2,
    # Sleeve from the hand (0) to the shoulder (1): hand and wrist to 0.2, forearm to 0.6.
    # Forearm ~1.0 L, hand ~0.45 L at the calf's 4.4 % (forearm venous capacitance at 30-40 mmHg
    # congestion is of that order), upper arm ~1.6 L at half of it, as for the thigh. Forearm
    # inflow at rest, ~3 mL/100 mL/min (0.05 %/s), is close to the calf's 0.054 %/s: the same
    # refill time. Oscillometric cuffs on the arm see the 1-3 mmHg pulse of LEG_LIMB.
    limb_distal_ml=_most_ml(0.45),
    limb_mid_ml=_most_ml(1.0),
    limb_proximal_ml=_most_ml(1.6, _MOST_PCT / 2),
)
LIMB_PRESETS["arm"] = replace(_ARM, **ARM_LIMB)

# What a builder tests first: a 0.5 L bottle on each chamber's hose, no limb.
_BENCH = replace(
    _SMALL_LEG,
    chamber_min_l=0.505,  # 0.5 L PET bottle + ~5 mL of hose stub and fitting
    chamber_unfold_l=0.0,  # nothing unfolds: a rigid volume from 0 mmHg
    knee_mmhg=1.0,  # (unused without unfolding; must be > 0)
    tissue_l_per_mmhg=5e-6,  # a PET bottle swells ~0.5 % under 1 bar: 2.5 mL over 750 mmHg
    pump_rate_hz=60.0,  # the same pump pulsates the same way
    # The ~40 mL of air pumped in 1 K warm cools to the room in the bottle, slower than in a
    # bladder (0.5 L behind a thicker wall): the 0.5 L already there dilutes it to a ~0.2 mmHg
    # sag. (The compression heating of a fast fill, which a rigid bottle keeps for seconds, is
    # not modelled: the gas is isothermal while it flows.)
    pump_air_k=1.0,
    air_warm_k=0.0,
    air_heat_tau_s=60.0,
)

PRESETS = {
    "small-leg": _SMALL_LEG,
    "large-leg": _LARGE_LEG,
    "arm": _ARM,
    "bench": _BENCH,
}
DEFAULT_PRESET = "small-leg"

# The published ranges a limb's figures are drawn across (the sensitivity test, `bench --limb
# --draw`): creep's time constant (s), the limb's compliance (its volumes, x), the coupling a
# neighbour's fill gives (mmHg) and the pulse (mmHg peak to peak at REF_MMHG).
LIMB_RANGES = {"creep_tau_s": (2.0, 6.0), "compliance": (0.5, 3.0), "coupling_mmhg": (0.0, 6.0),
               "pulse_mmhg": (0.0, 3.0)}


def drawn_limb(name, creep_tau_s, compliance, coupling_mmhg, pulse_mmhg):
    """A LIMB_PRESETS limb with these figures (compliance scales its volumes)."""
    pr = LIMB_PRESETS[name]
    return replace(pr, creep_tau_s=creep_tau_s, limb_distal_ml=pr.limb_distal_ml * compliance,
                   limb_mid_ml=pr.limb_mid_ml * compliance, limb_proximal_ml=pr.limb_proximal_ml * compliance,
                   coupling_mmhg=coupling_mmhg, pulse_mmhg=pulse_mmhg)


def preset(name):
    """The PlantParams of a named preset; KeyError naming the allowed ones otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown plant preset {name!r}; allowed: {', '.join(PRESETS)}") from None
