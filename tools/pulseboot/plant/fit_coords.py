"""The coordinates `pulseboot fit` searches in, and the plant parameters they stand for.

Most parameters are searched as they are (Direct). The boot's volume curve is not: a fill to
50 mmHg shows the bladder's compliance V'(p) = unfold / knee exp(-p / knee) + give well at
every pressure it passes, but unfold, knee and give trade against each other along a
narrow, curved valley (correlations of 0.99), where the least squares crawls and can stop
short. So the curve is searched as its slopes at 0, p_ref and 2 p_ref (Curve), which the
fills pin down each on its own; with a = unfold / knee and E = exp(-p_ref / knee):

    s0 = a + give,  s1 = a E + give,  s2 = a E^2 + give
    give = (s0 s2 - s1^2) / (s0 + s2 - 2 s1),  a = s0 - give,  E = (s1 - give) / a

Slopes that no such curve has (not falling, or falling to below zero) stand for nothing:
params() returns None and the fit steps back.
"""
import math

import numpy as np

CURVE = ("chamber_unfold_l", "knee_mmhg", "tissue_l_per_mmhg")


class Direct:
    def __init__(self, names):
        self.names = list(names)

    def start(self, pr):
        return [getattr(pr, n) for n in self.names]

    def params(self, z):
        return dict(zip(self.names, z))


class Curve:
    """The three CURVE parameters as slopes (the others in `names` as they are)."""

    def __init__(self, names, p_ref):
        self.names = list(names)
        self.p_ref = float(p_ref)
        self.rest = [n for n in names if n not in CURVE]

    def start(self, pr):
        a = pr.chamber_unfold_l / pr.knee_mmhg
        e = math.exp(-self.p_ref / pr.knee_mmhg)
        t = pr.tissue_l_per_mmhg
        return [a + t, a * e + t, a * e * e + t] + [getattr(pr, n) for n in self.rest]

    def params(self, z):
        s0, s1, s2 = z[:3]
        bend = s0 + s2 - 2 * s1
        if not (s0 > s1 > s2 > 0 and bend > 0):
            return None
        give = (s0 * s2 - s1 * s1) / bend
        a = s0 - give
        if not (give > 0 and a > 0):
            return None
        e = (s1 - give) / a
        if not 0 < e < 1:
            return None
        knee = -self.p_ref / math.log(e)
        out = {"chamber_unfold_l": a * knee, "knee_mmhg": knee, "tissue_l_per_mmhg": give}
        out.update(zip(self.rest, z[3:]))
        return out


def relative_cov(coords, z, cov_log_z, names):
    """The covariance of the logarithms of the plant parameters `names`, carried over from
    that of the coordinates' logarithms (first order: H cov H^T, H by differences)."""
    base = coords.params(list(z))
    logz = np.log(np.asarray(z, float))
    h = np.empty((len(names), len(z)))
    for j in range(len(z)):
        step = 1e-4
        zj = logz.copy()
        zj[j] += step
        moved = coords.params(list(np.exp(zj)))
        if moved is None:
            zj[j] -= 2 * step
            moved = coords.params(list(np.exp(zj)))
            step = -step
        for i, n in enumerate(names):
            h[i, j] = (math.log(moved[n]) - math.log(base[n])) / step
    return h @ cov_log_z @ h.T
