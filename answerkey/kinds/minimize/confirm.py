"""kind: minimize -- the independent confirmation (no code shared with its solver).

Scalar modes: at each critical point of the key the gradient by numerical differentiation is zero; its
class (minimum, maximum, saddle) from the signs of the eigenvalues of a numerical Hessian (mpmath.eigsy);
and no critical point is missing: Newton's root finding (mpmath.findroot) on the numerical gradient from
many random starts finds only points of the key. Constants and data are drawn at random (a data vector of
symbolic length with 4 entries). The matrix mode: at explicit sizes with random matrices, the key's
minimiser against numpy's solution of the quadratic's own equations (its Hessian and its gradient at 0 by
finite differences of the function), and no random nearby point does better. Newton: the steps iterated
in floating point with a numerical gradient and Hessian (mpmath.lu_solve)."""
from __future__ import annotations

import random

import mpmath
import numpy as np
import sympy as sp

from ...numerics import agree, data_of, failure, numeric_function, random_point
from .fields import setup

CLASSES = {"minima": "a local minimum", "maxima": "a local maximum", "saddles": "a saddle point"}


def confirm(problem, solution) -> list[str]:
    info = setup(problem)
    if info["mode"] == "matrix":
        return _matrix(problem, solution, info)
    if info["mode"] == "newton":
        return _newton(problem, solution, info)
    return _scalar(problem, solution, info)


def _order(n, *axes):
    order = [0] * n
    for a in axes:
        order[a] += 1
    return tuple(order)


def _explicit(expr, sizes):
    expr = sp.sympify(expr, strict=True).subs(sizes)
    return expr.doit() if expr.has(sp.Sum) else expr


def _scalar(problem, solution, info) -> list[str]:
    f, variables = info["f"], info["vars"]
    sizes = {s: 4 for length in info["lengths"].values() for s in sp.sympify(length, strict=True).free_symbols}
    g = _explicit(f, sizes)
    lengths = {k: sp.sympify(v, strict=True).subs(sizes) for k, v in info["lengths"].items()}
    data = data_of(g, variables, lengths)
    rng = random.Random(11)
    values = random_point(rng, len(data))
    fixed = dict(zip(data, values))
    fn = numeric_function(g, variables + data)
    n = len(variables)

    def at(*p):
        return fn(*p, *values)

    points = solution.answers["points"].expr
    found = []
    for r in range(points.rows):
        p = [mpmath.mpf(sp.N(_explicit(points[r, i], sizes).xreplace(fixed), 30)) for i in range(n)]
        slopes = [mpmath.diff(at, p, _order(n, i)) for i in range(n)]
        if any(abs(s) > mpmath.mpf("1e-15") for s in slopes):
            raise failure(problem, "points", f"the gradient at point {r + 1} ({[mpmath.nstr(x, 6) for x in p]}) is "
                                             f"{[mpmath.nstr(s, 6) for s in slopes]} by numerical differentiation, "
                                             "not zero")
        H = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                H[i, j] = mpmath.diff(at, p, _order(n, i, j))
        eigen = mpmath.eigsy(H, eigvals_only=True)
        tiny = mpmath.mpf("1e-12") * max([1] + [abs(e) for e in eigen])
        signs = {1 if e > tiny else -1 if e < -tiny else 0 for e in eigen}
        kind = ("a local minimum" if signs == {1} else "a local maximum" if signs == {-1} else
                "a saddle point" if {1, -1} <= signs else None)
        said = [CLASSES.get(key) for key in ("minima", "maxima", "saddles", "undecided") if key in solution.answers
                and any(all(sp.simplify(solution.answers[key].expr[q, i] - points[r, i]) == 0 for i in range(n))
                        for q in range(solution.answers[key].expr.rows))]
        if said == [None] and data:  # the key leaves it to the constants' values: nothing to compare
            said = [kind]
        if kind is not None and said != [kind]:
            raise failure(problem, "points", f"point {r + 1}: the key says {said}, but the eigenvalues of the "
                                             f"numerical Hessian ({', '.join(mpmath.nstr(e, 6) for e in eigen)}) make "
                                             f"it {kind}")
        found.append(p)
    # no critical point missing: roots of the numerical gradient from random starts
    def grad(*p):
        slopes = [mpmath.diff(at, list(p), _order(n, i)) for i in range(n)]
        return slopes if n > 1 else slopes[0]

    extra = 0
    with mpmath.workdps(20):
        for _ in range(12 if n > 1 else 8):
            start = [mpmath.mpf(rng.uniform(-3, 3)) for _ in range(n)]
            try:
                root = mpmath.findroot(grad, start if n > 1 else start[0], tol=mpmath.mpf("1e-16"), maxsteps=60)
            except (ValueError, ZeroDivisionError, TypeError):
                continue
            root = [root] if n == 1 else [root[i] for i in range(n)]
            if any(not mpmath.isfinite(x) or isinstance(x, mpmath.mpc) for x in root):
                continue
            if not all(abs(s) < mpmath.mpf("1e-10") for s in ([grad(*root)] if n == 1 else grad(*root))):
                continue
            if not any(all(abs(a - b) < mpmath.mpf("1e-6") * max(1, abs(b)) for a, b in zip(root, p)) for p in found):
                raise failure(problem, "points", f"Newton's root finding on the gradient finds a critical point "
                                                 f"{[mpmath.nstr(x, 8) for x in root]} that the key does not list")
            extra += 1
    drawn = f" (constants and data drawn: {', '.join(str(d) for d in data)})" if data else ""
    return [f"points: the gradient vanishes at each of the {points.rows} by numerical differentiation, each "
            f"classified by the eigenvalues of a numerical Hessian{drawn}",
            f"points: root finding on the gradient from random starts met only these ({extra} converged)"]


