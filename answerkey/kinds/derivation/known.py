"""kind: derivation -- the rule of a link the instructor left without words, from the known identities of
rules.py: an identity instantiated inside one form (at one place, or everywhere) must give the other form,
up to rational algebra that keeps every function application (exp, log, sigma) as it is. A link that no
identity gives is "algebra" (an equality) or "the difference of the sides is nonnegative" (a claim).
"""
from __future__ import annotations

import itertools

import sympy as sp

from ... import mathobj as mo
from ...rules import CHAIN_RULE, WITH_CHAIN_RULE, joined, BOTH
from .rules import (ALGEBRA, BOUNDS, DEFINITION_OF_SIGMOID, DIFFERENCE_SIGN, DIFFERENTIATED, EXP_LOG_INVERSE,
                    IDENTITIES, LOG_OF_PRODUCT, LOG_OF_QUOTIENT, ONE_HOT, SIGMOID_DERIVATIVE, SOFTMAX_SHIFT,
                    SQUARE_DROPPED, VALUES_ASSUMED)


def _atomized(e, table: dict):
    """e as a rational function of its function applications, each a symbol of its own (keyed by its
    arguments' rational normal form)."""
    if not isinstance(e, sp.Basic) or e.is_Atom:
        return e
    args = [_atomized(a, table) for a in e.args]
    if isinstance(e, (sp.Add, sp.Mul)):
        return e.func(*args)
    if isinstance(e, sp.Pow) and args[1].is_Rational:
        return args[0] ** args[1]
    key = (e.func, tuple(sp.cancel(sp.together(a)) if isinstance(a, sp.Expr) else a for a in args))
    return table.setdefault(key, sp.Dummy(f"f{len(table)}"))


def same(x, y) -> bool:
    """x and y equal by rational algebra alone (function applications kept as they are)."""
    table: dict = {}
    try:
        return sp.cancel(sp.together(_atomized(x, table) - _atomized(y, table))) == 0
    except (TypeError, ValueError, sp.PolynomialError):
        return False


def _key(e):
    table: dict = {}
    try:
        return sp.cancel(sp.together(_atomized(e, table))), tuple(table)
    except (TypeError, ValueError, sp.PolynomialError):
        return e, ()


def _changed(new, old) -> bool:
    return not same(new, old)


def _template_rewrites(expr, lhs, rhs):
    for s in set(sp.preorder_traversal(expr)):
        m = s.match(lhs) if isinstance(s, sp.Expr) else None
        if m and all(w in m for w in lhs.atoms(sp.Wild)):
            yield expr.xreplace({s: rhs.xreplace(m)})


def _log_rewrites(expr):
    """log(uv) -> log u + log v, log(u/v) -> log u - log v (each log of a product or quotient, alone)."""
    for s in set(sp.preorder_traversal(expr)):
        if isinstance(s, sp.log) and isinstance(s.args[0], sp.Mul):
            factors = s.args[0].args
            quotient = any(isinstance(f, sp.Pow) and f.exp.is_negative for f in factors)
            split = sp.Add(*[-sp.log(f.base ** -f.exp) if isinstance(f, sp.Pow) and f.exp.is_negative
                             else sp.log(f) for f in factors])
            yield (LOG_OF_QUOTIENT if quotient else LOG_OF_PRODUCT), expr.xreplace({s: split})


def _inverse_rewrites(expr):
    for s in set(sp.preorder_traversal(expr)):
        if isinstance(s, sp.log) and isinstance(s.args[0], sp.exp) or \
                isinstance(s, sp.exp) and isinstance(s.args[0], sp.log):
            yield expr.xreplace({s: s.args[0].args[0]})


def _shift(a, b):
    """A c with b's every exponent shifted by c giving a (softmax(x + c) = softmax(x)), if there is one."""
    ea = [e.args[0] for e in a.atoms(sp.exp)]
    eb = [e.args[0] for e in b.atoms(sp.exp)]
    for p, q in itertools.product(ea, eb):
        c = sp.expand(p - q)
        if c == 0:
            continue
        shifted = b.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.expand(e.args[0] + c)))
        if same(shifted, a):
            return c
    return None


