"""Plot of a session (PNG, SVG or PDF): the whole session beside a zoom on its last full wave.

Rows, each for the whole session (left) and the zoom (right): chamber pressures with their
targets (true pressures for a simulated run, the believed ones for a bench trace), the pump,
the inlet and vent lanes, and the controller's state as coloured bands with the button
presses on it. Marks through every row: faults injected, faults latched (trips, shaded while
latched) and the end of each session. Chambers are told apart by colour (distal dark,
proximal light), by line style past four chambers, and by their number beside each peak in
the zoom.

`plot()` draws a timeline.Recorder, filled by a run (`pulseboot sim --plot`) or from a saved
trace (`plot_trace()`, `pulseboot plot`), with matplotlib's object API and its Agg renderer:
no pyplot, no GUI backend, no global state.
"""
import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from pulseboot.report import events, timeline
from pulseboot.report.timeline import Recorder

__all__ = ["STATE_COLOURS", "Recorder", "plot", "plot_trace"]

STATE_COLOURS = {
    "ZEROING": "#9e9e9e", "IDLE": "#dcdcdc", "RUNNING": "#66bb6a", "PAUSED": "#ffca28",
    "FAULT": "#e53935", "RESET": "#8e24aa", "REPL": "#795548",
}
BUTTON_COLOURS = {"start": "black", "mode": "tab:blue", "up": "tab:green", "down": "tab:orange"}
INJECT = "purple"
END = "black"
TRIP = "red"
PNG_METADATA = {"Software": None}  # no version stamp: the same drawing gives the same bytes


def _styles(n):
    cmap = matplotlib.colormaps["viridis" if n <= 4 else "turbo"]
    lo, hi = (0.0, 0.9) if n <= 4 else (0.05, 0.95)
    colours = [cmap(lo + (hi - lo) * i / max(1, n - 1)) for i in range(n)]
    dashes = ["-"] * n if n <= 4 else ["-" if i % 2 == 0 else (0, (6, 2)) for i in range(n)]
    return colours, dashes


def plot_trace(src, path, fmt="png", cols=None):
    """Draw a saved trace into path (cols: read_trace(src) when already read); TraceError if
    it is not one. Returns the recorder and the summary drawn."""
    from pulseboot.report.trace import read_trace

    if cols is None:
        cols = read_trace(src)
    rec = timeline.from_trace(cols)
    summary = timeline.describe(rec, cols)
    bits = [f"plant {summary['plant']}" if summary.get("plant") else "",
            f"seed {summary['seed']}" if summary.get("seed") else ""]
    plot(rec, path, summary, ", ".join(b for b in bits if b), fmt)
    return rec, summary


def plot(rec, path, summary, subtitle="", fmt="png"):
    """Write rec to path in format fmt (png, svg or pdf); summary is simulate()'s dict
    (program, board, targets, limit, cycles, faults, injected, session ends) or
    timeline.describe()'s."""
    rec.finish()
    if not rec.t_ms:
        raise ValueError("nothing to plot: the run produced no ticks")
    n = rec.chambers
    zoom = rec.zoom if rec.zoom and len(rec.zoom) > 1 else None
    lane_h = 0.3 + 0.2 * n
    heights = [5, 0.8, lane_h, lane_h, 0.75]
    fig = Figure(figsize=(15 if zoom else 12, sum(heights) + 1.2))
    grid = fig.add_gridspec(len(heights), 2 if zoom else 1, height_ratios=heights, hspace=0.1, wspace=0.1,
                            width_ratios=[2.6, 1] if zoom else [1])
    whole = [fig.add_subplot(grid[0, 0])]
    whole += [fig.add_subplot(grid[k, 0], sharex=whole[0]) for k in range(1, len(heights))]
    view = _View(rec, summary)
    minutes = rec.end_ms > 15 * 60 * 1000
    view.draw(whole, _whole_series(rec), 60000.0 if minutes else 1000.0, (rec.t_ms[0], _end(rec)))
    whole[-1].set_xlabel("time (%s)" % ("min" if minutes else "s"))
    if zoom:
        near = [fig.add_subplot(grid[k, 1], sharey=whole[k]) for k in range(len(heights))]
        for ax in near[1:]:
            ax.sharex(near[0])
        window = (zoom[0][0], zoom[-1][0] + rec.tick_ms)
        view.draw(near, _zoom_series(zoom), 1000.0, window, labels=True)
        for ax in near:
            ax.tick_params(labelleft=False)
            ax.set_ylabel("")
        near[0].set_title("zoom: the last full wave, %.0f-%.0f s" % (window[0] / 1000, window[1] / 1000),
                          fontsize=10)
        near[-1].set_xlabel("time (s)")
        scale = 60000.0 if minutes else 1000.0
        whole[0].axvspan(window[0] / scale, window[1] / scale, color="0.5", alpha=0.12, lw=0)
    for ax in whole[:-1] + (near[:-1] if zoom else []):
        ax.tick_params(labelbottom=False)
    fig.align_ylabels(whole)
    _title(fig, rec, summary, subtitle, minutes)
    handles, labels = view.legend()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.04), ncol=min(6, len(labels)),
               fontsize=8, frameon=False)
    fig.savefig(path, format=fmt, dpi=100, bbox_inches="tight",
                metadata=PNG_METADATA if fmt == "png" else None)