def _matrix(problem, solution, info) -> list[str]:
    f, w = info["f"], info["wrt"]
    key = solution.answers["minimizer"].expr
    rng = random.Random(13)
    matrices = sorted(f.atoms(sp.MatrixSymbol) | {w}, key=lambda m: m.name)
    others = [m for m in matrices if m != w]
    sizes_of = sorted({s for m in matrices for d in m.shape for s in sp.sympify(d, strict=True).free_symbols}, key=str)
    constants = sorted((s for s in f.free_symbols if isinstance(s, sp.Symbol) and not isinstance(s, sp.MatrixSymbol)
                        and not s.is_integer), key=str)
    done = 0
    for _ in range(3):
        sizes = dict(zip(sizes_of, sorted([rng.randint(2, 5) for _ in sizes_of], reverse=True)))  # m >= n
        sized = {m: sp.MatrixSymbol(m.name, *(sp.sympify(d, strict=True).subs(sizes) for d in m.shape))
                 for m in matrices}
        # numpy's own evaluation of the spec's function and of the key's answer (matrix products, inv)
        value = sp.lambdify([sized[m] for m in matrices] + constants, f.xreplace(sized).subs(sizes), modules="numpy")
        answer = sp.lambdify([sized[m] for m in others] + constants, key.xreplace(sized).subs(sizes), modules="numpy")
        arrays = {m: np.array([[rng.uniform(-1, 1) for _ in range(int(sp.sympify(m.shape[1], strict=True).subs(sizes)))]
                               for _ in range(int(sp.sympify(m.shape[0], strict=True).subs(sizes)))]) for m in others}
        drawn = [rng.uniform(0.3, 2.0) for _ in constants]
        n = int(sp.sympify(w.shape[0], strict=True).subs(sizes))

        def fv(v):
            args = [arrays[m] if m != w else np.asarray(v, dtype=float).reshape(n, 1) for m in matrices]
            return float(np.asarray(value(*args, *drawn)).reshape(-1)[0])

        h = 1e-2  # a quadratic's differences are exact but for rounding
        eye = np.eye(n)
        g0 = np.array([(fv(h * e) - fv(-h * e)) / (2 * h) for e in eye])
        H = np.array([[(fv(h * (a + b)) - fv(h * (a - b)) - fv(h * (b - a)) + fv(-h * (a + b))) / (4 * h * h)
                       for b in eye] for a in eye])
        want = np.linalg.solve(H, -g0)
        got = np.asarray(answer(*[arrays[m] for m in others], *drawn), dtype=float).reshape(-1)
        if not np.allclose(got, want, rtol=1e-6, atol=1e-8):
            raise failure(problem, "minimizer", f"at sizes {sizes}: the key gives {np.round(got, 6)}, solving the "
                                                f"quadratic's own equations gives {np.round(want, 6)}")
        best = fv(got)
        for _ in range(10):
            if fv(got + rng.uniform(0.01, 0.5) * np.array([rng.uniform(-1, 1) for _ in range(n)])) < best - 1e-9:
                raise failure(problem, "minimizer", f"at sizes {sizes} a point near the key's minimiser gives a "
                                                    "smaller value")
        done += 1
    return [f"minimizer: at {done} random explicit sizes and matrices, equal to numpy's solution of the quadratic's "
            "own equations (its Hessian and gradient by finite differences of the function), and no nearby point "
            "is lower"]


def _newton(problem, solution, info) -> list[str]:
    f, variables = info["f"], info["vars"]
    n = len(variables)
    fn = numeric_function(f, variables)
    point = mpmath.matrix([mpmath.mpf(sp.N(info["at"][v], 30)) for v in variables])
    for _ in range(problem.fields.newton.steps):
        p = [point[i] for i in range(n)]
        g = mpmath.matrix([mpmath.diff(fn, p, _order(n, i)) for i in range(n)])
        H = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                H[i, j] = mpmath.diff(fn, p, _order(n, i, j))
        point = point - mpmath.lu_solve(H, g)
    got = solution.answers["newton"].expr
    for i in range(n):
        if not agree(mpmath.mpf(sp.N(got[i], 30)), point[i], loose=True):
            raise failure(problem, "newton", f"the key gives {[str(v) for v in got]}, Newton's method in floating "
                                             f"point gives {[mpmath.nstr(point[k], 10) for k in range(n)]}")
    return [f"newton: {problem.fields.newton.steps} step(s) in floating point, gradient and Hessian by numerical "
            "differentiation, agree"]
