"""Differentiation step by step, like SymPy's manualintegrate but for derivatives.

`derive(expr, v)` returns the successive forms of d(expr)/dv: each form holds unevaluated `PartialOf`
nodes where a derivative is still to be taken, and each step applies one layer of rules (sum rule,
product rule, chain rule, the derivative of a sum over an index) to all of them, naming the rules used.
The last form has no `PartialOf` left and is simplified. Anything without a rule is a `CannotDerive`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from . import mathobj as mo
from . import rules as R
from .errors import CannotDerive
from .standin import simplify

MAX_ROUNDS = 40


@dataclass(frozen=True)
class Form:
    expr: sp.Expr
    rule: R.Applied | None  # the rules of this step, joined (None for the first form)


def _depends(expr, v) -> bool:
    if isinstance(v, sp.Indexed):
        for idx in expr.atoms(sp.Indexed):
            if idx.base == v.base:
                return True
        return False
    return expr.has(v)


class _Rules:
    def __init__(self, v, ranges: dict | None = None):
        self.v = v
        self.ranges = ranges or {}  # the entry indices' own ranges, {k: n}
        self.used: list[R.Applied] = []

    def note(self, rule) -> None:
        rule = R.applied(rule)
        if rule not in self.used:
            self.used.append(rule)

    def d(self, u):
        """One layer of rules on d(u)/dv; inner derivatives stay as PartialOf."""
        v = self.v
        if not _depends(u, v):
            self.note(R.DERIVATIVE_OF_CONSTANT)
            return sp.Integer(0)
        if u == v:
            return sp.Integer(1)
        if isinstance(u, sp.Indexed) and isinstance(v, sp.Indexed) and u.base == v.base:
            self.note(R.KRONECKER_DELTA)
            return sp.Mul(*[sp.KroneckerDelta(a, b) for a, b in zip(u.indices, v.indices)])
        if isinstance(u, sp.Add):
            self.note(R.SUM_RULE)
            return sp.Add(*[mo.PartialOf(t, v) if _depends(t, v) else 0 for t in u.args])
        if isinstance(u, sp.Mul):
            const = [f for f in u.args if not _depends(f, v)]
            var = [f for f in u.args if _depends(f, v)]
            if const:
                self.note(R.CONSTANT_FACTOR)
                return sp.Mul(*const) * self.inner(sp.Mul(*var))
            self.note(R.PRODUCT_RULE)
            terms = []
            for i, f in enumerate(var):
                others = sp.Mul(*(var[:i] + var[i + 1:]))
                terms.append(others * mo.PartialOf(f, v))
            return sp.Add(*terms)
        if isinstance(u, sp.Pow):
            base, exp = u.args
            if isinstance(base, sp.Mul) and not _depends(exp, v) and exp.is_Integer \
                    and any(not _depends(f, v) for f in base.args) and any(_depends(f, v) for f in base.args):
                const = sp.Mul(*[f for f in base.args if not _depends(f, v)])
                rest = sp.Mul(*[f for f in base.args if _depends(f, v)])
                self.note(R.CONSTANT_OUT_OF_POWER)
                return const ** exp * mo.PartialOf(rest ** exp, v)
            if not _depends(exp, v):
                self.note(R.POWER_RULE if exp != -1 else R.DERIVATIVE_OF_RECIPROCAL)
                return exp * base ** (exp - 1) * self.inner(base)
            if not _depends(base, v):
                self.note(R.DERIVATIVE_OF_EXPONENTIAL)
                return u * sp.log(base) * self.inner(exp)
            self.note(R.DERIVATIVE_OF_VARIABLE_POWER)
            return u * mo.PartialOf(exp * sp.log(base), v)
        if isinstance(u, sp.Sum):
            return self.d_sum(u)
        if isinstance(u, sp.exp):
            self.note(self.chain(R.DERIVATIVE_OF_EXP, u.args[0]))
            return u * self.inner(u.args[0])
        if isinstance(u, sp.log):
            self.note(self.chain(R.DERIVATIVE_OF_LOG, u.args[0]))
            return self.inner(u.args[0]) / u.args[0]
        if isinstance(u, (sp.Max, sp.Min)):
            self.note(R.DERIVATIVE_OF_MAX if isinstance(u, sp.Max) else R.DERIVATIVE_OF_MIN)
            sign = sp.Integer(1 if isinstance(u, sp.Max) else -1)  # a tie splits the gradient equally
            return sp.Add(*[mo.TieShare(sign, sp.Integer(i + 1), *u.args) * self.inner(a)
                            for i, a in enumerate(u.args) if _depends(a, self.v)])
        if isinstance(u, sp.Function) and not isinstance(u, (mo.LogSumExp, mo.SoftmaxEntry)):
            return self.d_function(u)
        raise CannotDerive(f"no differentiation rule for {u}")

    def chain(self, rule: R.Rule, arg) -> R.Applied:
        """The rule, by the chain rule where its argument is not the variable itself."""
        return R.WITH_CHAIN_RULE.at(rule=rule) if arg != self.v and not arg.is_Symbol else rule.at()

    def inner(self, arg):
        if arg == self.v:
            return sp.Integer(1)
        return mo.PartialOf(arg, self.v)

    def d_function(self, u):
        name = type(u).__name__
        dummies = [sp.Dummy(f"u{i}", real=True) for i in range(len(u.args))]
        g = u.func(*dummies)
        total = []
        for dm, arg in zip(dummies, u.args):
            if not _depends(arg, self.v):
                continue
            gprime = sp.diff(g, dm)
            if gprime.has(sp.Derivative, sp.Subs):
                raise CannotDerive(f"no differentiation rule for {name}")
            gprime = gprime.subs(dict(zip(dummies, u.args)))
            total.append(gprime * self.inner(arg))
        rule = R.DERIVATIVE_OF_FUNCTION.at(function=name)
        self.note(R.WITH_CHAIN_RULE.at(rule=rule) if any(a != self.v for a in u.args) else rule)
        return sp.Add(*total)

    def d_sum(self, u):
        term, (i, lo, hi) = u.args[0], u.args[1]
        v = self.v
        if not isinstance(v, sp.Indexed):
            self.note(R.SUM_TERM_BY_TERM)
            return sp.Sum(mo.PartialOf(term, v), (i, lo, hi))
        entries = {e for e in term.atoms(sp.Indexed) if e.base == v.base}
        variables = [lim[0] for lim in u.limits]
        if len(entries) == 1 and not term.has(sp.Sum):
            entry = entries.pop()
            pairs = list(zip(entry.indices, v.indices))
            solved = [_solve_index(a, b, variables) for a, b in pairs]
            if all(s is not None for s in solved) and len({var for var, _ in solved}) == len(solved):
                sub = dict(solved)
                rest = [lim for lim in u.limits if lim[0] not in sub]
                limits = {lim[0]: lim[1:] for lim in u.limits}
                reach = sp.Mul(*[mo.in_range(value, *limits[var], self.ranges) for var, value in solved])
                names = ", ".join(f"{sp.latex(var)} = {sp.latex(value)}" for var, value in solved)
                only = R.ONLY_ONE_TERM if reach == 1 else R.ONLY_ONE_TERM_IF_REACHED
                self.note(only.at(terms=names, variable=sp.latex(v)))
                inner = term.subs(sub, simultaneous=True)
                return reach * mo.PartialOf(sp.Sum(inner, *rest) if rest else inner, v)
        self.note(R.SUM_TERM_BY_TERM)
        return sp.Sum(mo.PartialOf(term, v), *u.limits)


def _solve_index(a, b, variables):
    """(var, value) when the entry index a is var + c for a summation variable var, so that a = b at
    var = b - c; else None."""
    found = [var for var in variables if a.has(var)]
    if len(found) != 1:
        return None
    var = found[0]
    c = sp.expand(a - var)
    if c.has(var) or c.free_symbols & set(variables):
        return None
    return var, b - c


def _step(expr, rules: _Rules):
    return expr.replace(lambda e: isinstance(e, mo.PartialOf), lambda e: rules.d(e.args[0]))


def collapse(expr, ranges: dict | None = None):
    """Sums over an index of terms with a Kronecker delta in that index keep one term:
    sum_{i=lo}^{hi} delta_{i+c, k} g_i = g_{k-c} where lo <= k - c <= hi (the bounds the entry index's own
    range already gives left out)."""
    ranges = ranges or {}

    def one(total):
        function = sp.expand(total.function, power_exp=False)  # e^{sum_p u_kp v_p} stays one exponential
        out = sp.Integer(0)
        for term in (function.args if isinstance(function, sp.Add) else [function]):
            limits = list(total.limits)
            factor = sp.Integer(1)
            progress = True
            while progress:
                progress = False
                for delta in term.atoms(sp.KroneckerDelta):
                    for limit in limits:
                        var, lo, hi = limit
                        if not delta.has(var):
                            continue
                        a, b = delta.args if delta.args[0].has(var) else delta.args[::-1]
                        solved = _solve_index(a, b, [var])
                        if solved is None or b.has(var):
                            continue
                        value = solved[1]
                        term = term.subs(var, value)
                        factor *= mo.in_range(value, lo, hi, ranges)
                        limits.remove(limit)
                        progress = True
                        break
                    if progress:
                        break
            term = term * factor
            out += sp.Sum(term, *limits) if limits else term
        return out

    return expr.replace(lambda e: isinstance(e, sp.Sum) and e.has(sp.KroneckerDelta), one)


TIDY_OPS = 16  # above this size, simplify() can take minutes: a cheaper cancellation only


def same_sums(expr):
    """Sums that differ only in the name of their index written with one name, so that they combine:
    sum_i x_i + sum_j x_j = 2 sum_i x_i."""
    sums = [s for s in expr.atoms(sp.Sum) if len(s.limits) == 1 and not s.function.has(sp.Sum)]
    if len(sums) < 2:
        return expr
    canonical = {}
    for total in sums:
        var, lo, hi = total.limits[0]
        for name in ("i", "j", "p", "q", "r"):
            new = mo.index(name)
            if new == var or not total.function.has(new):
                break
        else:
            continue
        canonical[total] = sp.Sum(total.function.xreplace({var: new}), (new, lo, hi))
    return expr.xreplace(canonical)


def tidy(expr):
    """The final simplification: cancel and combine, without changing the meaning."""
    expr = same_sums(expr)
    size = sp.count_ops(expr)
    if size == 0:  # nothing can have fewer operations: what simplify() returns would not be taken
        return expr
    simpler = simplify(expr) if size <= TIDY_OPS else sp.powsimp(sp.cancel(expr)) if not expr.has(sp.Sum) \
        else expr
    if simpler.has(sp.Piecewise, sp.ITE) and not expr.has(sp.Piecewise, sp.ITE):
        return expr  # a simplification by cases (|x|/x -> 0 or NaN) reads worse than what it simplifies
    if simpler.has(sp.Product) and not expr.has(sp.Product):
        return expr  # exp of a sum as a product of exps (prod_i e^{u_i v_i}) reads worse than e^{u^T v}
    if sp.count_ops(simpler) < size:
        return simpler
    return expr


def derive(expr, v, ranges: dict | None = None) -> list[Form]:
    """The successive forms of d(expr)/dv, first the expression with the operator applied; `ranges`
    gives the entry indices' own ranges ({k: n}: x_k with k in 1..n). Variants that draw only numbers
    derive the same function again: the forms are kept (per process)."""
    return list(_derive(expr, v, tuple(sorted((ranges or {}).items(), key=str))))


@functools.lru_cache(maxsize=256)
def _derive(expr, v, ranges: tuple = ()) -> tuple[Form, ...]:
    ranges = dict(ranges)
    forms = [Form(mo.PartialOf(expr, v), None)]
    current = forms[0].expr
    for _ in range(MAX_ROUNDS):
        if not current.has(mo.PartialOf):
            break
        rules = _Rules(v, ranges)
        current = _step(current, rules)
        forms.append(Form(current, R.then(*rules.used)))
    else:
        raise CannotDerive(f"the derivative of {expr} needs more than {MAX_ROUNDS} rounds of rules")
    if any(isinstance(e, sp.Sum) and e.has(sp.KroneckerDelta) for e in current.atoms(sp.Sum)):
        current = collapse(current, ranges)
        collapsed = R.SUM_OF_DELTAS_IF_REACHED if current.has(mo.InRange) else R.SUM_OF_DELTAS
        forms.append(Form(current, collapsed.at()))
    final = tidy(current)
    if final != current:
        forms.append(Form(final, R.SIMPLIFY.at()))
    return tuple(forms)
