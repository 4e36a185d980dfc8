"""The checks do no work twice and take cheaper routes to the very same values (issue 18): each cheaper route
gives what the route it replaces gives (the same SymPy expression, the same mpmath number), and a wrong line
or answer is still caught when it shares a memo with right ones -- a line printed right in one variant and
the same text wrong in another, a page checked after a right page of the same problem has filled the memos."""
from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from answerkey import mathobj as mo, numeval, readback, render
from answerkey.build import load_spec
from answerkey.errors import VerificationError

X, Y, Z = (sp.Symbol(n, real=True) for n in "xyz")
K, L = mo.index("k"), mo.index("l")
W, V = mo.vector("w"), mo.vector("v")

# -- the cheaper routes give the same expressions ------------------------------------------------------------

_LEAVES = st.sampled_from([X, Y, Z, sp.Integer(2), sp.Integer(-3), sp.Rational(1, 2), sp.pi, sp.E])
_UNARY = [sp.exp, sp.log, sp.sin, sp.cos, sp.tanh, mo.sigmoid]


def _plain_trees(leaves):
    return st.recursive(leaves, lambda kids: st.one_of(
        st.tuples(kids, kids).map(lambda t: t[0] + t[1]),
        st.tuples(kids, kids).map(lambda t: t[0] * t[1]),
        st.tuples(kids, st.sampled_from([2, 3, -1, -2, sp.Rational(1, 2)])).map(lambda t: t[0] ** t[1]),
        st.tuples(st.sampled_from(_UNARY), kids).map(lambda t: t[0](t[1]))), max_leaves=8)


_VALUES = st.sampled_from([sp.Integer(0), sp.Integer(1), sp.Integer(-2), sp.Integer(5), sp.Rational(-3, 4)])


@settings(max_examples=150, deadline=None)
@given(_plain_trees(_LEAVES), st.dictionaries(st.sampled_from([X, Y, Z]), _VALUES, max_size=3))
def test_exact_values_put_in_as_subs_puts_them(expr, values):
    assert sp.srepr(mo.substituted(expr, values)) == sp.srepr(expr.subs(values))


@settings(max_examples=100, deadline=None)
@given(_plain_trees(_LEAVES), st.sampled_from([X, Y, Z]),
       st.floats(min_value=-3, max_value=3, allow_nan=False).map(lambda f: sp.Float(f, 30)))
def test_one_value_of_any_kind_put_in_as_subs_puts_it(expr, symbol, value):
    assert sp.srepr(mo.substituted(expr, {symbol: value})) == sp.srepr(expr.subs({symbol: value}))


@settings(max_examples=60, deadline=None)
@given(_plain_trees(_LEAVES), st.dictionaries(st.sampled_from([X, Y, Z]), st.integers(-3, 3), min_size=1, max_size=3))
def test_python_integers_put_in_as_subs_puts_them(expr, values):
    assert sp.srepr(mo.substituted(expr, values)) == sp.srepr(expr.subs(values))


def test_what_is_not_plain_goes_through_subs():
    """A sum binds its index; several floats could be put in in another order: subs itself."""
    i = mo.index("i")
    total = sp.Sum(W[i] * X, (i, 1, 3))
    assert mo.substituted(total, {X: sp.Integer(2)}) == total.subs({X: sp.Integer(2)})
    two = {X: sp.Float("0.1", 30), Y: sp.Float("0.7", 30)}
    assert sp.srepr(mo.substituted(X * Y + X, two)) == sp.srepr((X * Y + X).subs(two))


_ENTRIES = st.sampled_from([W[1], W[2], W[3], V[1], V[2], X, sp.Integer(3)])


@settings(max_examples=150, deadline=None)
@given(st.lists(_plain_trees(_ENTRIES), min_size=2, max_size=5), st.sampled_from([W[1], W[2], V[2]]))
def test_a_written_out_sum_differentiated_term_by_term_as_diff_does(terms, entry):
    explicit = sp.Add(*terms)
    assert sp.srepr(mo.entry_diff(explicit, entry)) == sp.srepr(sp.diff(explicit, entry))


def test_an_entry_matrix_at_its_indices_as_simultaneous_subs():
    for entry in (X * sp.KroneckerDelta(K, L), W[K] * V[L] + sp.exp(W[L]), W[K] ** 2 - K * L):
        made = mo.EntryMatrix(entry, K, L, 3, 2).doit()
        old = sp.ImmutableMatrix(3, 2, lambda r, c: mo.written_out(entry.subs({K: r + 1, L: c + 1},
                                                                               simultaneous=True)).doit())
        assert sp.srepr(made) == sp.srepr(old)


