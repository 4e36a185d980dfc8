"""Fast numeric evaluation of SymPy expressions in mpmath, for the checks.

A check evaluates both sides of a line at many random points. Substituting SymPy Floats (xreplace) builds
a new expression per point and runs SymPy's assumption system on every node; expanding a Sum at n = 4
first (doit) does the same. This evaluator walks the tree once per point instead: numbers in mpmath at
the working precision, sums as loops over their bound index, vector entries looked up in a `Point` whose
values are drawn on first use (so both sides of a line see the same values).

It knows the elementary functions, the house functions (sigmoid, relu, logsumexp, softmax entries), sums,
products, Kronecker deltas, Heaviside, Max/Min and Piecewise. Anything else raises `Unsupported`, and the
caller falls back to SymPy's own evaluation: this is an accelerator, never the only route.
"""
from __future__ import annotations

import random

import mpmath
import sympy as sp

from . import mathobj as mo


MAX_TERMS = 10_000  # per loop of a sum or product


class Unsupported(Exception):
    """The expression holds something this evaluator does not know; evaluate it with SymPy instead."""


class Point:
    """Values of the free real quantities (symbols and vector or matrix entries), drawn on first use from
    rng, uniform in +-[0.3, 2.0]; or given up front (`fixed`). With `opposite`, a quantity that point
    also has gets the other sign there, so that two points see every quantity on both sides of 0 (where
    max, min, relu and |.| change)."""

    def __init__(self, rng: random.Random | None = None, fixed: dict | None = None, opposite: "Point | None" = None):
        self.rng = rng
        self.values: dict = dict(fixed or {})
        self.opposite = opposite.values if opposite is not None else {}

    def get(self, key):
        value = self.values.get(key)
        if value is None:
            if self.rng is None:
                raise Unsupported(f"no value for {key}")
            sign = self.rng.choice([-1, 1])
            other = self.opposite.get(key)
            if other is not None:
                sign = -1 if other > 0 else 1
            value = mpmath.mpf(sign * self.rng.uniform(0.3, 2.0))
            self.values[key] = value
        return value

    def as_sympy(self) -> dict:
        """The point with SymPy keys (x, x[2], w[1, 2]), for messages."""
        out = {}
        for key, value in self.values.items():
            if isinstance(key, tuple):
                label, idx = key
                key = sp.Indexed(sp.IndexedBase(label), *idx) if idx else label
            out[key] = sp.sympify(value, strict=True)
        return out


def key_of(atom):
    """The Point key of a symbol or an entry with integer indices (x, x[2], w[1, 2])."""
    if isinstance(atom, sp.Indexed):
        return atom.base.label, tuple(int(i) for i in atom.indices)
    return atom


def evaluate(expr, env: dict | None = None, point: Point | None = None):
    """expr's value (mpf, mpc or int) with the integer symbols of `env` bound and the rest from `point`."""
    return _eval(expr, env or {}, point or Point())


def _eval(e, env, point):
    handler = _HANDLERS.get(type(e))
    if handler is None:
        handler = _find(type(e))
    return handler(e, env, point)


def _find(cls):
    for base in cls.__mro__:
        if base in _BY_BASE:
            _HANDLERS[cls] = _BY_BASE[base]
            return _BY_BASE[base]
    if hasattr(cls, "_numeval"):  # an object that says what expression it is at concrete sizes
        _HANDLERS[cls] = _delegate
        return _delegate
    raise Unsupported(cls.__name__)


def _delegate(e, env, point):
    explicit = e._numeval(env)
    if explicit is None:
        raise Unsupported(type(e).__name__)
    return _eval(explicit, env, point)


def _int(e, env, point) -> int:
    value = _eval(e, env, point)
    if isinstance(value, int):
        return value
    if isinstance(value, mpmath.mpf) and value == int(value):
        return int(value)
    raise Unsupported(f"{e} is not an integer")