def _evaluated(e):
    if not isinstance(e, sp.Basic) or e.is_Atom:
        return e
    return e.func(*[_evaluated(a) for a in e.args])


def _square_drops(expr, sign: int):
    """expr with one term that is a square (sign 1) or minus a square (sign -1) dropped from a sum."""
    expr = _evaluated(expr)
    for s in set(sp.preorder_traversal(expr)):
        if isinstance(s, sp.Add):
            for t in s.args:
                coeff, rest = t.as_coeff_Mul()
                if (sign * coeff).is_positive and isinstance(rest, sp.Pow) and rest.exp.is_even:
                    yield expr.xreplace({s: s - t})


def _one_hot(values: dict) -> bool:
    return bool(values) and set(values.values()) <= {0, 1} and list(values.values()).count(1) == 1


def equality_rule(a, b, values: dict):
    """The known rule that turns the form a into the form b (an equality), or ALGEBRA."""
    found = _rules_between(a, b, values) or _rules_between(b, a, {})
    return found or ALGEBRA


def _rules_between(a, b, values):
    if _changed(a, b):
        if _shift(a, b) is not None or _shift(b, a) is not None:
            return SOFTMAX_SHIFT
    candidates = []  # (rule, the form it gives)
    for rule_, lhs, rhs in IDENTITIES:
        candidates += [(rule_, r) for r in _template_rewrites(a, lhs, rhs)]
    candidates += list(_log_rewrites(a))
    candidates += [(EXP_LOG_INVERSE, r) for r in _inverse_rewrites(a)]
    if values:
        candidates.append((ONE_HOT if _one_hot(values) else VALUES_ASSUMED, a.xreplace(values)))
    for rule_, r in candidates:
        if _changed(r, a) and same(r, b):
            return rule_
    for (first, r), (second, _) in itertools.product(candidates, candidates):  # two identities in one step
        if first is second or not _changed(r, a):
            continue
        for again, r2 in _one_step(r):
            if again is second and _changed(r2, r) and same(r2, b):
                return joined(BOTH, first, second)
    return None


def _one_step(expr):
    for rule_, lhs, rhs in IDENTITIES:
        yield from ((rule_, r) for r in _template_rewrites(expr, lhs, rhs))
    yield from _log_rewrites(expr)
    yield from ((EXP_LOG_INVERSE, r) for r in _inverse_rewrites(expr))


def derivative_rule(start, wrt, form):
    """The rule of the first link of a derivative: d/d wrt of start is the form."""
    composed = any(isinstance(f, sp.Function) and any(a != wrt and a.has(wrt) for a in f.args)
                   for f in start.atoms(sp.Function)) or \
        any(isinstance(p, sp.Pow) and p.base != wrt and p.base.has(wrt) for p in start.atoms(sp.Pow))
    if start.has(mo.sigmoid):
        if same(sp.diff(start, wrt), form):
            return WITH_CHAIN_RULE.at(rule=SIGMOID_DERIVATIVE) if composed or \
                any(s.args[0] != wrt for s in start.atoms(mo.sigmoid)) else SIGMOID_DERIVATIVE
        if same(sp.diff(mo.plain_functions(start), wrt), form):
            return joined(BOTH, DEFINITION_OF_SIGMOID, CHAIN_RULE)
    return CHAIN_RULE if composed else DIFFERENTIATED


def bound_rule(a, rel: str, b, proved: bool):
    """The known inequality that turns a into b (a rel b), or the difference's sign."""
    small, large = (a, b) if rel in ("<", "≤") else (b, a)
    for rule_, lhs, rhs in BOUNDS:
        for r in _template_rewrites(small, lhs, rhs):
            if _changed(r, small) and same(r, large):
                return rule_
        for r in _template_rewrites(large, rhs, lhs):
            if _changed(r, large) and same(r, small):
                return rule_
    if any(same(r, small) for r in _square_drops(large, 1)) or any(same(r, large) for r in _square_drops(small, -1)):
        return SQUARE_DROPPED
    return DIFFERENCE_SIGN.at(sign="positive" if rel in ("<", ">") else "nonnegative")
