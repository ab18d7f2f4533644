# Valve topologies and sensor placement, and how the core's per-chamber outputs map
# onto the physical valves. The core always speaks per chamber:
#   inlet[i] = 1: chamber i is connected to the pump side (the manifold);
#   vent[i]  = 1: chamber i has an open path to atmosphere.
# INLET_VENT:    an inlet and a vent valve on every chamber; the map is one to one.
# INLET_EXHAUST: an inlet valve per chamber and one exhaust valve on the shared manifold:
#                a chamber vents through its inlet and the exhaust, so while anything
#                vents the pump side is open to atmosphere and nothing can be filled.
from micropython import const

INLET_VENT = "inlet+vent"
INLET_EXHAUST = "inlet+exhaust"


def chamber_vents(board):
    """True when every chamber has its own vent valve (needed for distal release)."""
    return board.get("topology", INLET_VENT) == INLET_VENT


def single_sensor(board):
    """True when one sensor on the manifold stands in for a sensor per chamber."""
    return board.get("sensor_at", "chamber") == "manifold"


def sensor_count(board):
    return 1 if single_sensor(board) else board["chambers"]


def exhaust_valves(inlet, vent, valve_open):
    """INLET_EXHAUST: write each inlet valve's state into valve_open; return the exhaust's."""
    exhaust = 0
    for i in range(len(inlet)):
        v = vent[i]
        valve_open[i] = 1 if (inlet[i] or v) else 0
        if v:
            exhaust = 1
    return exhaust


_HX710B_TOP = const(0x7FFFFF)  # the HX710B's largest positive 24-bit word (hx710b.py)
_HX710B_DEFAULT_SCALE = const(107365)  # counts per mmHg, hx710b.MPS20N0040D_COUNTS_PER_MMHG


def sensor_span_dmmhg(board, ceiling):
    """The highest reading the board's sensors can give above the ADC's own zero, dmmHg,
    capped at `ceiling`. The common HX710B module saturates far below its sensor's
    rating (about 78 mmHg at the nominal scale); the bigger the scale, the sooner."""
    if board.get("sensor", "hx710b") != "hx710b":
        return ceiling
    scale = board.get("sensor_counts_per_mmhg", _HX710B_DEFAULT_SCALE)
    if not isinstance(scale, int):
        scale = max(scale)
    span = _HX710B_TOP * 10 // scale
    return span if span < ceiling else ceiling