def _symbol(e, env, point):
    if e in env:
        return env[e]
    if e.is_integer:
        raise Unsupported(f"unbound index {e}")
    return point.get(e)


def _index(i, env, point) -> int:
    if i.is_Integer:
        return int(i)
    value = env.get(i)
    return value if value is not None else _int(i, env, point)


def _indexed(e, env, point):
    return point.get((e.args[0].args[0], tuple(_index(i, env, point) for i in e.args[1:])))


def _add(e, env, point):
    total = 0
    for a in e.args:
        total += _eval(a, env, point)
    return total


def _mul(e, env, point):
    product = 1
    for a in e.args:
        product *= _eval(a, env, point)
    return product


def _pow(e, env, point):
    base, exp = e.args
    b = _eval(base, env, point)
    if exp.is_Integer:
        n = int(exp)
        if n < 0:
            if b == 0:
                raise Unsupported("division by zero")
            return mpmath.mpf(1) / b ** (-n) if isinstance(b, int) else b ** n
        return b ** n
    x = _eval(exp, env, point)
    if b == 0:
        raise Unsupported("0 to a power")
    return mpmath.power(b, x)


def _real(value):
    if isinstance(value, mpmath.mpc):
        raise Unsupported("compared a complex value")
    return value


def _max(e, env, point):
    return max(_real(_eval(a, env, point)) for a in e.args)


def _min(e, env, point):
    return min(_real(_eval(a, env, point)) for a in e.args)


def _heaviside(e, env, point):
    x = _real(_eval(e.args[0], env, point))
    if x > 0:
        return 1
    if x < 0:
        return 0
    if len(e.args) < 2:
        raise Unsupported("Heaviside(0) without a value")
    return _eval(e.args[1], env, point)


def _delta(e, env, point):
    return 1 if _index(e.args[0], env, point) == _index(e.args[1], env, point) else 0


def _loop(body, limits, env, point, combine, start):
    """Sum or product of body over limits (SymPy order: the first limit is the innermost)."""
    if not limits:
        return _eval(body, env, point)
    *inner, (var, lo, hi) = limits
    a, b = _int(lo, env, point), _int(hi, env, point)
    if b < a - 1:
        raise Unsupported("a sum with reversed limits")
    if b - a + 1 > MAX_TERMS:  # SymPy may know its closed form; a loop would take long
        raise Unsupported(f"a sum of {b - a + 1} terms")
    acc = start
    for value in range(a, b + 1):
        acc = combine(acc, _loop(body, inner, {**env, var: value}, point, combine, start))
    return acc


def _sum(e, env, point):
    return _loop(e.function, list(e.limits), env, point, lambda s, t: s + t, 0)


def _product(e, env, point):
    return _loop(e.function, list(e.limits), env, point, lambda s, t: s * t, 1)


def _logsumexp(e, env, point):
    x, n = e.args
    if not isinstance(x, sp.IndexedBase):
        raise Unsupported("logsumexp of an expression")
    label = x.label
    return mpmath.log(mpmath.fsum(mpmath.exp(point.get((label, (j,)))) for j in range(1, _int(n, env, point) + 1)))


def _softmax_entry(e, env, point):
    x, i, n = e.args
    if not isinstance(x, sp.IndexedBase):
        raise Unsupported("softmax of an expression")
    label = x.label
    total = mpmath.fsum(mpmath.exp(point.get((label, (j,)))) for j in range(1, _int(n, env, point) + 1))
    return mpmath.exp(point.get((label, (_int(i, env, point),)))) / total


def _tie_share(e, env, point):
    sign, i, *args = e.args
    values = [_real(_eval(a, env, point)) * _int(sign, env, point) for a in args]
    top = max(values)
    tied = [j for j, v in enumerate(values) if v == top]
    return mpmath.mpf(1) / len(tied) if _int(i, env, point) - 1 in tied else 0


