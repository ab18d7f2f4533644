# Chamber valves on one GPIO each (valves.py has the rules every valve bank follows):
# a vent per chamber, or the shared-exhaust layout.
from valves import ValveBank


class Valves(ValveBank):
    """One GPIO per valve. Pins come in as Pin objects already set to output, as many as the
    layout has valves (wiring.py checks the board's pins against it).

    Chamber-vent boards: Valves(inlet_pins, vent_pins, ...). Shared-exhaust boards:
    Valves(inlet_pins, [exhaust_pin], active, vent_max_ms=<the exhaust's>, layout=<(energise, safe)
    from safe_state.shared_exhaust_valves()>).
    """

    def __init__(self, inlet_pins, vent_pins, active=1, vent_normally_open=True, inlet_max_ms=0, vent_max_ms=0,
                 layout=None):
        n = len(inlet_pins)
        shared = layout is not None
        if not shared:
            from safe_state import chamber_vent_valves  # start-up only (main.py drops safe_state)

            layout = chamber_vent_valves(n, n, vent_normally_open)
        ValveBank.__init__(self, n, active, layout[0], layout[1], inlet_max_ms, vent_max_ms, shared)
        self._pins = [p.value for p in inlet_pins] + [p.value for p in vent_pins]  # bound once
        self.safe()

    def _out(self, k, level):
        self._pins[k](level)
