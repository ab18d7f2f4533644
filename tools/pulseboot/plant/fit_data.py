"""A recorded session as `pulseboot fit` uses it: the trace's pump and valve columns on the
25 ms tick grid, the believed pressures at the rows, and which of them to trust.

The fit needs a row every tick: between rows a valve's switching is unknown, and on
simulated sessions thinned to a row every 4 ticks (the bench telemetry's 100 ms) that put
fitted figures off by up to a third, more than their scatter showed. A few lost rows are
bridged (the outputs blended across the gap); a gap of more than GAP_MS splits the session
into pieces, each replayed from its own first readings.

A reading is left out while the controller is zeroing (its belief is the raw reading then),
after a reset, when the cell is empty or out of the sensor's range, just before the firmware
acts on it (_decided), and from a fault injected on purpose onwards (`inject=` events: that
is no longer the healthy plant).
"""
import itertools

import numpy as np

from pulseboot.plant.fit_model import Commands
from pulseboot.report import events

TICK_MS = 25
GAP_MS = 1000
TRUSTED = ("IDLE", "RUNNING", "PAUSED", "FAULT")
SANE_MMHG = 250.0  # a belief beyond this is a saturated or dead sensor, not a pressure
DECIDED_TICKS = 9  # the regulator's 8-sample window and the tick it acts on


class FitDataError(ValueError):
    """A trace the fit cannot use; str() is one line saying why."""


class Piece:
    """One stretch without gaps: cmds (fit_model.Commands on the tick grid), rows (the tick
    of each trace row in it), belief [row][chamber] (numpy, mmHg) and trust (bool, same
    shape)."""

    def __init__(self, cmds, rows, belief, trust):
        self.cmds, self.rows, self.belief, self.trust = cmds, rows, belief, trust


def chambers_in(cols):
    n = 0
    while f"s{n + 1}" in cols:
        n += 1
    return n


def pieces(cols):
    """The trace's pieces (a list of Piece) and a note on what was left out (or '')."""
    n = chambers_in(cols)
    t = cols["t_ms"]
    if any(b <= a for a, b in itertools.pairwise(t)):
        k = next(i for i, (a, b) in enumerate(itertools.pairwise(t)) if b <= a)
        raise FitDataError(f"time goes backwards at row {k + 2} ({t[k]} ms then {t[k + 1]} ms); expected one "
                           "session, in time order")
    stop, note = _injection(cols)
    state = cols["state"]
    s = [cols[f"s{i}"] for i in range(1, n + 1)]
    inl = [cols[f"in{i}"] for i in range(1, n + 1)]
    out = [cols[f"out{i}"] for i in range(1, n + 1)]
    pump = cols["pump"]
    spacing = float(np.median(np.diff(t))) if len(t) > 1 else TICK_MS
    if spacing > 1.5 * TICK_MS:
        raise FitDataError(f"the trace has a row every {spacing:g} ms; the fit needs one every {TICK_MS} ms tick "
                           "(as pulseboot sim --trace writes): between rows each valve's switching is unknown, "
                           "which in simulated sessions thinned to a row every 100 ms put fitted figures off by up "
                           "to a third")
    cut = [0] + [k + 1 for k in range(len(t) - 1) if t[k + 1] - t[k] > GAP_MS] + [len(t)]
    result = []
    for a, b in itertools.pairwise(cut):
        b = min(b, stop)
        if b - a < 2:
            continue
        ticks = [round((t[k] - t[a]) / TICK_MS) for k in range(a, b)]
        grid = ticks[-1] + 1
        g_pump = [0] * grid
        g_in = [None] * grid
        g_out = [None] * grid
        rows = [(pump[k] or 0, [inl[i][k] or 0 for i in range(n)], [out[i][k] or 0 for i in range(n)])
                for k in range(a, b)]
        for j, (duty, fed, vented) in enumerate(rows):
            g_pump[ticks[j]], g_in[ticks[j]], g_out[ticks[j]] = duty, fed, vented
            if j == 0:
                continue
            # A row or a few lost: the outputs changed at a tick unknown in between; q ticks
            # after a row the new ones are in force with probability q / m, so the replay takes
            # the mean, a linear blend (a valve open for that part of the tick, the pump at that
            # duty).
            before = rows[j - 1]
            m = ticks[j] - ticks[j - 1]
            for q in range(1, m):
                f = q / m
                g = ticks[j - 1] + q
                g_pump[g] = before[0] + (duty - before[0]) * f
                g_in[g] = [x + (y - x) * f for x, y in zip(before[1], fed)]
                g_out[g] = [x + (y - x) * f for x, y in zip(before[2], vented)]
        belief = np.array([[_num(s[i][k]) for i in range(n)] for k in range(a, b)])
        ok = np.array([state[k] in TRUSTED for k in range(a, b)])[:, None] & np.isfinite(belief)
        ok &= np.abs(np.nan_to_num(belief)) < SANE_MMHG
        ok &= ~_decided(g_in, ticks, n)
        result.append(Piece(Commands(TICK_MS, g_pump, g_in, g_out), ticks, np.nan_to_num(belief), ok))
    if not result:
        raise FitDataError("no stretch of two rows or more to fit")
    return result, note


def _decided(g_in, ticks, n):
    """[row][chamber] True for the readings the firmware has just acted on: the DECIDED_TICKS
    before an inlet opens or shuts. The regulator shuts an inlet when a reading (with the rise
    over its 8-sample window) reaches the target and opens one for a top-up when a reading
    droops, so those readings' noise is not at random: left in, it pulls the fit (by over
    10 % on the shell's give)."""
    out = np.zeros((len(ticks), n), dtype=bool)
    row_at = {g: j for j, g in enumerate(ticks)}
    for g in range(1, len(g_in)):
        for i in range(n):
            if g_in[g][i] != g_in[g - 1][i]:
                for back in range(DECIDED_TICKS + 1):
                    j = row_at.get(g - back)
                    if j is not None:
                        out[j, i] = True
    return out


def _num(v):
    return float("nan") if v is None else v


def _injection(cols):
    """(row where the healthy part ends, a note): a sim trace with an injected fault is used
    up to the injection."""
    items = cols.get("events")
    if not items:
        return len(cols["t_ms"]), ""
    for k, cell in enumerate(items):
        for key, value in events.parse(cell):
            if key == "inject":
                return k, f"used up to {cols['t_ms'][k] / 1000:g} s, where a fault was injected ({value})"
    return len(cols["t_ms"]), ""
