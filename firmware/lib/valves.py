# Chamber valves: the core's inlet/vent lists (1 = inlet open to the pump side,
# 1 = vent open to atmosphere) become coil levels, per board:
#   - inlets are normally closed: open = energised;
#   - vents are normally open (a dead board leaves no limb under pressure), so
#     open = de-energised; a board with normally-closed vents energises to open;
#   - `active` is the pin level that energises a coil (1 for a low-side MOSFET).
# On a shared-exhaust board (topology.INLET_EXHAUST) there is no vent per chamber:
# chamber i's one valve is open when it is fed or vented, and the manifold's exhaust
# is open while any chamber vents. There the inlets and the exhaust are normally open.
# Every valve has a safe position (safe_state.py: inlet closed, vent open; on a shared-exhaust
# board inlet and exhaust open). A valve held away from it longer than its maximum on-time
# is forced back here, at the lowest layer, and stays forced until the core itself
# asks for the safe position again.
# Banks: Valves below (a GPIO per valve) and valves_595.py (74HC595 shift registers).
from array import array

from micropython import const

_SATURATE = const(1 << 29)  # timers stop here: + dt stays a small int (31-bit on the ESP32)


class ValveBank:
    """Shared logic over m valves, each with the command that energises it, its safe
    command and its maximum time away from safe (0 = no limit).

    Chamber-vent boards: valve k < chambers is inlet k, valve chambers + k is vent k.
    Shared-exhaust boards: valve k < chambers is chamber k's valve, valve chambers the exhaust.
    energise and safe come from safe_state.py; inlet_max_ms is every chamber valve's maximum
    on-time, vent_max_ms every other valve's (the vents, or the exhaust).
    """

    def __init__(self, chambers, active, energise, safe, inlet_max_ms, vent_max_ms, shared_exhaust=False):
        self.chambers = chambers
        self._shared = shared_exhaust
        self._on = 1 if active else 0
        m = len(safe)
        # Packed arrays, not lists: a list spends a machine word on each entry.
        self._energise = bytearray(energise)
        self._max = array("i", [inlet_max_ms] * chambers + [vent_max_ms] * (m - chambers))
        from safe_state import pin_levels  # start-up only (main.py drops safe_state)

        # Each valve's pin level at its safe position: what safe() writes, is_safe() checks
        # and a valve past its maximum on-time is forced to.
        self._rest = bytearray(pin_levels(active, energise, safe))
        self._away = array("i", bytes(4 * m))  # ms commanded away from the safe position
        self.forced = 0  # bitmask of valves currently forced safe by their max on-time
        self.level = bytearray(m)  # pin level written for each valve

    def write(self, inlet, vent, dt):
        """Apply the core's outputs; dt = ms since the previous write."""
        n = self.chambers
        if self._shared:
            exhaust = 0
            for i in range(n):
                v = vent[i]
                self._set(i, 1 if (inlet[i] or v) else 0, dt)
                if v:
                    exhaust = 1
            self._set(n, exhaust, dt)
        else:
            for i in range(n):
                self._set(i, inlet[i], dt)
                self._set(n + i, vent[i], dt)
        self._flush()

    def _set(self, k, cmd, dt):
        on = self._on
        level = on if (1 if cmd else 0) == self._energise[k] else 1 - on
        rest = self._rest[k]
        if level == rest:  # commanded to its safe position
            self._away[k] = 0
            self.forced &= ~(1 << k)
        else:
            limit = self._max[k]
            away = self._away[k] + dt
            self._away[k] = away if away < _SATURATE else _SATURATE
            # Dropping a coil is all this layer can do, so only an energised valve is
            # forced (an NC vent held shut is de-energised; the limiter watches that).
            if limit and away > limit and level == on:
                self.forced |= 1 << k
                level = rest
        self.level[k] = level
        self._out(k, level)

    def safe(self):
        """Every chamber open to atmosphere, none fed; written at once."""
        rest = self._rest
        for k in range(len(rest)):
            self._away[k] = 0
            self.level[k] = rest[k]
            self._out(k, rest[k])
        self.forced = 0
        self._flush()

    def is_safe(self):
        """True when every valve's written level is its safe level."""
        return self.level == self._rest

    def _out(self, k, level):
        pass

    def _flush(self):
        pass


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
