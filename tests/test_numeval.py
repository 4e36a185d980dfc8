"""answerkey.numeval, the fast evaluator behind the numeric checks: its values against SymPy's own
evaluation (Hypothesis over random expressions) and against formulas written out here (sums, logsumexp,
softmax, Kronecker deltas, Heaviside, Piecewise); `Unsupported`, never a wrong number, for what it does not
know; the lazily drawn `Point`; and `verify.equal` catching a wrong step through the fast path.

Point values are dyadic (0.75, -1.25, ...), exact both in mpmath and in a 30-digit SymPy Float, so the two
evaluations start from the same numbers. Deterministic (`derandomize=True, database=None`); a few
seconds. ANSWERKEY_EXAMPLES=5 runs five times as many examples, as in tests/test_properties.py.
"""
from __future__ import annotations

import os
import random
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from answerkey import mathobj as mo, numeval, verify
from answerkey.numeval import Point, Unsupported, evaluate, key_of

_SCALE = float(os.environ.get("ANSWERKEY_EXAMPLES", "1"))
SETTINGS = dict(derandomize=True, database=None, deadline=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

DPS = 50          # numeval's working precision in these tests
REL = mpmath.mpf("1e-20")

a, b, c = (sp.Symbol(name, real=True) for name in "abc")
SYMBOLS = (a, b, c)
x, w = mo.vector("x"), mo.vector("w")
i, j, k, n = (mo.index(name) for name in "ijkn")

DYADIC = [Fraction(v) for v in ("-7/4", "-5/4", "-1/2", "-3/8", "3/8", "3/4", "3/2", "2")]


def ev(expr, env=None, point=None):
    with mpmath.workdps(DPS):
        return evaluate(expr, env, point)


def fixed_point(values: dict) -> Point:
    """A Point without rng: every key must be given (symbols, or entries as x[2])."""
    return Point(fixed={key_of(key): mpmath.mpf(v.numerator) / v.denominator for key, v in values.items()})


def sympy_value(expr, values: dict):
    """SymPy's own value: Floats put in with xreplace, then N at 30 digits; as an mpf."""
    concrete = expr.xreplace({key: sp.Float(sp.Rational(v.numerator, v.denominator), 30)
                              for key, v in values.items()})
    ref = sp.N(concrete, 30)
    assert ref.is_number and ref.is_real, f"SymPy gave {ref} for {expr}"
    with mpmath.workdps(DPS):
        return mpmath.mpf(sp.Float(ref, 30)._mpf_)


def agree(got, want) -> bool:
    """Equal to 1e-20 relative (exactly, when one of them is 0)."""
    with mpmath.workdps(DPS):
        return abs(got - want) <= REL * max(abs(got), abs(want))


def entries(point: Point, label, count):
    """x_1..x_count as the point holds (or draws) them."""
    return [point.get(key_of(label[m])) for m in range(1, count + 1)]


# ------------------------------------------------------------------------------------------------------
# Property: random expressions against SymPy's evaluation


SMALL_RATIONAL = st.builds(sp.Rational, st.integers(-3, 3), st.integers(1, 4))
POSITIVE_RATIONAL = st.builds(sp.Rational, st.integers(1, 3), st.integers(1, 4))


UNARY = ["exp", "sigmoid", "relu", "log_square", "log_sigmoid", "log1p_exp"]
BINARY = ["add", "mul", "max", "min"]
POWERS = ["power", "inverse_power", "inverse_exp"]


@st.composite
def expressions(draw, leaves, depth: int):
    """An expression of at most `depth` levels: +, *, integer powers (negative ones only of positive
    things), exp, log of positive things, sigmoid, relu, Max and Min."""
    shape = draw(st.sampled_from(["leaf"] + ["unary"] * 2 + ["binary"] * 3 + ["power"])) if depth else "leaf"
    if shape == "leaf":
        return draw(leaves)
    u = draw(expressions(leaves, depth - 1))
    if shape == "binary":
        op = draw(st.sampled_from(BINARY))
        v = draw(expressions(leaves, depth - 1))
        return {"add": sp.Add, "mul": sp.Mul, "max": sp.Max, "min": sp.Min}[op](u, v)
    if shape == "unary":
        op = draw(st.sampled_from(UNARY))
        if op == "log_square":
            return sp.log(u ** 2 + draw(POSITIVE_RATIONAL))
        return {"exp": sp.exp, "sigmoid": mo.sigmoid, "relu": mo.relu, "log_sigmoid": lambda t: sp.log(mo.sigmoid(t)),
                "log1p_exp": lambda t: sp.log(1 + sp.exp(t))}[op](u)
    op = draw(st.sampled_from(POWERS))
    if op == "power":
        return u ** draw(st.integers(2, 3))
    if op == "inverse_power":
        return (u ** 2 + draw(POSITIVE_RATIONAL)) ** -draw(st.integers(1, 2))
    return sp.exp(u) ** -draw(st.integers(1, 2))


SCALAR_LEAVES = st.one_of(st.sampled_from(SYMBOLS), SMALL_RATIONAL)
SCALAR_EXPRS = expressions(SCALAR_LEAVES, 3)
POINTS = st.fixed_dictionaries({s: st.sampled_from(DYADIC) for s in SYMBOLS})


@settings(max_examples=max(1, int(200 * _SCALE)), **SETTINGS)
@given(expr=SCALAR_EXPRS, values=POINTS)
@example(expr=sp.Max(a, b) - sp.Min(a, b) + mo.relu(-a) * mo.sigmoid(b), values={a: DYADIC[0], b: DYADIC[5], c: DYADIC[1]})
@example(expr=(a ** 2 + sp.Rational(1, 3)) ** -2 * sp.exp(b) ** -1, values={a: DYADIC[2], b: DYADIC[6], c: DYADIC[3]})
def test_scalar_expressions_match_sympy(expr, values):
    got = ev(expr, None, fixed_point(values))
    want = sympy_value(expr, values)
    assert agree(got, want), f"{expr} at {values}: numeval {got}, SymPy {want}"


VECTOR_LEAVES = st.one_of(st.sampled_from([x[j], x[j], w[j], a]), SMALL_RATIONAL)  # x_j most often
BODIES = expressions(VECTOR_LEAVES, 2)


@settings(max_examples=max(1, int(60 * _SCALE)), **SETTINGS)
@given(body=BODIES, size=st.integers(1, 4), data=st.data())
def test_sums_over_vectors_match_sympy(body, size, data):
    """Sum(body(x_j, w_j, a), (j, 1, n)) as a loop at n = size, against SymPy's explicit sum."""
    total = sp.Sum(body, (j, 1, n))
    values = {a: data.draw(st.sampled_from(DYADIC))}
    for label in (x, w):
        for m in range(1, size + 1):
            values[label[m]] = data.draw(st.sampled_from(DYADIC))
    got = ev(total, {n: size}, fixed_point(values))
    want = sympy_value(total.subs(n, size).doit(), values)
    assert agree(got, want), f"{total} at n = {size}, {values}: numeval {got}, SymPy {want}"


# ------------------------------------------------------------------------------------------------------
# Sums, house functions, deltas, Heaviside, Piecewise against formulas written here


def test_sum_is_a_loop_over_drawn_entries():
    point = Point(random.Random(3))
    got = ev(sp.Sum(x[j] ** 2 + 2 * x[j], (j, 1, n)), {n: 3}, point)
    xs = entries(point, x, 3)
    assert set(point.values) == {key_of(x[1]), key_of(x[2]), key_of(x[3])}
    with mpmath.workdps(DPS):
        assert agree(got, sum(v ** 2 + 2 * v for v in xs))


def test_nested_sum_with_dependent_limit_and_product():
    point = Point(random.Random(4))
    # SymPy order: the first limit is the innermost, so i runs 1..j inside the sum over j
    got = ev(sp.Sum(x[i] * w[j], (i, 1, j), (j, 1, n)), {n: 3}, point)
    xs, ws = entries(point, x, 3), entries(point, w, 3)
    with mpmath.workdps(DPS):
        want = sum(xs[p] * ws[q] for q in range(3) for p in range(q + 1))
        assert agree(got, want)
        prod = ev(sp.Product(1 + x[j], (j, 1, n)), {n: 3}, point)
        assert agree(prod, (1 + xs[0]) * (1 + xs[1]) * (1 + xs[2]))


def test_empty_sum_is_zero_and_reversed_limits_are_unsupported():
    assert ev(sp.Sum(x[j], (j, 1, n)), {n: 0}, Point(random.Random(0))) == 0
    # SymPy's convention for reversed limits (Karr) is not a loop: numeval declines rather than guess
    with pytest.raises(Unsupported):
        ev(sp.Sum(x[j], (j, 3, 1)), {}, Point(random.Random(0)))


def test_logsumexp_against_written_out_formula():
    point = Point(random.Random(5))
    got = ev(mo.LogSumExp(x, n), {n: 3}, point)
    xs = entries(point, x, 3)
    with mpmath.workdps(DPS):
        assert agree(got, mpmath.log(mpmath.exp(xs[0]) + mpmath.exp(xs[1]) + mpmath.exp(xs[2])))
    # and against its elementary form, evaluated by numeval at the same point and by SymPy
    elementary = mo.LogSumExp(x, n).elementary()
    assert agree(ev(elementary, {n: 3}, point), got)
    values = {x[m]: Fraction(v) for m, v in zip((1, 2, 3), ("3/4", "-5/4", "2"))}
    assert agree(ev(mo.LogSumExp(x, n), {n: 3}, fixed_point(values)),
                 sympy_value(elementary.subs(n, 3).doit(), values))


def test_softmax_entry_against_written_out_formula():
    point = Point(random.Random(6))
    for index in (1, 2, 3):
        got = ev(mo.SoftmaxEntry(x, i, n), {i: index, n: 3}, point)
        xs = entries(point, x, 3)
        with mpmath.workdps(DPS):
            assert agree(got, mpmath.exp(xs[index - 1]) / sum(mpmath.exp(v) for v in xs))
    # the entries sum to one; a literal index works too
    assert agree(ev(sp.Sum(mo.SoftmaxEntry(x, j, n), (j, 1, n)), {n: 4}, point), 1)
    assert ev(mo.SoftmaxEntry(x, 2, 3), {}, point) == ev(mo.SoftmaxEntry(x, i, n), {i: 2, n: 3}, point)


def test_kronecker_delta():
    assert ev(sp.KroneckerDelta(i, j), {i: 2, j: 2}) == 1
    assert ev(sp.KroneckerDelta(i, j), {i: 2, j: 3}) == 0
    point = Point(random.Random(7))
    # the delta picks one term out of a sum
    assert ev(sp.Sum(sp.KroneckerDelta(i, j) * x[j], (j, 1, n)), {i: 2, n: 3}, point) == point.get(key_of(x[2]))


def test_heaviside():
    assert ev(sp.Heaviside(a, 0), None, fixed_point({a: Fraction(0)})) == 0
    assert ev(sp.Heaviside(a, 1), None, fixed_point({a: Fraction(0)})) == 1
    assert ev(sp.Heaviside(a, 0), None, fixed_point({a: Fraction(-1, 2)})) == 0
    assert ev(sp.Heaviside(a, 0), None, fixed_point({a: Fraction(1, 2)})) == 1
    # relu's derivative as the package writes it
    assert ev(sp.diff(mo.relu(a), a), None, fixed_point({a: Fraction(0)})) == 0
    # SymPy's default value at 0 is 1/2
    assert ev(sp.Heaviside(a), None, fixed_point({a: Fraction(0)})) == mpmath.mpf("0.5")


def test_piecewise():
    pw = sp.Piecewise((a, a > 0), (-a, True))
    assert ev(pw, None, fixed_point({a: Fraction(-3, 2)})) == mpmath.mpf("1.5")
    assert ev(pw, None, fixed_point({a: Fraction(3, 4)})) == mpmath.mpf("0.75")
    band = sp.Piecewise((1, sp.And(a > -1, a < 1)), (2, sp.Or(a >= 1, sp.Eq(a, -1))), (3, True))
    assert [ev(band, None, fixed_point({a: Fraction(v)})) for v in ("1/2", "3/2", "-1", "-2")] == [1, 2, 2, 3]
    # written with indices, as deltas sometimes are
    by_index = sp.Piecewise((x[i], sp.Eq(i, j)), (0, True))
    point = Point(random.Random(8))
    assert ev(by_index, {i: 1, j: 1}, point) == point.get(key_of(x[1]))
    assert ev(by_index, {i: 1, j: 2}, point) == 0
    # no case holds: not a number
    with pytest.raises(Unsupported):
        ev(sp.Piecewise((1, a > 0)), None, fixed_point({a: Fraction(-1)}))


# ------------------------------------------------------------------------------------------------------
# Unsupported, not a wrong number


@pytest.mark.parametrize("expr, env, values", [
    pytest.param(sp.MatrixSymbol("W", 2, 2), {}, {}, id="matrix-symbol"),
    pytest.param(sp.MatrixSymbol("W", 2, 2)[0, 1], {}, {}, id="matrix-element"),
    pytest.param(sp.MatrixSymbol("W", n, n)[i, j] * a, {n: 2, i: 1, j: 1}, {a: Fraction(1)}, id="matrix-element-times"),
    pytest.param(x[i], {}, {}, id="unbound-index-in-entry"),
    pytest.param(sp.Sum(x[j], (j, 1, n)), {}, {}, id="unbound-length"),
    pytest.param(sp.KroneckerDelta(i, j), {i: 1}, {}, id="unbound-index-in-delta"),
    pytest.param(i * a, {}, {a: Fraction(1)}, id="unbound-integer-symbol"),
    pytest.param(sp.Derivative(sp.Function("f")(a), a), {}, {a: Fraction(1)}, id="derivative"),
    pytest.param(sp.Derivative(x[j] ** 2, x[j]), {j: 1}, {x[1]: Fraction(1)}, id="derivative-of-entry"),
    pytest.param(sp.Function("f")(a), {}, {a: Fraction(1)}, id="undefined-function"),
    pytest.param(sp.log(a), {}, {a: Fraction(0)}, id="log-of-zero"),
    pytest.param(sp.log(a - b), {}, {a: Fraction(3, 4), b: Fraction(3, 4)}, id="log-of-cancelling-difference"),
    pytest.param(1 / a, {}, {a: Fraction(0)}, id="reciprocal-of-zero"),
    pytest.param(a ** -3, {}, {a: Fraction(0)}, id="negative-power-of-zero"),
    pytest.param(b / (a - b), {}, {a: Fraction(3, 2), b: Fraction(3, 2)}, id="division-by-cancelling-difference"),
    pytest.param(sp.Pow(sp.Integer(0), -1, evaluate=False), {}, {}, id="integer-zero-reciprocal"),
    pytest.param(sp.Mul(0, sp.Pow(a, -1), evaluate=False), {}, {a: Fraction(0)}, id="zero-times-reciprocal-of-zero"),
    pytest.param(sp.zoo, {}, {}, id="complex-infinity"),
    pytest.param(sp.nan, {}, {}, id="nan"),
])
def test_unsupported_rather_than_a_number(expr, env, values):
    with pytest.raises(Unsupported):
        ev(expr, env, fixed_point(values))


# ------------------------------------------------------------------------------------------------------
# Point


def test_point_draws_each_key_once():
    point = Point(random.Random(11))
    first = point.get(key_of(x[2]))
    assert point.get(key_of(x[2])) == first
    assert point.get(a) == point.get(a)
    assert all(0.3 <= abs(v) <= 2.0 for v in point.values.values())
    # both sides of a line see the same values: a sum and its expansion agree exactly, in either order
    lhs = sp.Sum(sp.exp(x[j]) * a, (j, 1, n))
    rhs = a * (sp.exp(x[3]) + sp.exp(x[1]) + sp.exp(x[2]))
    for first_side, second_side in ((lhs, rhs), (rhs, lhs)):
        point = Point(random.Random(12))
        with mpmath.workdps(DPS):
            u = evaluate(first_side, {n: 3}, point)
            v = evaluate(second_side, {n: 3}, point)
        assert agree(u, v)
        assert set(point.values) == {a, key_of(x[1]), key_of(x[2]), key_of(x[3])}
    # the entry x[j] at j = 2 and the literal x[2] are one key
    point = Point(random.Random(13))
    assert ev(x[j], {j: 2}, point) == ev(x[2], {}, point)
    assert len(point.values) == 1


def test_same_rng_seed_same_values():
    expr = sp.Sum(sp.exp(x[j]), (j, 1, n)) + a
    assert ev(expr, {n: 4}, Point(random.Random(21))) == ev(expr, {n: 4}, Point(random.Random(21)))


def test_fixed_point_without_rng_refuses_unknown_keys():
    point = Point(fixed={a: mpmath.mpf(1)})
    assert ev(a + 1, {}, point) == 2
    with pytest.raises(Unsupported):
        point.get(b)
    with pytest.raises(Unsupported):
        ev(a + b, {}, point)
    with pytest.raises(Unsupported):
        ev(x[1], {}, point)
    assert b not in point.values  # nothing was made up
    # a fixed value of zero is a value, not a missing key
    assert ev(a * 3, {}, Point(fixed={a: mpmath.mpf(0)})) == 0


def test_point_as_sympy_names_entries():
    point = Point(random.Random(14))
    ev(x[2] + a, {}, point)
    shown = point.as_sympy()
    assert {str(key) for key in shown} == {"x[2]", "a"}
    assert all(isinstance(v, sp.Float) for v in shown.values())


# ------------------------------------------------------------------------------------------------------
# verify.equal through the fast path


@pytest.fixture
def fast_path_only(monkeypatch):
    """Make SymPy's route (explicit expressions at concrete sizes) fail, so that a result can only
    come from numeval."""
    def refuse(*args, **kwargs):
        raise AssertionError("verify fell back to SymPy substitution")
    monkeypatch.setattr(verify, "_concrete_at", refuse)


def test_equal_accepts_equal_sums_through_numeval(fast_path_only):
    assert verify.equal(sp.Sum(2 * x[j] + 1, (j, 1, n)), 2 * sp.Sum(x[j], (j, 1, n)) + n) is None
    assert verify.equal(sp.Sum(mo.SoftmaxEntry(x, j, n), (j, 1, n)), sp.Integer(1)) is None
    assert verify.equal(mo.LogSumExp(x, n), mo.LogSumExp(x, n).elementary()) is None
    # a softmax entry is exp(x_i) divided by the sum: an index i as well as a length n
    assert verify.equal(mo.SoftmaxEntry(x, i, n), sp.exp(x[i] - mo.LogSumExp(x, n))) is None


@pytest.mark.parametrize("lhs, rhs", [
    pytest.param(sp.Sum(x[j] ** 2, (j, 1, n)), sp.Sum(x[j], (j, 1, n)) ** 2, id="square-of-sum"),
    pytest.param(sp.Sum(x[j], (j, 1, n)), sp.Sum(x[j], (j, 1, n - 1)), id="dropped-last-term"),
    pytest.param(mo.SoftmaxEntry(x, i, n), sp.exp(x[i]) / sp.Sum(sp.exp(x[j]), (j, 1, n - 1)), id="softmax-short-sum"),
    pytest.param(mo.LogSumExp(x, n), sp.Sum(x[j], (j, 1, n)), id="logsumexp-is-not-the-sum"),
    pytest.param(sp.Sum(sp.KroneckerDelta(i, j) * x[j], (j, 1, n)), x[1], id="delta-picks-the-wrong-entry"),
])
def test_equal_finds_a_point_for_a_wrong_step(fast_path_only, lhs, rhs):
    bad = verify.equal(lhs, rhs)
    assert bad is not None, f"{lhs} = {rhs} passed"
    where, va, vb = bad
    assert n in where  # the length it was tried at
    assert any(isinstance(key, sp.Indexed) for key in where)  # and the entries drawn
    assert va != vb
    # the point is a real counterexample: SymPy's own evaluation there disagrees too
    sub = {key: value for key, value in where.items()}
    concrete = [sp.N(side.xreplace({s: v for s, v in sub.items() if not isinstance(s, sp.Indexed)}).doit()
                     .xreplace({s: v for s, v in sub.items() if isinstance(s, sp.Indexed)}), 30)
                for side in (mo.elementary(lhs), mo.elementary(rhs))]
    assert all(v.is_number for v in concrete), concrete
    assert abs(concrete[0] - concrete[1]) > 1e-6


def test_equal_with_relu_heaviside_max_min(fast_path_only):
    # relu(u) = u H(u) with H(0) = 0; the wrong side of the step is caught (it differs at every u != 0:
    # the checks draw only POINTS = 3 random values, so a case wrong for one sign only could pass)
    assert verify.equal(a * sp.Heaviside(a, 0), mo.relu(a)) is None
    assert verify.equal(a * sp.Heaviside(-a, 0), mo.relu(a)) is not None
    assert verify.equal(sp.Max(a, 0) - sp.Min(a, 0), sp.Abs(a)) is None
    assert verify.equal(sp.Max(a, 0) + sp.Min(a, 0), -a) is not None


def test_numeval_module_is_what_verify_uses():
    assert verify.numeval is numeval


@pytest.mark.parametrize("seed", range(10))
def test_a_check_sees_both_signs_of_every_quantity(seed):
    """|a| = max(a, 0) - min(a, 0), but a is not: the second point flips the first one's signs, so a
    wrong step that only shows for one sign is caught whatever the seed."""
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    rng = random.Random(seed)
    assert verify.equal(sp.Max(a, 0) - sp.Min(a, 0), a, rng=rng) is not None
    assert verify.equal(mo.relu(a) + mo.relu(b), a + b, rng=rng) is not None
    assert verify.equal(sp.Max(a, 0) - sp.Min(a, 0), sp.Abs(a), rng=rng) is None
