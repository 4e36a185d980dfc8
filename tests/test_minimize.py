"""The minimize kind against independent computations: SymPy's own solve and hessian on the function,
numpy's least squares and linear solves at explicit sizes, a Newton step in floating point; and the
reader's new constructs (w^*, I_n, the inverse of a matrix of numbers, a note on the sizes)."""
from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from answerkey import mathobj as mo, reader, verify
from answerkey.errors import AnswerkeyError
from tests.kindutil import solve

POLYNOMIALS = [
    ("x**3 - 3*x + y**3 - 3*y", ["x", "y"]),
    ("x**4 - 2*x**2 + y**2", ["x", "y"]),
    ("x**3 - 12*x + 2", ["x"]),
    ("2*x**2 + x*y + 3*y**2 - x + 4*y", ["x", "y"]),
    ("x**2 + y**2 + z**2 - x*y + 2*z", ["x", "y", "z"]),
    ("x*y - x**2*y - x*y**2", ["x", "y"]),
]


def _classes(f, names):
    """{point: class} from SymPy's solve of its own gradient and numpy's eigenvalues of SymPy's Hessian."""
    xs = [sp.Symbol(n, real=True) for n in names]
    H = sp.hessian(f, xs)
    out = {}
    for sol in sp.solve([sp.diff(f, v) for v in xs], xs, dict=True):
        point = tuple(sol[v] for v in xs)
        eig = np.linalg.eigvalsh(np.array(H.subs(sol).tolist(), dtype=float))
        out[point] = ("minima" if (eig > 1e-12).all() else "maxima" if (eig < -1e-12).all()
                      else "saddles" if (eig > 1e-12).any() and (eig < -1e-12).any() else "undecided")
    return out


@pytest.mark.parametrize("text, names", POLYNOMIALS)
def test_critical_points_and_classes_agree_with_sympy_and_numpy(text, names, tmp_path):
    _, (solution,) = solve(tmp_path, {"kind": "minimize", "function": text, "wrt": names if len(names) > 1 else names[0]})
    assert solution.verified and not solution.unread
    f = sp.sympify(text, locals={n: sp.Symbol(n, real=True) for n in names})
    want = _classes(f, names)

    def rows(label):
        m = solution.answers[label].expr if label in solution.answers else sp.zeros(0, len(names))
        return {tuple(m.row(i)) for i in range(m.rows)}

    assert rows("points") == set(want)
    for label in ("minima", "maxima", "saddles"):
        assert rows(label) == {p for p, c in want.items() if c == label}, label


def test_the_mean_minimises_squared_deviations(tmp_path):
    _, (solution,) = solve(tmp_path, {"kind": "minimize", "function": "Sum((x[i] - b)**2, (i, 1, m))",
                                      "vectors": {"x": "m"}, "wrt": "b"})
    data = [0.3, -1.2, 2.5, 4.0, 0.7]
    m, x = mo.index("m"), mo.vector("x")
    value = solution.answers["minimum"].expr.subs(m, len(data)).doit().xreplace({x[i + 1]: v for i, v in enumerate(data)})
    assert float(value) == pytest.approx(np.mean(data), rel=1e-14)
    assert "minima" in solution.answers  # f'' = 2m > 0 decided from m being a length


def test_least_squares_through_the_origin(tmp_path):
    _, (solution,) = solve(tmp_path, {"kind": "minimize", "function": "Sum((y[i] - w*x[i])**2, (i, 1, m))",
                                      "vectors": {"x": "m", "y": "m"}, "wrt": "w"})
    rng = np.random.default_rng(4)
    xs, ys = rng.normal(size=6), rng.normal(size=6)
    point = solution.answers["points"].expr[0, 0]
    m, x, y = mo.index("m"), mo.vector("x"), mo.vector("y")
    got = point.subs(m, 6).doit().xreplace({**{x[i + 1]: v for i, v in enumerate(xs)},
                                            **{y[i + 1]: v for i, v in enumerate(ys)}})
    want = np.linalg.lstsq(xs[:, None], ys, rcond=None)[0][0]
    assert float(got) == pytest.approx(want, rel=1e-12)


def _explicit(expr, sizes, values):
    """The answer at explicit sizes with numpy matrices put in."""
    syms = {m: sp.MatrixSymbol(m.name, *(int(sp.sympify(d).subs(sizes)) for d in m.shape)) for m in expr.atoms(sp.MatrixSymbol)}
    concrete = mo.concrete(expr.xreplace(syms).subs(sizes))
    fixed = {}
    for m, s in syms.items():
        for i in range(s.shape[0]):
            for j in range(s.shape[1]):
                fixed[mo.to_indexed(MatrixElement(s, i, j))] = values[m.name][i, j]
    fixed.update({k: v for k, v in values.items() if isinstance(k, sp.Symbol)})
    return np.array([float(sp.sympify(v).xreplace(fixed)) for v in sp.Matrix(concrete)])


