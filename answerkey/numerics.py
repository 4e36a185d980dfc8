"""Shared numerical mathematics of the confirmations (and of whoever else needs it): finite differences in
high precision, agreement with a floor, random points, the convention branches at kinks, counting window
positions, evaluating a graph. Nothing here knows a kind; a kind's confirmation combines these with its own
reading of the spec, sharing no code with its solver.
"""
from __future__ import annotations

import math

import mpmath
import sympy as sp

from . import mathobj as mo
from . import numeval
from .errors import VerificationError


mpmath.mp.dps = 30


H = mpmath.mpf("1e-10")


TOL = mpmath.mpf("1e-8")


def failure(problem, label: str, what: str) -> VerificationError:
    return VerificationError(f"{problem.doc.file}: {problem.label}: answer '{label}' failed its independent "
                             f"check: {what}")


def _lambdified(expr, variables):
    expr = mo.plain_functions(mo.elementary(expr).doit())
    dummies = [sp.Dummy() for _ in variables]
    body = expr.xreplace(dict(zip(variables, dummies)))
    return sp.lambdify(dummies, body, modules=["mpmath"])


def numeric_function(expr, variables):
    """An mpmath function of the given variables (SymPy symbols or entries), from the spec's expression:
    evaluated by numeval, or through lambdify when it holds something numeval does not know."""
    body = mo.elementary(expr)
    keys = [numeval.key_of(v) for v in variables]
    slow = []

    def fn(*values):
        if not slow:
            try:
                return numeval.evaluate(body, {}, numeval.Point(fixed=dict(zip(keys, values))))
            except numeval.Unsupported:
                slow.append(_lambdified(expr, variables))
        return slow[0](*values)

    return fn


def value_at(expr, env: dict, variables, point):
    """expr's value with the integer symbols of env and the variables at point (mpmath; SymPy's own
    evaluation when numeval does not know a part)."""
    try:
        return numeval.evaluate(mo.elementary(expr), env,
                                numeval.Point(fixed={numeval.key_of(v): p for v, p in zip(variables, point)}))
    except numeval.Unsupported:
        exact = mo.elementary(expr.subs(env)).doit().subs(dict(zip(variables, point)))
        value = sp.N(exact, 30)
        return mpmath.mpf(value) if value.is_real else mpmath.mpc(complex(value))


def _step(p, h=None):
    """The difference step at a coordinate p: H, or smaller beside a small p (log z at z = 1e-20 must not
    step across 0)."""
    h = h or H
    p = abs(mpmath.mpf(p))
    return h * p if 0 < p < 1 else h


def central_difference(fn, point: list, i: int):
    """(f(p + h e_i) - f(p - h e_i)) / 2h, with the working precision raised by the size of f so that a
    large value does not swamp the difference."""
    magnitude = abs(fn(*point))
    extra = int(mpmath.log10(magnitude + 1)) if mpmath.isfinite(magnitude) else 0
    with mpmath.workdps(mpmath.mp.dps + max(0, extra)):
        up, down = [mpmath.mpf(v) for v in point], [mpmath.mpf(v) for v in point]
        h = _step(point[i])
        up[i] += h
        down[i] -= h
        return (fn(*up) - fn(*down)) / (2 * h)


FLOOR = mpmath.mpf("1e-12")  # below it, values are compared absolutely (finite differences leave noise)


def agree(a, b, loose: bool = False) -> bool:
    a, b = (mpmath.mpmathify(v) for v in (a, b))
    scale = max(FLOOR, abs(a), abs(b))
    return bool(abs(a - b) <= TOL * (100 if loose else 1) * scale)


def random_point(rng, size):
    return [mpmath.mpf(rng.choice([-1, 1]) * rng.uniform(0.3, 2.0)) for _ in range(size)]


def data_of(f, variables, lengths: dict | None = None) -> list:
    """The names of f that are not variables -- constants (lambda, T, y) and the entries of data vectors
    (x_i when the gradient is with respect to w) -- which the confirmation draws values for too."""
    variables = set(variables)
    labels = {e.base.label for e in f.atoms(sp.Indexed)}
    out = [s for s in f.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer and s not in variables
           and s not in labels]
    for base in sorted({e.base for e in f.atoms(sp.Indexed)}, key=str):
        length = (lengths or {}).get(str(base.label))
        if length is not None and sp.sympify(length, strict=True).is_number:
            entries = [base[i] for i in range(1, int(length) + 1)]
        else:
            entries = sorted((e for e in f.atoms(sp.Indexed) if e.base == base and
                              all(i.is_Integer for i in e.indices)), key=str)
        out.extend(e for e in entries if e not in variables)
    return sorted(set(out), key=str)


