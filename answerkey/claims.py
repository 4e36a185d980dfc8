r"""A relation between two values checked as a claim: a <= b, a < b, a >= b, a > b (and a = b) on the domain
that a line's assumptions describe (x > -1, 0 < p < 1, x < y).

First symbolically, where SymPy can decide it: the difference, with every variable written as its bound
plus a positive quantity (x > -1: x = -1 + t, t > 0), simplified or factored until SymPy's assumptions
see its sign (a square, a sum of positive terms); or, in one variable, solveset finds no point of the
domain where the claim fails. Otherwise at POINTS random points of the domain, in 30-digit arithmetic:
then it is only checked, not proved, and `Verdict.how` says so ("checked at 200 points").

A claim that fails gives its counterexample: the point and the two sides' values there.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from . import mathobj as mo, numerics

POINTS = 200  # random points of the domain for a claim that is not proved symbolically
DIGITS = 30
TOLERANCE = mpmath.mpf("1e-12")  # a non-strict claim may be off by this, relative (rounding)
STRICT = mpmath.mpf("1e-20")  # a strict claim needs a gap above the arithmetic's noise
FLIP = {"<": ">", "≤": "≥", ">": "<", "≥": "≤", "=": "="}
WORDS = {"=": "=", "<": "<", "≤": r"\leq", ">": ">", "≥": r"\geq"}


class Undefined(ValueError):
    """A side has no real value at a point of the domain (a log of a negative number): the domain is too
    large for the claim; `point` says where."""

    def __init__(self, message, point):
        super().__init__(message)
        self.point = point


@dataclass(frozen=True)
class Verdict:
    holds: bool
    how: str  # "proved" (symbolically) or "points" (checked at `points` random points)
    points: int = 0
    point: dict | None = None  # a counterexample: symbol -> value
    left: object = None  # the sides' values there
    right: object = None

    @property
    def words(self) -> str:
        if not self.holds:
            return "found symbolically" if self.how == "proved" else f"found among {self.points} random points"
        return "proved symbolically" if self.how == "proved" else f"checked at {self.points} points"


def relation_of(a, b, rel: str):
    """The SymPy relation a rel b (unevaluated)."""
    return {"=": sp.Eq, "≠": sp.Ne, "<": sp.Lt, "≤": sp.Le, ">": sp.Gt, "≥": sp.Ge}[rel](a, b, evaluate=False)


def combine(total: str, rel: str) -> str | None:
    """The relation of a chain after one more link: = and <= give <=, any < gives <; None when the link
    goes the other way (<= after >=)."""
    if rel == "=":
        return total
    if total == "=":
        return rel
    if {total, rel} <= {"<", "≤"}:
        return "<" if "<" in (total, rel) else "≤"
    if {total, rel} <= {">", "≥"}:
        return ">" if ">" in (total, rel) else "≥"
    return None


def check(a, rel: str, b, domain=(), rng: random.Random | None = None, points: int = POINTS,
          symbolic: bool = True) -> Verdict:
    """Whether a rel b holds on the domain (a tuple of SymPy relations): proved, or checked at points."""
    a, b = (mo.plain_functions(mo.elementary(sp.sympify(v, strict=True))) for v in (a, b))
    if rel in (">", "≥"):
        a, b, rel = b, a, FLIP[rel]  # a <= b from here on (the counterexample swapped back below)
        swapped = True
    else:
        swapped = False
    proof = prove(a, rel, b, domain) if symbolic else None
    if proof is True:
        return Verdict(True, "proved")
    if isinstance(proof, dict):
        verdict = Verdict(False, "proved", 0, proof, *(_value(v, proof) for v in (a, b)))
    else:
        verdict = at_points(a, rel, b, domain, rng or random.Random(0), points)
    if swapped and not verdict.holds:
        return Verdict(False, verdict.how, verdict.points, verdict.point, verdict.right, verdict.left)
    return verdict


# -- symbolically -------------------------------------------------------------------------------------

def _positive_form(domain, names):
    """A substitution that writes every variable with numeric bounds as its bound plus a positive symbol
    (x > -1: x = t - 1; 0 < p < 1: p = 1/(1 + t)), and the others as real (nonzero where x != 0 is assumed)."""
    sub = {}
    for s in names:
        lo, hi = numerics._bounds(domain, s)
        strict = not any(isinstance(c, (sp.LessThan, sp.GreaterThan)) and s in (c.lhs, c.rhs) for c in domain)
        t = sp.Dummy(s.name, positive=True) if strict else sp.Dummy(s.name, nonnegative=True)
        if lo is not None and hi is not None:
            if not strict:
                continue  # a closed interval: no positive form keeps both ends (the points decide)
            sub[s] = sp.nsimplify(lo) + (sp.nsimplify(hi) - sp.nsimplify(lo)) / (1 + t)
        elif lo is not None:
            sub[s] = sp.nsimplify(lo) + t
        elif hi is not None:
            sub[s] = sp.nsimplify(hi) - t
        elif any(isinstance(c, sp.Ne) and {c.lhs, c.rhs} == {s, 0} for c in domain):
            sub[s] = sp.Dummy(s.name, real=True, nonzero=True)
    return sub


def _sign_known(d, strict: bool) -> bool:
    value = d.is_positive if strict else d.is_nonnegative
    return value is True


def _squared(expr):
    """expr with every positive symbol t written t^2 (so that sqrt(a b) is a b's square root, a product)."""
    sub = {t: sp.Dummy(t.name, positive=True) ** 2 for t in expr.free_symbols if t.is_positive}
    return expr.xreplace(sub)


def _nonnegative(d, strict: bool) -> bool:
    candidates = [d]
    try:
        if sp.count_ops(d) <= 120:
            candidates += [sp.factor(sp.together(d)), sp.simplify(d), sp.factor(sp.together(sp.expand(d)))]
            if d.has(sp.Pow) and any(t.is_positive for t in d.free_symbols):
                candidates.append(sp.factor(sp.together(sp.expand(_squared(d)))))
    except (TypeError, ValueError, NotImplementedError, sp.PolynomialError):
        pass
    for c in candidates:
        if _sign_known(c, strict):
            return True
        num, den = sp.fraction(sp.together(c))
        if _sign_known(den, False) and den.is_nonzero and _sign_known(sp.factor(num), strict):
            return True
    return False


def _interval(domain, x):
    """The domain of one variable as an interval, when every condition is a numeric bound on it."""
    if not all(c.free_symbols == {x} for c in domain):
        return None
    lo, hi = numerics._bounds(domain, x)
    closed_lo = any(isinstance(c, (sp.GreaterThan, sp.LessThan)) and
                    (c.lhs == x and isinstance(c, sp.GreaterThan) or c.rhs == x and isinstance(c, sp.LessThan))
                    for c in domain)
    closed_hi = any(isinstance(c, (sp.GreaterThan, sp.LessThan)) and
                    (c.lhs == x and isinstance(c, sp.LessThan) or c.rhs == x and isinstance(c, sp.GreaterThan))
                    for c in domain)
    if any(not isinstance(c, (sp.GreaterThan, sp.LessThan, sp.StrictGreaterThan, sp.StrictLessThan))
           for c in domain):
        return None
    return sp.Interval(sp.nsimplify(lo) if lo is not None else -sp.oo, sp.nsimplify(hi) if hi is not None else sp.oo,
                       not closed_lo, not closed_hi)


def prove(a, rel: str, b, domain=()):
    """True when SymPy shows a rel b (rel one of <, <=, =) on the domain; a point (symbol -> number) where
    it fails when SymPy finds one (a strict claim whose sides meet); None when it cannot tell."""
    d = b - a
    names = sorted(d.free_symbols, key=str)
    if any(not isinstance(s, sp.Symbol) for s in names) or d.has(sp.Sum, sp.Indexed, sp.MatrixSymbol):
        return None
    if rel == "=":
        return True if sp.simplify(d) == 0 else None
    strict = rel == "<"
    shifted = d.xreplace(_positive_form(domain, names))
    if _nonnegative(shifted, strict):
        return True
    interval = _interval(domain, names[0]) if len(names) == 1 else None
    if interval is None and len(names) == 1 and not domain:
        interval = sp.S.Reals
    if interval is None:
        return None
    x = names[0]
    try:
        if d.is_rational_function(x):  # one variable: no violation on the domain
            where = interval & _defined(d, x)
            if sp.solveset(sp.Le(d, 0) if strict else sp.Lt(d, 0), x, domain=where) is sp.S.EmptySet:
                return True
        if strict and _nonnegative(shifted, False):  # d >= 0: the strict claim fails exactly where d = 0
            zeros = sp.solveset(d, x, domain=interval)
            if zeros is sp.S.EmptySet:
                return True
            if isinstance(zeros, sp.FiniteSet) and zeros:
                return {x: min(zeros, key=lambda z: abs(z))}
    except (NotImplementedError, TypeError, ValueError):
        return None
    return None


def _defined(d, x):
    """Where a rational function of x has a value (its denominator not 0)."""
    _, den = sp.fraction(sp.together(d))
    zeros = sp.solveset(den, x, domain=sp.S.Reals)
    return sp.S.Reals - zeros if isinstance(zeros, sp.FiniteSet) else sp.S.Reals


def _touching(a, b, domain, drawn):
    """For a strict claim in one variable that held at the points: a point of the domain where the sides
    meet, found by Newton's method on b - a from the points where they come closest; None if none is."""
    names = sorted((a - b).free_symbols, key=str)
    if len(names) != 1 or not drawn:
        return None
    x = names[0]
    fn = numerics.numeric_function(b - a, [x])
    closest = sorted(drawn, key=lambda v: abs(fn(v[x])) / max(1, abs(v[x])))[:4]
    for start in closest:
        try:
            root = mpmath.findroot(fn, start[x], tol=mpmath.mpf(10) ** -(DIGITS - 5), maxsteps=200)
        except (ValueError, ZeroDivisionError, TypeError):
            continue
        if isinstance(root, mpmath.mpc) or not mpmath.isfinite(root):
            continue
        snapped = mpmath.mpf(round(float(root), 6))  # 1e-19 is 0 (where log(1 + x) meets x)
        if abs(fn(snapped)) <= STRICT:
            root = snapped
        excluded = [c.rhs if c.lhs == x else c.lhs for c in domain if isinstance(c, sp.Ne) and x in c.free_symbols]
        if any(abs(root - mpmath.mpf(sp.N(e, DIGITS))) <= mpmath.mpf("1e-8") * max(1, abs(sp.N(e)))
               for e in excluded if e.is_number):
            continue  # the point the assumptions leave out (x != 0): the sides may meet only there
        values = {x: root}
        if numerics.satisfied(tuple(domain), values) and abs(fn(root)) <= STRICT:
            return values
    return None


# -- at points -----------------------------------------------------------------------------------------

def _value(expr, values: dict):
    try:
        return numerics.value_at(expr, {}, list(values), list(values.values()))
    except (ZeroDivisionError, ValueError, TypeError):
        return mpmath.mpf("nan")


def _real(v) -> bool:
    if isinstance(v, int):
        return True
    if isinstance(v, mpmath.mpc):
        return abs(v.imag) <= TOLERANCE * max(1, abs(v.real)) and mpmath.isfinite(v.real)
    return mpmath.isfinite(v)


def at_points(a, rel: str, b, domain, rng: random.Random, points: int = POINTS) -> Verdict:
    """a rel b (rel one of <, <=, =) at `points` random points of the domain."""
    names = sorted((a - b).free_symbols | {s for c in domain for s in c.free_symbols}, key=str)
    drawn = numerics.domain_points(rng, names, tuple(domain), points) if names else [{}]
    with mpmath.workdps(DIGITS):
        for values in drawn:
            va, vb = _value(a, values), _value(b, values)
            for side, v in ((a, va), (b, vb)):
                if not _real(v):
                    shown = ", ".join(f"{k} = {mpmath.nstr(x, 6)}" for k, x in values.items())
                    raise Undefined(f"{sp.sstr(side)} has no real value at {shown}", values)
            va, vb = (mpmath.re(v) if isinstance(v, mpmath.mpc) else mpmath.mpf(v) for v in (va, vb))
            scale = max(mpmath.mpf(1), abs(va), abs(vb))
            gap = vb - va
            if rel == "=":
                bad = abs(gap) > TOLERANCE * scale
            elif rel == "≤":
                bad = gap < -TOLERANCE * scale
            else:
                bad = gap <= STRICT * scale
            if bad:
                return Verdict(False, "points", len(drawn), values, va, vb)
        touch = _touching(a, b, domain, drawn) if rel == "<" else None
        if touch is not None:
            return Verdict(False, "points", len(drawn), touch, _value(a, touch), _value(b, touch))
    return Verdict(True, "points", len(drawn))