@pytest.mark.parametrize("ridge", [False, True])
def test_normal_equations_against_numpy(ridge, tmp_path):
    function = "(X*w - y).T*(X*w - y)" + (" + lam*w.T*w" if ridge else "")
    _, (solution,) = solve(tmp_path, {"kind": "minimize", "function": function, "wrt": "w",
                                      "shapes": {"X": ["m", "n"], "w": ["n", 1], "y": ["m", 1]}})
    assert solution.verified and not solution.unread
    rng = np.random.default_rng(7)
    m, n = sp.Symbol("m", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
    for rows, cols in ((5, 3), (3, 2), (2, 3) if ridge else (4, 4)):
        X, y = rng.normal(size=(rows, cols)), rng.normal(size=(rows, 1))
        values = {"X": X, "y": y}
        if ridge:
            values[mo.real("lam")] = 0.7
            want = np.linalg.solve(X.T @ X + 0.7 * np.eye(cols), X.T @ y).ravel()
        else:
            want = np.linalg.lstsq(X, y, rcond=None)[0].ravel()
        got = _explicit(solution.answers["minimizer"].expr, {m: rows, n: cols}, values)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_newton_step_against_floating_point(tmp_path):
    text = "x**4 + x*y + (1 + y)**2 + exp(x/3)"
    _, (solution,) = solve(tmp_path, {"kind": "minimize", "function": text, "wrt": ["x", "y"],
                                      "newton": {"at": {"x": 1, "y": 0.5}, "steps": 2}})
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    f = sp.sympify(text, locals={"x": x, "y": y})
    g = sp.lambdify((x, y), [sp.diff(f, x), sp.diff(f, y)])
    H = sp.lambdify((x, y), sp.hessian(f, (x, y)))
    p = np.array([1.0, 0.5])
    for _ in range(2):
        p = p - np.linalg.solve(np.array(H(*p), dtype=float), np.array(g(*p), dtype=float))
    got = np.array([float(v) for v in solution.answers["newton"].expr])
    assert got == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize("spec, message", [
    ({"function": "x**2 + y", "wrt": ["x", "y"]}, "no critical point"),
    ({"function": "w.T*w*w.T*w + w.T*w", "wrt": "w", "shapes": {"w": ["n", 1]}}, "not quadratic"),
    ({"function": "x**2 + lam*y", "wrt": ["x", "y"], "newton": {"at": {"x": 1, "y": 0}}}, "constant lam"),
    ({"function": "log(x) + y**2", "wrt": ["x", "y"], "newton": {"at": {"x": 0, "y": 1}}}, "outside the domain"),
    ({"function": "Sum(x[i]**2, (i, 1, m)) + b**2", "wrt": "x", "vectors": {"x": "m"}}, "data vector"),
])
def test_errors(spec, message, tmp_path):
    with pytest.raises(AnswerkeyError) as info:
        solve(tmp_path, {"kind": "minimize", **spec})
    assert message in str(info.value)


# -- the reader's new constructs ------------------------------------------------------------------------

def _matrix_context():
    ctx = reader.Context()
    n, m = mo.index("n"), mo.index("m")
    ctx.indices.update({"n": n, "m": m})
    ctx.matrices.update({"X": sp.MatrixSymbol("X", m, n), "w": sp.MatrixSymbol("w", n, 1),
                         "y": sp.MatrixSymbol("y", m, 1)})
    ctx.scalars["lam"] = mo.real("lam")
    return ctx


def test_reader_star_label_identity_and_inverse():
    ctx = _matrix_context()
    line = reader.read(r"w^{\ast} = \left(X^{T} X + \mathit{lam} I_{n}\right)^{-1} X^{T} y", ctx)
    (_, lhs), (_, rhs) = line.clauses[0]
    assert isinstance(lhs, reader.Fresh) and lhs.name == "w^(*)"
    X, y = ctx.matrices["X"], ctx.matrices["y"]
    assert rhs == sp.Inverse(X.T * X + mo.real("lam") * sp.Identity(mo.index("n"))) * X.T * y
    assert reader.read_expr(r"\begin{bmatrix}2 & 0\\0 & 4\end{bmatrix}^{-1}", ctx) == sp.ImmutableMatrix(
        [[sp.Rational(1, 2), 0], [0, sp.Rational(1, 4)]])
    with pytest.raises(reader.ReadError):  # a singular matrix has no inverse
        reader.read_expr(r"\begin{bmatrix}1 & 1\\1 & 1\end{bmatrix}^{-1}", ctx)


def test_a_size_condition_rules_out_the_sizes_that_break_it():
    """(X^T X)^{-1} X^T X = I holds only where X^T X is invertible: for m >= n; the checks skip the rest."""
    ctx = _matrix_context()
    X = ctx.matrices["X"]
    n = mo.index("n")
    claim, shown = sp.Identity(n), sp.Inverse(X.T * X) * X.T * X
    held = verify.equal(claim, shown, {"holds": [("≥", mo.index("m"), n)]}, random.Random(1))
    assert held is None
    with pytest.raises(Exception):  # without the condition the singular sizes (m = 2, n = 3) come up
        bad = verify.equal(claim, shown, {}, random.Random(1))
        assert bad is None
        raise AssertionError("no failure")