def _end(rec):
    return rec.end_ms + rec.tick_ms


def _whole_series(rec):
    return {"t": rec.t_ms, "p": rec.p, "pump": rec.pump, "inl": rec.inl, "out": rec.out}


def _zoom_series(rows):
    n = len(rows[0][1])
    return {"t": [r[0] for r in rows], "p": [[r[1][i] for r in rows] for i in range(n)],
            "pump": [r[2] for r in rows], "inl": [[r[3][i] for r in rows] for i in range(n)],
            "out": [[r[4][i] for r in rows] for i in range(n)]}


def _title(fig, rec, summary, subtitle, minutes):
    kind = "sim" if rec.true else "bench (believed pressures)"
    sub = ", " + subtitle if subtitle else ""
    faults = summary.get("faults") or []
    text = ", ".join(f"{f['code']} at {f['t_ms'] / 1000:.1f} s" for f in faults) or "no faults"
    scale, unit = (60000.0, "min") if minutes else (1000.0, "s")
    for end in summary.get("session_ends") or []:
        text += f"; session ended at {end['t_ms'] / scale:.1f} {unit}: {end['reason']}"
    if "cycles" in summary:
        done = f"{summary['cycles']} cycle{'' if summary['cycles'] == 1 else 's'} completed"
    else:
        done = f"{summary.get('waves', '?')} full wave{'' if summary.get('waves') == 1 else 's'}"
    height = fig.get_figheight()
    fig.subplots_adjust(top=1 - 0.75 / height)
    fig.suptitle(f"PulseBoot {kind}: {summary.get('program', '?')} on {summary.get('board', '?')}{sub}\n"
                 f"{done}, {text}", fontsize=11, y=1 - 0.1 / height, va="top")