def test_exp_kept_per_value_and_precision():
    value = mpmath.mpf("0.7")
    e, point = sp.exp(X), numeval.Point(fixed={X: value})
    with mpmath.workdps(30):
        low = numeval.evaluate(e, {}, point)
        assert low == mpmath.exp(value)
    with mpmath.workdps(60):
        high = numeval.evaluate(e, {}, point)
        assert high == mpmath.exp(value) and high != low
    with mpmath.workdps(30):
        assert numeval.evaluate(e, {}, point) == low
    for zero in (0, mpmath.mpf(0), mpmath.mpc(0, 0)):  # kept apart by type: an mpc stays an mpc
        got = numeval.evaluate(sp.exp(Y), {}, numeval.Point(fixed={Y: zero}))
        assert type(got) is type(mpmath.exp(zero)) and got == 1


# -- a wrong line or answer that shares the memos with right ones is caught ----------------------------------

GRAPH = """title: t
problems:
  - kind: backprop
    statement: Compute the gradients.
    graph:
      q: x * y
      f: q * z
    inputs: {{x: -2, y: {y}, z: 3}}
    output: f
    ask: {{a: x, b: y, c: z, d: q}}
"""


def _graph(tmp_path, y):
    path = tmp_path / f"graph{y}.yaml"
    path.write_text(GRAPH.format(y=y), encoding="utf-8")
    problem = load_spec(path).problems[0]
    return problem, problem.kind.solve(problem)


def test_a_line_right_in_one_variant_is_wrong_in_the_other(tmp_path):
    """Variant A (y = 5) prints dq/dx = y = 5; variant B (y = 4) must print 4: A's text on B's page fails
    after both right pages were checked (the comparisons that held, the assumptions at their values, the
    parse trees are kept), and B's right page still passes."""
    a, sol_a = _graph(tmp_path, 5)
    b, sol_b = _graph(tmp_path, 4)
    page_a, page_b = render.solution_block(a, sol_a), render.solution_block(b, sol_b)
    right_in_a = r"\dfrac{\partial q}{\partial x} = y = 5"
    assert right_in_a in page_a and right_in_a not in page_b
    readback.check(a, sol_a, page_a, a.kind.context(a))
    readback.check(b, sol_b, page_b, b.kind.context(b))
    wrong = page_b.replace(r"\dfrac{\partial q}{\partial x} = y = 4", right_in_a)
    assert wrong != page_b
    with pytest.raises(VerificationError, match="is wrong as printed"):
        readback.check(b, sol_b, wrong, b.kind.context(b))
    readback.check(a, sol_a, page_a, a.kind.context(a))  # and A's page, the same text, still holds
    readback.check(b, sol_b, page_b, b.kind.context(b))


def test_a_wrong_answer_caught_by_the_confirmation_that_shares_its_gates(tmp_path):
    """The gates x*y and q*z are compiled once for both variants; B's answer a taken from A is refused."""
    a, sol_a = _graph(tmp_path, 5)
    b, sol_b = _graph(tmp_path, 4)
    assert a.kind.confirm(a, sol_a) and b.kind.confirm(b, sol_b)
    answers = dict(sol_b.answers)
    answers["a"] = sol_a.answers["a"]  # 15 where B's is 12
    assert answers["a"].expr != sol_b.answers["a"].expr
    import dataclasses

    with pytest.raises(VerificationError, match="answer 'a' failed its independent check"):
        b.kind.confirm(b, dataclasses.replace(sol_b, answers=answers))


@pytest.fixture(scope="module")
def homework():
    spec = load_spec("problems/dl-hw2.yaml")
    return {p.fields.id if hasattr(p.fields, "id") else p.label: (p, p.kind.solve(p)) for p in spec.problems[:3]}


def _pages(problem, solution):
    page = render.solution_block(problem, solution)
    readback.check(problem, solution, page, problem.kind.context(problem))  # the memos filled by a right page
    return page


