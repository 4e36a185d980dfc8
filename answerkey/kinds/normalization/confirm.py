"""kind: normalization -- the independent confirmation of its answers (no code shared with its solver):
the forward pass written again from PyTorch's documented formulas (BatchNorm1d in training mode: per
feature over the batch; LayerNorm over the last dimension: per example; both with the biased variance,
y = (x - E[x]) / sqrt(Var[x] + eps) * gamma + beta), in 30-digit floating point, and the backward pass by
central differences of L = sum(upstream * y(x, gamma, beta)) -- not by any formula for the gradient."""
from __future__ import annotations

import mpmath

from ...numerics import agree, central_difference, failure
from .fields import setup


def _mp(v):
    return mpmath.mpf(v.p) / v.q if v.is_Rational else mpmath.mpf(str(v))


def forward(kind, x, gamma, beta, eps):
    """(means, variances, xhat, y) of the matrix x (lists of mpf), statistics per column (batch) or per
    row (layer)."""
    n, d = len(x), len(x[0])
    if kind == "batch":
        groups = [[(i, j) for i in range(n)] for j in range(d)]
    else:
        groups = [[(i, j) for j in range(d)] for i in range(n)]
    means, variances = [], []
    xhat = [[None] * d for _ in range(n)]
    for cells in groups:
        mean = mpmath.fsum(x[i][j] for i, j in cells) / len(cells)
        var = mpmath.fsum((x[i][j] - mean) ** 2 for i, j in cells) / len(cells)
        means.append(mean)
        variances.append(var)
        for i, j in cells:
            xhat[i][j] = (x[i][j] - mean) / mpmath.sqrt(var + eps)
    y = [[xhat[i][j] * gamma[j] + beta[j] for j in range(d)] for i in range(n)]
    return means, variances, xhat, y


def _entries(value):
    return [value[i, j] for i in range(value.rows) for j in range(value.cols)]


def confirm(problem, solution) -> list[str]:
    s = setup(problem)
    x = [[_mp(v) for v in row] for row in s.x]
    gamma, beta, eps = [_mp(v) for v in s.gamma], [_mp(v) for v in s.beta], _mp(s.eps)
    means, variances, xhat, y = forward(s.type, x, gamma, beta, eps)
    answers = solution.answers
    want = {"mean": means, "variance": variances, "xhat": [v for row in xhat for v in row],
            "y": [v for row in y for v in row]}
    count = 0
    for label, mine in want.items():
        theirs = _entries(answers[label].expr)
        if len(theirs) != len(mine):
            raise failure(problem, label, f"{len(theirs)} entries in the key, {len(mine)} by PyTorch's formula")
        for a, b in zip(mine, theirs):
            if not agree(a, _mp(b)):
                raise failure(problem, label, f"{mpmath.nstr(_mp(b), 10)} in the key, {mpmath.nstr(a, 10)} by "
                                              "PyTorch's formula")
            count += 1
    out = [f"mean, variance, xhat, y: all {count} values recomputed from PyTorch's formula "
           f"({'BatchNorm1d, training mode' if s.type == 'batch' else 'LayerNorm'}, biased variance)"]
    if s.upstream is None:
        return out
    g = [[_mp(v) for v in row] for row in s.upstream]
    n, d = s.n, s.d

    def loss(*flat):
        xs = [list(flat[r * d:(r + 1) * d]) for r in range(n)]
        gs, bs = list(flat[n * d:n * d + d]), list(flat[n * d + d:])
        _, _, _, out_y = forward(s.type, xs, gs, bs, eps)
        return mpmath.fsum(g[i][j] * out_y[i][j] for i in range(n) for j in range(d))

    point = [v for row in x for v in row] + gamma + beta
    numeric = [central_difference(loss, point, t) for t in range(len(point))]
    grads = {"dx": numeric[:n * d], "dgamma": numeric[n * d:n * d + d], "dbeta": numeric[n * d + d:]}
    scale = max([abs(v) for v in numeric] + [mpmath.mpf(1)])
    for label, mine in grads.items():
        theirs = _entries(answers[label].expr)
        for t, (a, b) in enumerate(zip(mine, theirs)):
            b = _mp(b)
            if abs(a - b) > mpmath.mpf("1e-9") * scale:  # central differences: accurate to about 1e-18 here
                raise failure(problem, label, f"entry {t + 1}: {mpmath.nstr(b, 10)} in the key, "
                                              f"{mpmath.nstr(a, 10)} by central differences of L")
    out.append(f"dgamma, dbeta, dx: all {len(point)} values agree with central differences of "
               "L = sum(upstream * y) (to 1e-9 of the largest)")
    return out
