"""The jacobian kind's vector form (function: softmax(x), sigmoid(x), tanh(x), relu(x), A*x + b): its answers
against independent computations -- SymPy's own Matrix.jacobian of the outputs written out here by hand at
n = 2, 3, 4, numpy's softmax and finite differences at points --, and its printed lines against mutations
that change what they mean (the read-back must then fail the build)."""
from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp

from answerkey import mathobj as mo, readback, render
from answerkey.build import load_spec
from answerkey.errors import VerificationError

from .kindutil import solve, write_spec

X = mo.vector("x")


def _by_hand(form: str, N: int):
    """The outputs written out, with SymPy's own functions (not the project's)."""
    xs = [X[r] for r in range(1, N + 1)]
    if form == "softmax":
        total = sp.Add(*[sp.exp(v) for v in xs])
        return [sp.exp(v) / total for v in xs], xs
    return [{"sigmoid": 1 / (1 + sp.exp(-v)), "tanh": sp.tanh(v), "relu": sp.Max(v, 0)}[form] for v in xs], xs


def _plain(e):
    return mo.plain_functions(mo.elementary(e)).doit()


def _agree(got, want, xs, rng, points=3):
    for _ in range(points):
        at = {v: sp.Float(rng.choice([-1, 1]) * rng.uniform(0.3, 2.0), 30) for v in xs}
        for a, b in zip(got, want):
            a, b = sp.N(_plain(sp.sympify(a)).xreplace(at), 30), sp.N(sp.sympify(b).xreplace(at).doit(), 30)
            assert abs(a - b) < 1e-20, (a, b)


