"""kind: jacobian -- the independent confirmation: every entry against mpmath's numerical differentiation of
the outputs themselves (constants drawn), at random points and at the given one; the determinant against
mpmath's determinant of the numerically differentiated matrix. A vector function of a vector: its outputs
written out at n = 2, 3, 4 (or the given length), every entry of the answer against central finite
differences at random points (matrices and biases drawn), and at the point by the key's convention at
relu's kink."""
from __future__ import annotations

import random

import mpmath

import sympy as sp

from ...numerics import (agree, central_difference, convention_branches, data_of, failure, numeric_function,
                         random_point, value_at)
from .fields import is_vector_form, setup, setup_vector


def confirm(problem, solution) -> list[str]:
    if is_vector_form(problem):
        return _confirm_vector(problem, solution)
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


def _confirm_vector(problem, solution) -> list[str]:
    info = setup_vector(problem)
    x, n, m, i, entry = info["x"], info["n"], info["m"], info["i"], info["entry"]
    answer = solution.answers["jacobian"]
    lengths = sorted({s for d in (n, m) for s in sp.sympify(d, strict=True).free_symbols}, key=str)
    rng = random.Random(14)
    count = 0
    for size in ([2, 3, 4] if lengths else [None]):
        sizes = {s: size for s in lengths}
        N, M = int(n.subs(sizes)), int(m.subs(sizes))
        entries = [x[c] for c in range(1, N + 1)]
        outputs = [entry.subs({**sizes, i: r}).doit() for r in range(1, M + 1)]
        data = sorted({d for f in outputs for d in data_of(f, entries)}, key=str)
        fns = [numeric_function(f, entries + data) for f in outputs]
        for _ in range(3):
            point, values = random_point(rng, N), random_point(rng, len(data))
            for r in range(1, M + 1):
                for c in range(1, N + 1):
                    want = central_difference(lambda *v: fns[r - 1](*v, *values), point, c - 1)
                    if answer.index is not None:
                        row, col = answer.index
                        got = value_at(answer.expr, {**sizes, row: r, col: c}, entries + data, point + values)
                    else:
                        got = value_at(answer.expr[r - 1, c - 1], {}, entries + data, point + values)
                    if not agree(got, want):
                        raise failure(problem, "jacobian", f"entry ({r}, {c}) at {[mpmath.nstr(p, 5) for p in point]}"
                                                           + (f" with n = {size}" if size else "")
                                                           + f" is {mpmath.nstr(got, 8)}, central finite differences "
                                                             f"give {mpmath.nstr(want, 8)}")
                    count += 1
    done = [f"jacobian: {count} entries agree with central finite differences of the outputs at random points"
            + (" (n = 2, 3, 4)" if lengths else "") + (" (matrices and biases drawn too)" if info["form"] == "affine"
                                                        else "")]
    point = info["point"]
    if point:
        N = int(n)
        entries = [x[c] for c in range(1, N + 1)]
        at = [mpmath.mpf(sp.N(point[v], 30)) for v in entries]
        got = solution.answers["jacobian_at"].expr
        for r in range(1, N + 1):
            f = entry.subs(i, r).doit()
            smooth = convention_branches(f, point)  # relu at 0: the branch relu'(0) = 0 differentiates
            fn = numeric_function(smooth, entries)
            for c in range(1, N + 1):
                want = central_difference(fn, at, c - 1)
                if not agree(mpmath.mpf(sp.N(got[r - 1, c - 1], 30)), want):
                    raise failure(problem, "jacobian_at", f"entry ({r}, {c}) is {got[r - 1, c - 1]}, central finite "
                                                          f"differences give {mpmath.nstr(want, 8)}")
        done.append("jacobian_at: every entry agrees with central finite differences at the point"
                    + (" (relu'(0) = 0 at the kink)" if info["form"] == "relu" else ""))
    return done
