"""Nonlinear least squares for `pulseboot fit`: Levenberg-Marquardt on the logarithms of the
parameters (each stays positive, and a step is a relative change), with the Jacobian by
forward differences at the start and at the end and Broyden's rank-one updates in between,
so an iteration costs one replay rather than one per parameter.

numpy only: the problems are a handful of parameters against tens of thousands of residuals,
where the replay, not the algebra, is the cost.
"""
import numpy as np

_H = 1e-3  # forward-difference step in log space (0.1 %)


class Solution:
    """x: the fitted values; cov: the covariance of their logarithms, from the residuals'
    scatter and the Jacobian at the solution (so se, its diagonal's root, is each one's
    standard error relative to it, a fraction); rms: the residuals' RMS; evals: replays used."""

    def __init__(self, x, cov, rms, evals):
        self.x, self.cov, self.rms, self.evals = x, cov, rms, evals
        self.se = np.sqrt(np.clip(np.diag(cov), 0, None))


def _jacobian(f, y, r):
    J = np.empty((r.size, y.size))
    for j in range(y.size):
        yj = y.copy()
        yj[j] += _H
        J[:, j] = (f(yj) - r) / _H
    return J


def solve(f, x0, max_iter=40, on_iter=None):
    """Minimise |f(x)|^2 over x > 0 from x0; f(x) -> residual vector (numpy). on_iter(k) is
    told of each iteration (progress)."""
    y = np.log(np.asarray(x0, dtype=float))

    def g(yy):  # f in log space
        return f(np.exp(yy))

    r = g(y)
    evals = 1
    cost = float(r @ r)
    J = _jacobian(g, y, r)
    evals += y.size
    measured = True  # J was measured at y, not only updated
    lam = 1e-3
    fails = 0
    for k in range(max_iter):
        if on_iter:
            on_iter(k)
        used_measured = measured
        A = J.T @ J
        step = -np.linalg.solve(A + lam * np.diag(np.diag(A) + 1e-12), J.T @ r)
        step = np.clip(step, -1.0, 1.0)  # at most a factor e a step
        yn = y + step
        rn = g(yn)
        evals += 1
        cn = float(rn @ rn)
        change = rn - r
        improved = cn < cost
        if improved:
            small = np.max(np.abs(step)) < 1e-3 or cost - cn < 1e-6 * cost
            y, r, cost = yn, rn, cn
            lam = max(lam / 4, 1e-9)
            fails = 0
        else:
            small = False
            lam *= 4
            fails += 1
        converged = small or lam > 1e7
        if converged and used_measured:
            # Small steps are not the end in a narrow valley: stop when even the undamped
            # Gauss-Newton step would gain under a twentieth of one residual's variance.
            grad = J.T @ r
            gain = float(grad @ np.linalg.lstsq(J.T @ J, grad, rcond=None)[0])
            if gain < 0.05 * cost / max(1, r.size - y.size):
                break
            lam = 1e-6
        if converged or fails >= 2:
            J = _jacobian(g, y, r)
            evals += y.size
            measured = True
            fails = 0
            lam = min(lam, 1e3)
        else:  # Broyden: J moves to agree with what the step did, kept or not
            J += np.outer(change - J @ step, step) / float(step @ step)
            measured = False
    J = _jacobian(g, y, r)
    evals += y.size
    dof = max(1, r.size - y.size)
    s2 = cost / dof
    try:
        cov = s2 * np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:  # a parameter the residuals do not depend on at all
        cov = np.diag(np.full(y.size, np.inf))
    return Solution(np.exp(y), cov, float(np.sqrt(cost / max(1, r.size))), evals)