def test_a_wrong_matrix_line_after_the_right_one(homework):
    """x x^T against d(x^T W x)/dW: the entries of x and W, the explicit form, its derivatives by entry are
    kept from the right page; twice the value, written either way, is still refused."""
    problem, solution = next(v for k, v in homework.items() if "quadratic" in str(k))
    page = _pages(problem, solution)
    assert "x x^{T}" in page
    for old, bad in (("x x^{T}", "2 x x^{T}"), ("x x^{T}", "x x^{T} + x x^{T}"),
                     (r"\left[x_{k} x_{l}\right]_{kl}", r"2 \left[x_{k} x_{l}\right]_{kl}")):
        with pytest.raises(VerificationError, match="step 6 .* is wrong as printed"):
            readback.check(problem, solution, page.replace(old, bad, 1), problem.kind.context(problem))


def test_a_wrong_softmax_line_shares_the_exponentials(homework):
    """exp(x_j) at the read-back's points is kept per value: a softmax whose sum runs over exp(2 x_j), or
    whose numerator is another entry, still fails after the right page."""
    problem, solution = next(v for k, v in homework.items() if "logsumexp" in str(k))
    page = _pages(problem, solution)
    line = next(d.math for d in readback.displays(page) if d.math and
                d.math.endswith(r"= \frac{\exp\left(x_{k}\right)}{\sum_{i=1}^{n} \exp\left(x_{i}\right)}"))
    for old, new in ((r"\frac{\exp\left(x_{k}\right)}", r"\frac{\exp\left(x_{1}\right)}"),
                     (r"\sum_{i=1}^{n} \exp\left(x_{i}\right)", r"\sum_{i=1}^{n} \exp\left(2 x_{i}\right)")):
        wrong = page.replace(line, line.replace(old, new))
        assert wrong != page
        with pytest.raises(VerificationError, match="step 7 .* is wrong as printed"):
            readback.check(problem, solution, wrong, problem.kind.context(problem))


# -- a tree per text shape: texts that differ only in their numbers ------------------------------------------

def _same_tree(a, b) -> bool:
    import lark

    if isinstance(a, lark.Token) or isinstance(b, lark.Token):
        return isinstance(a, lark.Token) and isinstance(b, lark.Token) and (a.type, str(a)) == (b.type, str(b))
    return a.data == b.data and len(a.children) == len(b.children) and \
        all(_same_tree(x, y) for x, y in zip(a.children, b.children))


_PIECES = st.sampled_from([
    "x", "y_{1}", "w_{12}", "x_2", " ", "+", "-", "=", r"\approx", "2", "10", "3.25", "0.5", "(", ")", "{", "}",
    r"\frac{1}{2}", r"\frac12", r"\cdot", r"\times", r"\mathbf{1}[x > 0]", r"\text{for 3 cases}", r"\mathit{d2}",
    "e^{2}", "x^{3}", r"\sum_{i=1}^{n}", r"\exp\left(2 x\right)", ",", r"\begin{bmatrix} 1 & 2 \\[2pt] 3 & 4.5 \end{bmatrix}",
    ".5", "2.", r"\,", r"\dots", "10^{-3}",
    # what a reviewer tried besides: roots, thousands, digits glued to letters, labels, 1e-3, odd row separators
    r"\sqrt[3]{8}", "1{,}000", "x2", "2x", "007", "1e-3", "^{(2)}", r"\operatorname{relu}", r"\mbox{2}", r"\\[-2pt]",
    r"\lfloor", r"\rfloor", r"\mathbbm{1}"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=9).map("".join))
def test_a_text_with_numbers_gets_the_tree_of_the_text_itself(text):
    import lark
    from answerkey import reader

    try:
        real = reader._parser().parse(text)
    except lark.exceptions.LarkError:
        real = None
    try:
        ours = reader._parsed.__wrapped__(text)
    except lark.exceptions.LarkError:
        ours = None
    assert (real is None) == (ours is None)
    if real is not None:
        assert _same_tree(real, ours)


def test_two_variants_share_a_shape_not_their_numbers():
    from answerkey import reader

    a, b = reader._parsed(r"x y = 10"), reader._parsed(r"x y = 12.5")
    assert reader._masked("x y = 10")[0] == reader._masked("x y = 12.5")[0] == "x y = 0"
    numbers = [str(t) for t in b.scan_values(lambda t: getattr(t, "type", None) == "NUMBER")]
    assert numbers == ["12.5"] and [str(t) for t in a.scan_values(lambda t: getattr(t, "type", None) == "NUMBER")] == ["10"]
    assert reader._masked(r"x_{12} + \mathbf{1}[x > y] + \text{3 items}") == \
        (r"x_{12} + \mathbf{1}[x > y] + \text{3 items}", [])
    assert reader._masked(".5 x") == (".5 x", [])  # parsed itself
