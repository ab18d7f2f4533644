# The safe state, defined once: pump off, every chamber open to atmosphere and none fed.
# Every way there starts here: boot.py (the pins, straight from the board file, before
# any driver exists), the limiter (the core's outputs on a fault and while zeroing), the
# valve drivers and so the Device (main.py's way out on a stop, a crash or Ctrl-C), and
# the host's fake board. A leaf: it imports no firmware module, so boot.py stays light.
# Start-up only, like topology.py: the loop keeps the three values below (limiter, device)
# and each valve's safe pin level (the drivers), and main.py drops this module's code.
from micropython import const

PUMP = const(0)  # the pump's duty, % (and its pin's level: a high gate runs the motor)
INLET = const(0)  # the core's inlet output per chamber: not connected to the pump side
VENT = const(1)  # the core's vent output per chamber: open to atmosphere


# Per valve, positions are 1 = open, 0 = shut. `energise` is the position a powered coil
# gives (1 for a normally-closed valve), `safe` the position the safe state needs.
def chamber_vent_valves(inlets, vents, vent_normally_open):
    """(energise, safe) for normally-closed inlets, then vents: the core's INLET and VENT
    as they are, one valve each."""
    return [1] * inlets + [0 if vent_normally_open else 1] * vents, [INLET] * inlets + [VENT] * vents


def shared_exhaust_valves(chambers, inlet_normally_open, exhaust_normally_open):
    """(energise, safe) for a valve per chamber, then the manifold's one exhaust: a chamber
    vents through its own valve and the exhaust, so every one is safe open."""
    return ([0 if inlet_normally_open else 1] * chambers + [0 if exhaust_normally_open else 1],
            [1] * (chambers + 1))


def valves(board):
    """The board's valves in the drivers' order (chamber valves, then the vents or the one
    exhaust) as (where, energise, safe); where: GPIO numbers, or 74HC595 stages."""
    if board.get("topology", "inlet+vent") != "inlet+vent":  # topology.INLET_EXHAUST
        inlets = board["inlet_pins"]
        energise, safe = shared_exhaust_valves(len(inlets), board.get("inlet_normally_open", True),
                                               board.get("exhaust_normally_open", True))
        where = list(inlets)
        where.append(board["exhaust_pin"])
        return where, energise, safe
    if board.get("valve_driver") == "74hc595":
        inlets, vents = board["inlet_bits"], board["vent_bits"]
    else:
        inlets, vents = board["inlet_pins"], board["vent_pins"]
    energise, safe = chamber_vent_valves(len(inlets), len(vents), board.get("vent_normally_open", True))
    return list(inlets) + list(vents), energise, safe


def pin_levels(active, energise, safe):
    """Each valve's pin level at its safe position (active: the level that powers a coil)."""
    on = 1 if active else 0
    return [on if energise[k] == safe[k] else 1 - on for k in range(len(safe))]


def levels(board):
    """(where, level): the board's valves as valves() lists them, and each one's pin level
    in the safe state."""
    where, energise, safe = valves(board)
    return where, pin_levels(board.get("valve_active", 1), energise, safe)
