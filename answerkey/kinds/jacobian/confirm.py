"""kind: jacobian -- the independent confirmation: every entry against mpmath's numerical differentiation of
the outputs themselves (constants drawn), at random points and at the given one; the determinant against
mpmath's determinant of the numerically differentiated matrix."""
from __future__ import annotations

import random

import mpmath

from ...numerics import agree, data_of, failure, numeric_function, random_point, value_at
from .fields import setup


def confirm(problem, solution) -> list[str]:
    outputs, variables, point = setup(problem)
    exprs = list(outputs.values())
    data = sorted({d for f in exprs for d in data_of(f, variables)}, key=str)
    fns = [numeric_function(f, variables + data) for f in exprs]
    rng = random.Random(6)
    jac = solution.answers["jacobian"].expr
    n = len(variables)

    def numeric(at, values):
        out = mpmath.matrix(len(fns), n)
        for i, fn in enumerate(fns):
            for j in range(n):
                out[i, j] = mpmath.diff(lambda *p: fn(*p, *values), at, tuple(1 if k == j else 0 for k in range(n)))
        return out

    points = [(random_point(rng, n), random_point(rng, len(data))) for _ in range(3)]
    if point and not data:
        points.append(([mpmath.mpf(point[v].evalf(30)) for v in variables], []))
    for at, values in points:
        want = numeric(at, values)
        for i in range(len(fns)):
            for j in range(n):
                got = value_at(jac[i, j], {}, variables + data, at + values)
                if not agree(got, want[i, j], loose=True):
                    raise failure(problem, "jacobian", f"entry ({i + 1}, {j + 1}) at {[mpmath.nstr(a, 5) for a in at]} "
                                                       f"is {mpmath.nstr(got, 8)}, numerical differentiation gives "
                                                       f"{mpmath.nstr(want[i, j], 8)}")
        if "det" in solution.answers:
            got = value_at(solution.answers["det"].expr, {}, variables + data, at + values)
            if not agree(got, mpmath.det(want), loose=True):
                raise failure(problem, "det", f"is {mpmath.nstr(got, 8)}, the determinant of the numerical Jacobian "
                                              f"is {mpmath.nstr(mpmath.det(want), 8)}")
    if point and not data:
        at = points[-1][0]
        want = numeric(at, [])
        got = solution.answers["jacobian_at"].expr
        for i in range(len(fns)):
            for j in range(n):
                if not agree(mpmath.mpf(got[i, j].evalf(30)), want[i, j], loose=True):
                    raise failure(problem, "jacobian_at", f"entry ({i + 1}, {j + 1}) is {got[i, j]}, numerical "
                                                          f"differentiation gives {mpmath.nstr(want[i, j], 8)}")
    return [f"jacobian: every entry agrees with numerical differentiation of the outputs at {len(points)} points"
            + (", and its determinant with the numerical one" if "det" in solution.answers else "")
            + (f" (constants drawn too: {', '.join(str(d) for d in data)})" if data else "")]