def one_sided(fn, point: list, i: int, side: int, h=None):
    """The one-sided difference quotient of fn at point along coordinate i: side +1 from the right, -1
    from the left (second order: (-3f(p) + 4f(p + h) - f(p + 2h)) / 2h)."""
    h = _step(point[i], h or mpmath.mpf("1e-12"))

    def at(t):
        q = list(point)
        q[i] += side * t
        return fn(*q)

    return side * (-3 * at(0) + 4 * at(h) - at(2 * h)) / (2 * h)


def convention_branches(expr, values: dict):
    """expr with each gate that meets its kink at `values` replaced by the branch the key's documented
    convention differentiates: relu(u) at u = 0 by 0 (relu'(0) = 0), |u| at 0 by 0 (|u|'(0) = 0), a max or
    min whose arguments tie by the mean of the tied ones (a tie splits equally). The result has the same
    value at the point and is smooth there; its finite differences are what the convention says. Written
    here from the spec's expression, not taken from the solver."""
    def number(e):
        v = sp.sympify(e, strict=True).xreplace(values)
        return v if v.is_number else None

    def branch(e):
        if isinstance(e, (mo.relu, sp.Abs)):
            u = number(e.args[0])
            return sp.Integer(0) if u is not None and u == 0 else e
        args = [number(a) for a in e.args]
        if any(a is None for a in args):
            return e
        top = max(args) if isinstance(e, sp.Max) else min(args)
        tied = [a for a, v in zip(e.args, args) if v == top]
        return sp.Add(*tied) / len(tied) if len(tied) > 1 else e

    return expr.replace(lambda e: isinstance(e, (mo.relu, sp.Abs, sp.Max, sp.Min)), branch)


def gradient_mismatch(fn, point: list, got: list, names: list, branch=None) -> tuple[int, str, str] | None:
    """None when `got` is a gradient of fn at point that finite differences bear out, else (the component
    at fault, why, which check: smooth, branch, alike or direction).

    Where fn is differentiable in a coordinate (its one-sided slopes agree), that component must equal
    the slope. At a kink (relu at 0, a tie in max, |x| at 0) it must equal the slope of `branch`, the
    function with its kinked gates replaced by the branches the convention differentiates
    (convention_branches); coordinates that fn treats alike there must get equal components; and along the
    direction that moves them together, if fn is differentiable along it, they must add up to its slope
    (so a tie split equally, 1/3 each of max(x, y, z) at (1, 1, 1), is confirmed two ways)."""
    n = len(point)
    f0 = fn(*point)
    right = [one_sided(fn, point, i, 1) for i in range(n)]
    left = [one_sided(fn, point, i, -1) for i in range(n)]
    kinked = []
    for i in range(n):
        if not (mpmath.isfinite(right[i]) and mpmath.isfinite(left[i])):
            return i, f"{names[i]}: the function is not differentiable there (a one-sided slope is infinite)", "smooth"
        if agree(right[i], left[i]):
            if not agree(got[i], (right[i] + left[i]) / 2):
                return i, (f"d/d{names[i]} is {mpmath.nstr(got[i], 8)} but finite differences give "
                           f"{mpmath.nstr((right[i] + left[i]) / 2, 8)}"), "smooth"
            continue
        kinked.append(i)
        if branch is not None:
            want = central_difference(branch, point, i)
            if not agree(got[i], want):
                return i, (f"d/d{names[i]} is {mpmath.nstr(got[i], 8)} at a kink, where the key's conventions give "
                           f"{mpmath.nstr(want, 8)} (one-sided slopes {mpmath.nstr(left[i], 8)} and "
                           f"{mpmath.nstr(right[i], 8)})"), "branch"
    h = mpmath.mpf("1e-9")

    def moved(delta):
        return fn(*[p + d for p, d in zip(point, delta)])

    groups = []
    step = mpmath.mpf("1e-7")

    def slope(delta):
        return (moved([step * d for d in delta]) - f0) / step

    for i in kinked:
        for group in groups:
            j = group[0]
            swap = [1 if m == i else -1 if m == j else 0 for m in range(n)]
            same = agree(right[i], right[j]) and agree(left[i], left[j]) and \
                agree(slope(swap), slope([-d for d in swap]))
            if same:
                group.append(i)
                break
        else:
            groups.append([i])
    for group in groups:
        for i in group[1:]:
            if not agree(got[i], got[group[0]]):
                return i, (f"d/d{names[i]} is {mpmath.nstr(got[i], 8)} and d/d{names[group[0]]} is "
                           f"{mpmath.nstr(got[group[0]], 8)}, although the function treats the two alike there"), "alike"
        d = [1 if m in group else 0 for m in range(n)]
        up = (moved([h * v for v in d]) - f0) / h
        down = (f0 - moved([-h * v for v in d])) / h
        if agree(up, down, loose=True):
            total = sum(got[i] for i in group)
            if not agree(total, (up + down) / 2, loose=True):
                return group[0], (f"the components for {', '.join(names[i] for i in group)} add up to "
                                  f"{mpmath.nstr(total, 8)}, but moving them together changes the function at the "
                                  f"rate {mpmath.nstr((up + down) / 2, 8)}"), "direction"
    return None