def _in_range(e, env, point):
    value, lo, hi = e.args
    v = _real(_eval(value, env, point))
    if lo != -sp.oo and v < _real(_eval(lo, env, point)):
        return 0
    if hi != sp.oo and v > _real(_eval(hi, env, point)):
        return 0
    return 1


def _piecewise(e, env, point):
    for value, condition in e.args:
        if _truth(condition, env, point):
            return _eval(value, env, point)
    raise Unsupported("no case of a Piecewise holds")


_RELATIONS = {
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.Equality: lambda a, b: a == b,
    sp.Unequality: lambda a, b: a != b,
}


def _truth(c, env, point) -> bool:
    if c is sp.true:
        return True
    if c is sp.false:
        return False
    if type(c) in _RELATIONS:
        return _RELATIONS[type(c)](_real(_eval(c.args[0], env, point)), _real(_eval(c.args[1], env, point)))
    if isinstance(c, sp.And):
        return all(_truth(a, env, point) for a in c.args)
    if isinstance(c, sp.Or):
        return any(_truth(a, env, point) for a in c.args)
    if isinstance(c, sp.Not):
        return not _truth(c.args[0], env, point)
    raise Unsupported(f"condition {type(c).__name__}")


def _unary(fn):
    def handler(e, env, point):
        return fn(_eval(e.args[0], env, point))
    return handler


_EXP: dict = {}  # exp of a value at a precision: the entries of a point are exponentiated on every side, in every
# sum of a line (sum_j exp(x_j) above and below a fraction); mpmath's exp is a function of both


def _exp(e, env, point):
    x = _eval(e.args[0], env, point)
    key = (type(x), x, mpmath.mp.prec)
    value = _EXP.get(key)
    if value is None:
        if len(_EXP) > 50_000:
            _EXP.clear()
        value = _EXP[key] = mpmath.exp(x)
    return value


def _log(e, env, point):
    if len(e.args) != 1:
        raise Unsupported("log with a base")
    x = _eval(e.args[0], env, point)
    if x == 0:
        raise Unsupported("log(0)")
    return mpmath.log(x)


def _sigmoid(e, env, point):
    return 1 / (1 + mpmath.exp(-_eval(e.args[0], env, point)))


def _relu(e, env, point):
    return max(_real(_eval(e.args[0], env, point)), 0)


_BY_BASE = {
    sp.Integer: lambda e, env, point: int(e.p),
    sp.Rational: lambda e, env, point: mpmath.mpf(e.p) / e.q,
    sp.Float: lambda e, env, point: mpmath.mpf(e._mpf_),
    sp.core.numbers.Pi: lambda e, env, point: +mpmath.pi,
    sp.core.numbers.Exp1: lambda e, env, point: +mpmath.e,
    sp.core.numbers.ImaginaryUnit: lambda e, env, point: mpmath.mpc(0, 1),
    sp.Symbol: _symbol,
    sp.Indexed: _indexed,
    sp.Add: _add,
    sp.Mul: _mul,
    sp.Pow: _pow,
    sp.exp: _exp,
    sp.log: _log,
    sp.sin: _unary(mpmath.sin),
    sp.cos: _unary(mpmath.cos),
    sp.tan: _unary(mpmath.tan),
    sp.tanh: _unary(mpmath.tanh),
    sp.sinh: _unary(mpmath.sinh),
    sp.cosh: _unary(mpmath.cosh),
    sp.Abs: _unary(abs),
    sp.Max: _max,
    sp.Min: _min,
    sp.Heaviside: _heaviside,
    sp.KroneckerDelta: _delta,
    sp.Sum: _sum,
    sp.Product: _product,
    sp.Piecewise: _piecewise,
    mo.sigmoid: _sigmoid,
    mo.relu: _relu,
    mo.LogSumExp: _logsumexp,
    mo.SoftmaxEntry: _softmax_entry,
    mo.TieShare: _tie_share,
    mo.InRange: _in_range,
    sp.sign: _unary(lambda v: mpmath.sign(_real(v))),
}
_HANDLERS: dict = {}
