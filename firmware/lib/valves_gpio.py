# Chamber valves on one GPIO each (valves.py has the rules every valve bank follows):
# a vent per chamber, or the shared-exhaust layout.
from valves import ValveBank, chamber_vent_layout


def shared_exhaust_layout(n, inlet_normally_open, exhaust_normally_open, inlet_max_ms, exhaust_max_ms):
    """(energise, safe, max_ms) for n chamber valves and one exhaust; safe = all open."""
    from safe_state import shared_exhaust_valves  # start-up only (main.py drops safe_state)

    energise, safe = shared_exhaust_valves(n, inlet_normally_open, exhaust_normally_open)
    return energise, safe, [inlet_max_ms] * n + [exhaust_max_ms]


class Valves(ValveBank):
    """One GPIO per valve. Pins come in as Pin objects already set to output.

    Chamber-vent boards: Valves(inlet_pins, vent_pins, ...). Shared-exhaust boards:
    Valves(inlet_pins, [exhaust_pin], ..., layout=shared_exhaust_layout(...)).
    """

    def __init__(self, inlet_pins, vent_pins, active=1, vent_normally_open=True, inlet_max_ms=0, vent_max_ms=0,
                 layout=None):
        n = len(inlet_pins)
        shared = layout is not None
        if len(vent_pins) != (1 if shared else n):
            raise ValueError("valves: need %s" % ("one exhaust pin" if shared else "one vent pin per inlet pin"))
        if layout is None:
            layout = chamber_vent_layout(n, vent_normally_open, inlet_max_ms, vent_max_ms)
        ValveBank.__init__(self, n, active, layout[0], layout[1], layout[2], shared)
        self._pins = [p.value for p in inlet_pins] + [p.value for p in vent_pins]  # bound once
        self.safe()

    def _out(self, k, level):
        self._pins[k](level)