@pytest.mark.parametrize("form", ["softmax", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("N", [2, 3, 4])
def test_explicit_jacobian_is_sympys_jacobian(tmp_path, form, N):
    spec = {"kind": "jacobian", "function": f"{form}(x)", "vectors": {"x": N}, "wrt": "x"}
    _, (solution,) = solve(tmp_path, spec)
    assert solution.verified
    outputs, xs = _by_hand(form, N)
    want = sp.Matrix(outputs).jacobian(xs)
    got = solution.answers["jacobian"].expr
    assert got.shape == (N, N)
    _agree(got, want, xs, random.Random(N))


@pytest.mark.parametrize("form", ["softmax", "sigmoid", "tanh", "relu"])
def test_the_entry_at_symbolic_length_is_sympys_jacobian_at_n_2_3_4(tmp_path, form):
    _, (solution,) = solve(tmp_path, {"kind": "jacobian", "function": f"{form}(x)", "vectors": {"x": "n"},
                                      "wrt": "x", "name": "p"})
    answer = solution.answers["jacobian"]
    i, k = answer.index
    n = mo.index("n")
    for N in (2, 3, 4):
        outputs, xs = _by_hand(form, N)
        want = sp.Matrix(outputs).jacobian(xs)
        got = sp.Matrix(N, N, lambda r, c: answer.expr.subs({n: N, i: r + 1, k: c + 1}))
        _agree(got, want, xs, random.Random(N))


def test_softmax_at_a_point_is_diag_minus_outer_product_by_numpy(tmp_path):
    x = np.array([1.0, 2.0, 3.0, -0.5])
    _, (solution,) = solve(tmp_path, {"kind": "jacobian", "function": "softmax(x)", "vectors": {"x": 4}, "wrt": "x",
                                      "at": {"x": [1, 2, 3, -0.5]}})
    p = np.exp(x) / np.exp(x).sum()
    want = np.diag(p) - np.outer(p, p)
    got = np.array(solution.answers["jacobian_at"].expr.evalf(30).tolist(), dtype=float)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-14)
    h = 1e-6  # and by central differences of numpy's softmax, column by column
    for c in range(4):
        e = np.zeros(4)
        e[c] = h
        up, down = np.exp(x + e) / np.exp(x + e).sum(), np.exp(x - e) / np.exp(x - e).sum()
        assert np.allclose(got[:, c], (up - down) / (2 * h), atol=1e-8)


def test_relu_at_its_kink_is_taken_as_zero_and_elsewhere_the_indicator(tmp_path):
    _, (solution,) = solve(tmp_path, {"kind": "jacobian", "function": "relu(x)", "vectors": {"x": 4}, "wrt": "x",
                                      "at": {"x": [0, 0.5, -1, 3]}})
    got = solution.answers["jacobian_at"].expr
    assert got == sp.diag(0, 1, 0, 1)


def test_affine_map_is_its_matrix_in_the_numerator_layout(tmp_path):
    """y = W x + b with W of 3 rows and x of 2 entries: J is 3 x 2, row i the derivatives of y_i -- W, not W^T."""
    _, (solution,) = solve(tmp_path, {"kind": "jacobian", "function": "W*x + b", "vectors": {"x": 2, "b": 3},
                                      "shapes": {"W": [3, 2]}, "wrt": "x"})
    w, b = mo.vector("w"), mo.vector("b")
    outputs = [w[r, 1] * X[1] + w[r, 2] * X[2] + b[r] for r in range(1, 4)]
    want = sp.Matrix(outputs).jacobian([X[1], X[2]])
    assert solution.answers["jacobian"].expr == want
    _, (symbolic,) = solve(tmp_path, {"kind": "jacobian", "function": "A*x + b", "vectors": {"x": "n", "b": "m"},
                                      "shapes": {"A": ["m", "n"]}, "wrt": "x"})
    answer = symbolic.answers["jacobian"]
    assert answer.expr == mo.vector("a")[answer.index]  # the (i, k) entry a_ik
    text = render.solution_block(*_first(tmp_path, {"kind": "jacobian", "function": "A*x + b",
                                                    "vectors": {"x": "n", "b": "m"}, "shapes": {"A": ["m", "n"]},
                                                    "wrt": "x"}))
    assert "denominator layout" in text and "A^{T}" in text


def _first(tmp_path, problem):
    spec = load_spec(write_spec(tmp_path, problem, name="m.yaml"))
    p = spec.problems[0]
    return p, p.kind.solve(p)


# -- mutations of the printed lines: each changes what a line says, and the read-back must fail the build

MUTATIONS = [
    ("softmax", "n", r"\operatorname{diag}\left(p\right) - p p^{T}", r"\operatorname{diag}\left(p\right) + p p^{T}"),
    ("softmax", "n", r"\operatorname{diag}\left(p\right) - p p^{T}", r"p p^{T} - \operatorname{diag}\left(p\right)"),
    ("softmax", "n", r"\operatorname{diag}\left(p\right) - p p^{T}", r"\operatorname{diag}\left(p\right) - p^{T} p"),
    ("softmax", "n", r"p_{i} \left(\delta_{ik} - p_{k}\right)", r"p_{i} \left(\delta_{ik} - p_{i}\right)"),
    ("softmax", "n", r"= - p_{i} p_{k}", r"= p_{i} p_{k}"),
    ("softmax", "3", r"\operatorname{diag}\left(p\right) - p p^{T}", r"\operatorname{diag}\left(p\right) - p"),
    ("softmax", "3", r"- p_{1} p_{2}", r"- p_{1} p_{3}"),
    ("sigmoid", "n", r"\odot \left(1 - \sigma\left(x\right)\right)", r"\odot \sigma\left(x\right)"),
    ("sigmoid", "n", r"\odot \left(1 - \sigma\left(x\right)\right)", r"\odot \left(2 - \sigma\left(x\right)\right)"),
    ("tanh", "n", r"1 - \tanh^{2}\left(x\right)", r"1 - \tanh\left(x\right)"),
    ("relu", "n", r"\mathbf{1}\left[x > 0\right]\right)", r"\mathbf{1}\left[x < 0\right]\right)"),
    ("relu", "3", r"\mathbf{1}\left[x_{2} > 0\right]", r"\mathbf{1}\left[x_{3} > 0\right]"),
]


@pytest.mark.parametrize("form, size, old, new", MUTATIONS)
def test_a_mutated_line_fails_the_read_back(tmp_path, form, size, old, new):
    problem, solution = _first(tmp_path, {"kind": "jacobian", "function": f"{form}(x)", "name": "p" if form ==
                                          "softmax" else "y", "vectors": {"x": int(size) if size.isdigit() else size},
                                          "wrt": "x"})
    block = render.solution_block(problem, solution)
    record = readback.check(problem, solution, block, problem.kind.context(problem))
    assert not record.unread, record.unread  # the unmutated page reads back completely
    assert old in block, old
    with pytest.raises(VerificationError):
        readback.check(problem, solution, block.replace(old, new, 1), problem.kind.context(problem))


def test_the_affine_jacobian_is_not_its_transpose(tmp_path):
    problem, solution = _first(tmp_path, {"kind": "jacobian", "function": "A*x", "vectors": {"x": "n"},
                                          "shapes": {"A": ["n", "n"]}, "wrt": "x"})
    block = render.solution_block(problem, solution)
    old = r"= A \tag"
    assert old in block
    with pytest.raises(VerificationError):
        readback.check(problem, solution, block.replace(old, r"= A^{T} \tag", 1), problem.kind.context(problem))


def test_a_wrong_answer_fails_the_confirmation(tmp_path):
    """The confirmation (finite differences at n = 2, 3, 4) catches an entry off by its transpose's sign."""
    problem, solution = _first(tmp_path, {"kind": "jacobian", "function": "softmax(x)", "vectors": {"x": "n"},
                                          "wrt": "x"})
    answer = solution.answers["jacobian"]
    i, k = answer.index
    answer.expr = answer.expr + sp.KroneckerDelta(i, 1) * sp.KroneckerDelta(k, 2) * X[1]  # one entry wrong
    answer.__dict__.pop("_record", None)
    with pytest.raises(VerificationError, match="entry \\(1, 2\\)"):
        problem.kind.confirm(problem, solution)
