"""Plot of a simulated session (PNG, SVG or PDF): chamber pressures with their targets, pump
and valve lanes, faults shaded and the end of each session marked.

`Recorder` is an on_tick consumer that keeps a decimated copy of the run (a 30-minute
session is 72,000 ticks; a plot needs a few thousand points). `plot()` draws it with
matplotlib's object API and its Agg renderer: no pyplot, no GUI backend, no global state.
"""
import math

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch


class Recorder:
    """Keeps one point per `every` ticks. Pressures are sampled at the start of each
    bin; a valve counts as open, and a fault as present, if it was at any tick of
    the bin (so short inlet pulses stay visible); pump is the bin's mean duty."""

    def __init__(self, chambers, duration_s, tick_ms=25, max_points=6000):
        ticks = math.ceil(duration_s * 1000 / tick_ms)
        self.every = max(1, math.ceil(ticks / max_points))
        self.chambers = chambers
        self.t_ms = []
        self.p = [[] for _ in range(chambers)]
        self.pump = []
        self.inl = [[] for _ in range(chambers)]
        self.out = [[] for _ in range(chambers)]
        self.fault = []
        self._n = 0

    def __call__(self, row):
        t_ms, _state, _program, fault, pump, p, _s, inl, out = row
        if self._n == 0:
            self.t_ms.append(t_ms)
            for col, v in zip(self.p, p):
                col.append(v)
            self._pump = pump
            self._inl = list(inl)
            self._out = list(out)
            self._fault = fault
        else:
            self._pump += pump
            self._inl = [a or b for a, b in zip(self._inl, inl)]
            self._out = [a or b for a, b in zip(self._out, out)]
            self._fault = self._fault or fault
        self._n += 1
        if self._n == self.every:
            self._flush()

    def _flush(self):
        self.pump.append(self._pump / self._n)
        for col, v in zip(self.inl, self._inl):
            col.append(1 if v else 0)
        for col, v in zip(self.out, self._out):
            col.append(1 if v else 0)
        self.fault.append(self._fault)
        self._n = 0

    def finish(self):
        """Close a part-filled last bin (call once, after the run)."""
        if self._n:
            self._flush()


def _fault_spans(t, fault, end):
    """(start, stop, code) for each run of consecutive points with a fault."""
    spans, start = [], None
    for i, f in enumerate(fault):
        if f and start is None:
            start = i
        elif not f and start is not None:
            spans.append((t[start], t[i], fault[start]))
            start = None
    if start is not None:
        spans.append((t[start], end, fault[start]))
    return spans