class _View:
    """Draws one column of rows (the whole session or the zoom) and collects the legend."""

    def __init__(self, rec, summary):
        self.rec = rec
        self.summary = summary
        self.n = rec.chambers
        self.colours, self.dashes = _styles(self.n)
        self.targets = [(e.t_ms, events.targets(e.value)) for e in rec.events if e.key == "targets"]
        self.targets = [(t, v) for t, v in self.targets if v] or (
            [(rec.t_ms[0], list(summary["targets_mmhg"]))] if summary.get("targets_mmhg") else [])
        top = max([v for col in rec.p for v in col if v == v] + [v for _, vs in self.targets for v in vs] + [10.0])
        self.top = top * 1.25
        self.bottom = min([0.0] + [v for col in rec.p for v in col if v == v]) - 1
        self.seen = {}

    def legend(self):
        handles, labels = [], []
        for i in range(self.n):
            where = " (distal)" if i == 0 else " (proximal)" if i == self.n - 1 else ""
            handles.append(Line2D([], [], color=self.colours[i], ls=self.dashes[i], lw=1.6))
            labels.append(f"chamber {i + 1}{where}")
        if self.targets:
            handles.append(Line2D([], [], color="grey", ls=":", lw=1.2))
            labels.append("target (dotted)")
        for label, handle in self.seen.items():
            handles.append(handle)
            labels.append(label)
        return handles, labels

    def draw(self, axes, series, scale, window, labels=False):
        ax_p, ax_pump, ax_in, ax_out, ax_state = axes
        t = [x / scale for x in series["t"]]
        lo, hi = window[0] / scale, window[1] / scale
        self._pressures(ax_p, t, series["p"], scale, window, labels)
        ax_pump.fill_between(t, series["pump"], step="post", color="tab:orange", alpha=0.8, lw=0)
        ax_pump.set_ylim(0, 105)
        ax_pump.set_yticks([0, 100])
        ax_pump.set_ylabel("pump %", rotation=0, ha="right", va="center")
        for ax, lanes, name in ((ax_in, series["inl"], "inlet\nopen"), (ax_out, series["out"], "vent\nopen")):
            for i in range(self.n):
                ax.fill_between(t, i + 0.1, [i + 0.1 + 0.8 * v for v in lanes[i]], step="post",
                                color=self.colours[i], lw=0)
            ax.set_ylim(0, self.n)
            ax.set_yticks([i + 0.5 for i in range(self.n)])
            ax.set_yticklabels([str(i + 1) for i in range(self.n)], fontsize=7)
            ax.set_ylabel(name, rotation=0, ha="right", va="center")
        self._states(ax_state, scale, window)
        self._marks(axes, scale, window, labels)
        ax_state.set_xlim(lo - 0.006 * (hi - lo), hi)  # a press at the very start stays in sight

    def _pressures(self, ax, t, p, scale, window, labels):
        for i in range(self.n):
            ax.plot(t, p[i], color=self.colours[i], ls=self.dashes[i], lw=1.2)
        for k, (start, values) in enumerate(self.targets):
            stop = self.targets[k + 1][0] if k + 1 < len(self.targets) else _end(self.rec)
            if stop <= window[0] or start >= window[1]:
                continue
            a, b = max(start, window[0]) / scale, min(stop, window[1]) / scale
            for i, v in enumerate(values[:self.n]):
                ax.plot([a, b], [v, v], color=self.colours[i], ls=":", lw=1.0, alpha=0.9)
        limit = self.summary.get("hard_limit_mmhg")
        if limit is not None and limit <= self.top:
            ax.axhline(limit, color="red", ls=":", lw=1.5)
            self.seen.setdefault(f"hard limit {limit:g} mmHg", Line2D([], [], color="red", ls=":", lw=1.5))
        elif limit is not None:
            self.seen.setdefault(f"hard limit {limit:g} mmHg (above the scale)", Line2D([], [], ls="none"))
        if labels:  # each chamber's number beside its peak in the zoom
            for i in range(self.n):
                col = p[i]
                k = max(range(len(col)), key=lambda j: col[j] if col[j] == col[j] else -1e9)
                ax.annotate(str(i + 1), (t[k], col[k]), textcoords="offset points", xytext=(0, 3),
                            ha="center", va="bottom", fontsize=8, color=self.colours[i], weight="bold")
        ax.set_ylim(self.bottom, self.top)
        ax.set_ylabel("pressure (mmHg)" if self.rec.true else "believed\npressure (mmHg)")
        ax.grid(True, alpha=0.3)

    def _states(self, ax, scale, window):
        states = self.rec.states
        end = _end(self.rec)
        for k, (start, state) in enumerate(states):
            stop = states[k + 1][0] if k + 1 < len(states) else end
            if stop <= window[0] or start >= window[1]:
                continue
            a, b = max(start, window[0]) / scale, min(stop, window[1]) / scale
            colour = STATE_COLOURS.get(state, "white")
            ax.broken_barh([(a, b - a)], (0.0, 0.55), color=colour, lw=0)
            self.seen.setdefault(f"state {state}", Patch(color=colour))
            if (b - a) > 0.1 * (window[1] - window[0]) / scale:
                ax.text((a + b) / 2, 0.27, state, ha="center", va="center", fontsize=7)
        for start, held, name in ((p[0], p[2], p[1]) for p in self.rec.presses):
            if not window[0] <= start < window[1]:
                continue
            x = start / scale
            colour = BUTTON_COLOURS.get(name, "grey")
            long = held is not None and held >= timeline.LONG_MS
            if held:
                ax.plot([x, min(start + held, window[1]) / scale], [0.78, 0.78], color=colour, lw=2)
            ax.plot([x], [0.78], marker="v", ms=7 if long else 5, color=colour, mfc=colour if long else "white")
            label = f"press {name.upper()}" + (" (long)" if long else "")
            self.seen.setdefault(label, Line2D([], [], color=colour, marker="v", ls="",
                                               mfc=colour if long else "white"))
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_ylabel("state,\nbuttons", rotation=0, ha="right", va="center")

    def _marks(self, axes, scale, window, labels):
        ax_p = axes[0]
        top = self.top
        inside = [e for e in self._mark_list() if window[0] <= e[0] <= window[1]]
        for k, (t_ms, kind, text) in enumerate(inside):
            x = t_ms / scale
            style = {"inject": (INJECT, ":", "fault injected"), "trip": (TRIP, "-", "fault latched (trip)"),
                     "end": (END, "-.", "session end")}[kind]
            for ax in axes:
                ax.axvline(x, color=style[0], ls=style[1], lw=1.3)
            self.seen.setdefault(style[2], Line2D([], [], color=style[0], ls=style[1], lw=1.3))
            right = (t_ms - window[0]) > 0.8 * (window[1] - window[0])  # near the right edge: write to the left
            ax_p.text(x, top * (0.97 - 0.075 * (k % 4)), text + " " if right else " " + text, color=style[0],
                      ha="right" if right else "left", va="top", fontsize=8,
                      bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
        for start, stop, _code in self.rec.trips:
            stop = _end(self.rec) if stop is None else stop
            if stop <= window[0] or start >= window[1]:
                continue
            for ax in axes[:-1]:
                ax.axvspan(max(start, window[0]) / scale, min(stop, window[1]) / scale, color="red", alpha=0.1, lw=0)

    def _mark_list(self):
        marks = [(f["t_ms"], "inject", "%s, ch %d" % (f["kind"], f["chamber"]))
                 for f in self.summary.get("injected") or []]
        marks += [(f["t_ms"], "trip", "FAULT " + f["code"]) for f in self.summary.get("faults") or []]
        marks += [(e["t_ms"], "end", "session end: " + e["reason"]) for e in self.summary.get("session_ends") or []]
        return sorted(marks)