def windows(size: int, k: int, s: int, p: int, d: int) -> int:
    """The positions where a window of k taps, d apart, fits in size + 2p cells, moved s at a time."""
    count, start = 0, 0
    span = d * (k - 1) + 1
    while start + span <= size + 2 * p:
        count += 1
        start += s
    return count


def scattered(size: int, k: int, s: int, p: int, d: int, op: int) -> int:
    """A transposed convolution's output length: the cells its scattered windows touch, cropped by p and
    extended by the output padding."""
    touched = {i * s + j * d for i in range(size) for j in range(k)}
    return max(touched) + 1 - 2 * p + op


def array_size(shape) -> int:
    """The entries of a weight array of this shape (the product of its sizes)."""
    return math.prod(shape)


# -- points of a domain: the assumptions of a claim (x > -1, 0 < p < 1, x < y) ----------------------------


def _bounds(conditions, symbol):
    """The numeric bounds that `conditions` (SymPy relations) put on `symbol` alone: (lo, hi), each a
    float or None."""
    lo = hi = None
    for c in conditions:
        if not isinstance(c, sp.core.relational.Relational) or isinstance(c, (sp.Eq, sp.Ne)):
            continue
        left, right = c.lhs, c.rhs
        if left == symbol and right.is_number:
            value, upper = float(right), isinstance(c, (sp.StrictLessThan, sp.LessThan))
        elif right == symbol and left.is_number:
            value, upper = float(left), isinstance(c, (sp.StrictGreaterThan, sp.GreaterThan))
        else:
            continue
        if upper:
            hi = value if hi is None else min(hi, value)
        else:
            lo = value if lo is None else max(lo, value)
    return lo, hi


def _draw(rng, lo, hi):
    """One value in (lo, hi) (either may be None: unbounded), spread over scales, often near an end."""
    offset = 10 ** rng.uniform(-4, 2.5) if rng.random() < 0.7 else rng.uniform(0, 3)
    if lo is not None and hi is not None:
        width = hi - lo
        if rng.random() < 0.5:
            return lo + width * rng.uniform(0.001, 0.999)
        near = width * 10 ** rng.uniform(-5, -0.5)
        return lo + near if rng.random() < 0.5 else hi - near
    if lo is not None:
        return lo + max(offset, 1e-6)
    if hi is not None:
        return hi - max(offset, 1e-6)
    return rng.choice([-1, 1]) * offset


def satisfied(conditions, values: dict) -> bool:
    """Every condition holds at the point (values: symbol -> number), in 30-digit arithmetic."""
    for c in conditions:
        left = numeval.evaluate(c.lhs, {}, numeval.Point(fixed={numeval.key_of(k): v for k, v in values.items()}))
        right = numeval.evaluate(c.rhs, {}, numeval.Point(fixed={numeval.key_of(k): v for k, v in values.items()}))
        if isinstance(left, mpmath.mpc) or isinstance(right, mpmath.mpc):
            return False
        holds = {sp.StrictLessThan: left < right, sp.LessThan: left <= right, sp.StrictGreaterThan: left > right,
                 sp.GreaterThan: left >= right, sp.Eq: left == right, sp.Ne: left != right}.get(type(c))
        if holds is None or not holds:
            return False
    return True


class EmptyDomain(ValueError):
    """The assumptions leave (almost) no point to draw."""


def domain_points(rng, variables, conditions, count: int) -> list[dict]:
    """`count` random points (dicts symbol -> mpf) of the domain the conditions describe: each variable
    drawn within its own numeric bounds (uniformly, over scales, near the ends), points that break a
    condition relating several variables dropped. EmptyDomain when too few points survive."""
    variables = list(variables) + sorted({s for c in conditions for s in c.free_symbols} - set(variables), key=str)
    bounds = {v: _bounds(conditions, v) for v in variables}
    points, tries = [], 0
    while len(points) < count:
        tries += 1
        if tries > 40 * count:
            raise EmptyDomain(f"only {len(points)} of {tries} random points satisfy the assumptions")
        values = {v: mpmath.mpf(_draw(rng, *bounds[v])) for v in variables}
        if satisfied(conditions, values):
            points.append(values)
    return points