def plot(rec, path, summary, subtitle="", fmt="png"):
    """Write rec to path in format fmt (png, svg or pdf); summary is simulate()'s dict
    (targets, limit, faults, session ends)."""
    rec.finish()
    n = rec.chambers
    if not rec.t_ms:
        raise ValueError("nothing to plot: the run produced no ticks")
    minutes = rec.t_ms[-1] > 15 * 60 * 1000
    scale = 60000.0 if minutes else 1000.0
    t = [x / scale for x in rec.t_ms]
    step = rec.every * 25 / scale
    end = t[-1] + step
    cmap = matplotlib.colormaps["viridis"]  # ordered colours: distal dark, proximal light
    colors = [cmap(0.9 * i / max(1, n - 1)) for i in range(n)]

    lane_h = 0.3 + 0.22 * n
    fig = Figure(figsize=(12, 5 + 0.9 + 2 * lane_h))
    axes = fig.subplots(4, 1, sharex=True,
                        gridspec_kw={"height_ratios": [5, 0.9, lane_h, lane_h], "hspace": 0.12})
    ax_p, ax_pump, ax_in, ax_out = axes

    # Pressures, targets, the hard limit (annotated when off scale, so the waves stay legible).
    targets = summary.get("targets_mmhg") or []
    limit = summary.get("hard_limit_mmhg")
    top = max([max(c) for c in rec.p if c] + list(targets) + [10.0]) * 1.25
    for i in range(n):
        where = " (distal)" if i == 0 else " (proximal)" if i == n - 1 else ""
        label = f"chamber {i + 1}{where}"
        ax_p.plot(t, rec.p[i], color=colors[i], lw=1.2, label=label)
        if i < len(targets):
            ax_p.axhline(targets[i], color=colors[i], ls="--", lw=0.9, alpha=0.8)
    if limit is not None:
        if limit <= top:
            ax_p.axhline(limit, color="red", ls=":", lw=1.5, label=f"hard limit {limit:g} mmHg")
        else:
            ax_p.text(0.995, 0.98, f"hard limit {limit:g} mmHg (above scale)", color="red",
                      transform=ax_p.transAxes, ha="right", va="top", fontsize=9)
    ax_p.set_ylim(min(0.0, *(min(c) for c in rec.p if c)) - 1, top)
    ax_p.set_ylabel("pressure (mmHg)")
    ax_p.grid(True, alpha=0.3)
    handles, labels = ax_p.get_legend_handles_labels()
    handles.append(Line2D([], [], color="grey", ls="--", lw=0.9))
    labels.append("target (dashed)")
    if any(rec.fault):
        handles.append(Patch(color="red", alpha=0.25))
        labels.append("FAULT latched")
    injected = summary.get("injected") or []
    if injected:
        handles.append(Line2D([], [], color="purple", ls=":", lw=1.5))
        labels.append("fault injected")
    ends = summary.get("session_ends") or []
    if ends:
        handles.append(Line2D([], [], color="black", ls="-.", lw=1.2))
        labels.append("session end")
    ax_p.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8,
                ncol=1 + n // 13, framealpha=0.9)
    faults = summary.get("faults") or []
    fault_txt = ", ".join(f"{f['code']} at {f['t_ms'] / 1000:.1f} s" for f in faults) or "no faults"
    unit = "min" if minutes else "s"
    for session_end in ends:
        fault_txt += f"; session ended at {session_end['t_ms'] / scale:.1f} {unit}: {session_end['reason']}"
    subtitle = ", " + subtitle if subtitle else ""
    ax_p.set_title(
        f"PulseBoot sim: {summary.get('program', '?')} on {summary.get('board', '?')}{subtitle}\n"
        f"{summary.get('cycles', '?')} cycles completed, {fault_txt}",
        fontsize=11,
    )

    ax_pump.fill_between(t, rec.pump, step="post", color="tab:orange", alpha=0.8, lw=0)
    ax_pump.set_ylim(0, 105)
    ax_pump.set_yticks([0, 100])
    ax_pump.set_ylabel("pump %", rotation=0, ha="right", va="center")

    for ax, lanes, name in ((ax_in, rec.inl, "inlet\nopen"), (ax_out, rec.out, "vent\nopen")):
        for i in range(n):
            ax.fill_between(t, i + 0.1, [i + 0.1 + 0.8 * v for v in lanes[i]], step="post",
                            color=colors[i], lw=0)
        ax.set_ylim(0, n)
        ax.set_yticks([i + 0.5 for i in range(n)])
        ax.set_yticklabels([str(i + 1) for i in range(n)], fontsize=7)
        ax.set_ylabel(name, rotation=0, ha="right", va="center")

    for start, stop, code in _fault_spans(t, rec.fault, end):
        for ax in axes:
            ax.axvspan(start, stop, color="red", alpha=0.12, lw=0)
        ax_p.text(start, top * 0.97, " FAULT " + code, color="darkred", va="top", fontsize=9)

    for k, f in enumerate(injected):
        x = f["t_ms"] / scale
        for ax in axes:
            ax.axvline(x, color="purple", ls=":", lw=1.5)
        ax_p.text(x, top * (0.88 - 0.07 * (k % 3)), " %s, ch %d" % (f["kind"], f["chamber"]), color="purple",
                  ha="left", va="top", fontsize=9, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8,
                                                         "pad": 1})

    for session_end in ends:
        x = session_end["t_ms"] / scale
        for ax in axes:
            ax.axvline(x, color="black", ls="-.", lw=1.2)
        # Right of the mark, where the chambers are vented: the waves before it stay visible.
        ax_p.text(x, top * 0.97, " session end: %s" % session_end["reason"], ha="left", va="top", fontsize=9,
                  bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})

    ax_out.set_xlim(t[0], end)
    ax_out.set_xlabel("simulated time (%s)" % ("min" if minutes else "s"))
    fig.align_ylabels(axes)
    fig.savefig(path, format=fmt, dpi=100, bbox_inches="tight")
