"""The reader (answerkey/reader.py, answerkey/house.lark) on LaTeX typed by hand, as textbooks and students
write it -- not the project's printer output.

Each formula is read with a problem's context and compared with the SymPy value a mathematician means,
numerically at random points (the helpers below evaluate with their own definitions of sigmoid, softmax,
relu, ..., not the project's), or structurally. Where SymPy's own LaTeX parser (the lark backend) reads the
formula, the reader must also agree with it: an independent implementation. Garbage and ambiguous input
must raise reader.ReadError, never another exception and never a silent reading.

Tests marked xfail(strict=True) are bugs or gaps of the reader found by these tests; their reasons say what
is read and what is meant.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import pytest
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from answerkey import build, mathobj as mo, reader
from answerkey.kinds.common import function_context

from .conftest import ROOT

# ---------------------------------------------------------------------------------------------------
# Names. The reader's symbols: real scalars, positive integer indices, IndexedBase vectors.

n = mo.index("n")
i, j, k, l = (mo.index(c) for c in "ijkl")
xs, ys, zs, us, vs, ws, as_, bs, cs = (mo.real(c) for c in "xyzuvwabc")
theta = mo.real("theta")
X, Y = mo.vector("x"), mo.vector("y")  # vectors of length n (as IndexedBase)
SIZES = {n: 4}
FREE = {i: 3, k: 2, j: 1, l: 4}  # free indices where a formula has them


def _scalars() -> reader.Context:
    ctx = reader.Context()
    for s in (xs, ys, zs, us, vs, ws, as_, bs, cs, theta):
        ctx.scalars[s.name] = s
    return ctx


def _vectors() -> reader.Context:
    """x and y of length n, a scalar c, an n x n matrix of entries a_ij, e_i of length n."""
    ctx = reader.Context()
    for v in (X, Y):
        ctx.vectors[v.name] = (v, n)
    ctx.indices["n"] = n
    ctx.scalars["c"] = cs
    ctx.entries["a"] = (mo.vector("a"), 2)
    ctx.unit_length = n
    return ctx


def _logsumexp() -> reader.Context:
    """f(x) = log sum_i exp(x_i), x of length n (as the gradient kind builds it)."""
    return function_context(sp.log(sp.Sum(sp.exp(X[i]), (i, 1, n))), "f", ["x"], {"x": n})


def _squares() -> reader.Context:
    """f(x) = sum_i x_i^2."""
    return function_context(sp.Sum(X[i] ** 2, (i, 1, n)), "f", ["x"], {"x": n})


def _cross_entropy() -> reader.Context:
    """L(x) = -log softmax(x)_i for the class i (a free index)."""
    return function_context(-sp.log(mo.SoftmaxEntry(X, i, n)), "L", ["x"], {"x": n})


def _two() -> reader.Context:
    """f(x, y) = x^2 y."""
    return function_context(xs ** 2 * ys, "f", ["x", "y"], {})


MX, MA, MW, Ma = (sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("w", n, 1),
                  sp.MatrixSymbol("a", n, 1))


def _matrices() -> reader.Context:
    """Vectors x, w (n x 1), a matrix A (n x n) with entries a_ij, scalars y and b; f(x) = x^T A x (as the
    matrix_gradient kind builds it)."""
    ctx = reader.Context()
    for m in (MX, MA, MW):
        ctx.matrices[m.name] = m
    ctx.entries.update(x=(mo.vector("x"), 1), w=(mo.vector("w"), 1), a=(mo.vector("a"), 2))
    ctx.indices["n"] = n
    ctx.scalars.update(y=ys, b=bs)
    ctx.functions["f"] = reader.Function([MX], MX.T * MA * MX)
    ctx.shape = (n, sp.Integer(1))
    return ctx


def _norm() -> reader.Context:
    """Vectors x and a (n x 1), f(x) = ||x - a||."""
    ctx = reader.Context()
    for m in (MX, Ma):
        ctx.matrices[m.name] = m
    ctx.entries.update(x=(mo.vector("x"), 1), a=(mo.vector("a"), 1))
    ctx.indices["n"] = n
    return ctx


CONTEXTS = {"scalars": _scalars, "vectors": _vectors, "logsumexp": _logsumexp, "squares": _squares,
            "cross_entropy": _cross_entropy, "two": _two, "matrices": _matrices,
            "norm": _norm}


# ---------------------------------------------------------------------------------------------------
# Numeric evaluation, with this file's own definitions of the named functions.


class Point:
    """Random values for every name, drawn on first use: scalars by name, entries by (name, indices);
    the entries of a matrix A are a_ij, those of a column x are x_i (the homework's convention)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.values: dict = {}

    def value(self, key):
        if key not in self.values:
            v = self.rng.randint(15, 160) * self.rng.choice((1, 1, -1))
            self.values[key] = sp.Rational(v, 100)
        return self.values[key]


def _plain(expr):
    """The named functions written out (independently of answerkey.mathobj's own definitions)."""
    def softmax_entry(e):
        x, idx, m = e.args
        d = sp.Dummy("d", integer=True)
        return sp.exp(x[idx]) / sp.Sum(sp.exp(x[d]), (d, 1, m))

    def logsumexp(e):
        x, m = e.args
        d = sp.Dummy("d", integer=True)
        return sp.log(sp.Sum(sp.exp(x[d]), (d, 1, m)))

    expr = expr.replace(lambda e: isinstance(e, mo.SoftmaxEntry), softmax_entry)
    expr = expr.replace(lambda e: isinstance(e, mo.LogSumExp), logsumexp)
    expr = expr.replace(lambda e: isinstance(e, mo.sigmoid), lambda e: 1 / (1 + sp.exp(-e.args[0])))
    expr = expr.replace(lambda e: isinstance(e, mo.relu), lambda e: sp.Max(e.args[0], 0))
    return expr


def _entry_key(name: str, rows_cols, r: int, c: int):
    rows, cols = rows_cols
    if cols == 1:
        return (name, (r + 1,))
    return (name.lower(), (r + 1, c + 1))


def evaluate(value, point: Point, fixed: dict | None = None):
    """A scalar or matrix value as a complex number (or a list of them) at the point."""
    fixed = {**SIZES, **FREE, **(fixed or {})}
    if isinstance(value, (list, tuple)):
        return [evaluate(v, point, fixed) for v in value]
    v = sp.sympify(value)
    v = v.subs(fixed)  # subs respects the bound variables of sums
    v = _plain(v).doit()
    # matrices of concrete size: entries from the point
    v = v.replace(lambda e: isinstance(e, MatrixElement) and isinstance(e.args[0], sp.MatrixSymbol),
                  lambda e: point.value(_entry_key(e.args[0].name, e.args[0].shape, int(e.args[1]), int(e.args[2]))))
    v = v.replace(lambda e: isinstance(e, sp.MatrixSymbol),
                  lambda e: sp.ImmutableMatrix(int(e.shape[0]), int(e.shape[1]),
                                               lambda r, c: point.value(_entry_key(e.name, e.shape, r, c))))
    v = v.doit()
    if isinstance(v, sp.MatrixExpr) and not isinstance(v, sp.MatrixBase):
        v = v.as_explicit()
    if isinstance(v, sp.MatrixBase):
        if v.shape == (1, 1):
            v = v[0, 0]
        else:
            return [evaluate(e, point, fixed) for e in v]
    v = v.replace(lambda e: isinstance(e, sp.Indexed),
                  lambda e: point.value((str(e.base), tuple(int(t) for t in e.indices))))
    v = v.xreplace({s: point.value(s.name) for s in v.free_symbols if isinstance(s, sp.Symbol)})
    return complex(sp.N(v, 30))


def entries(vec, length: int = 4):
    """The entries 1..length of a vector value, by this file's own reading of the display vectors."""
    if isinstance(vec, mo.DotsVector):
        expr, var, top, _ = vec.args
        assert top.subs(SIZES) == length
        return [expr.subs(var, t) for t in range(1, length + 1)]
    if isinstance(vec, mo.Softmax):
        x, m = vec.args
        return [mo.SoftmaxEntry(x, sp.Integer(t), m) for t in range(1, length + 1)]
    if isinstance(vec, mo.UnitVector):
        return [sp.KroneckerDelta(vec.args[0], t) for t in range(1, length + 1)]
    if isinstance(vec, sp.MatrixBase):
        return list(vec)
    if isinstance(vec, sp.Add):
        parts = [entries(a, length) for a in vec.args]
        return [sp.Add(*col) for col in zip(*parts)]
    if isinstance(vec, sp.Mul):
        vectors = [a for a in vec.args if mo.is_vector(a)]
        assert len(vectors) == 1, vec
        scalar = sp.Mul(*[a for a in vec.args if a is not vectors[0]])
        return [scalar * e for e in entries(vectors[0], length)]
    raise AssertionError(f"not a vector: {vec!r}")


def close(a, b, tol=1e-9) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(
            close(p, q, tol) for p, q in zip(a, b))
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def same_value(read, meant, points=3, fixed=None) -> None:
    for seed in range(points):
        point = Point(seed)
        got, want = evaluate(read, point, fixed), evaluate(meant, point, fixed)
        assert close(got, want), f"read {read}, meant {meant}: at seed {seed} {got} != {want}"


def read(text: str, context: str):
    return reader.read_expr(text, CONTEXTS[context]())


# ---------------------------------------------------------------------------------------------------
# SymPy's own LaTeX parser, as a second reading: its names mapped onto the reader's.


def sympy_readings(text: str, context: str) -> list:
    """What sympy.parsing.latex (lark backend) reads, in the reader's names: one value, or each of the
    values of an ambiguous parse; [] when it cannot read it (or reads something this file cannot map)."""
    import lark
    from sympy.core.function import AppliedUndef
    from sympy.parsing.latex import parse_latex

    try:
        parsed = parse_latex(text, backend="lark")
    except Exception:  # noqa: BLE001 - SymPy cannot read it: no cross-check
        return []
    if isinstance(parsed, lark.Tree) and parsed.data == "_ambig":
        alternatives = [c for c in parsed.children if isinstance(c, sp.Expr)]
    elif isinstance(parsed, sp.Expr):
        alternatives = [parsed]
    else:
        return []
    ctx = CONTEXTS[context]()
    out = []
    for e in alternatives:
        if e.atoms(AppliedUndef) or e.atoms(sp.Derivative) and ctx.functions:
            continue  # f(x) of the problem, or d/dx of its f: SymPy does not know the problem's f
        value = _map_names(e, ctx)
        if value is not None:
            out.append(value)
    return out


def _map_names(e, ctx):
    """SymPy's plain symbols (x, x_{i}, a_{ij}, delta_{ik}, e) as the reader's names."""
    mapping = {}
    for sym in e.atoms(sp.Symbol):
        name = sym.name
        m = re.fullmatch(r"\\?([A-Za-z]+)_\{?([A-Za-z0-9]+)\}?", name)
        if name in ctx.matrices or (m and m.group(1) in ctx.matrices and m.group(1) not in ctx.entries):
            return None  # SymPy's parser has no matrices
        if name == "e" and "e" not in ctx.scalars:
            mapping[sym] = sp.E
        elif m:
            base, sub = m.groups()
            if base == "delta" and len(sub) == 2:
                mapping[sym] = sp.KroneckerDelta(*(mo.index(c) for c in sub))
            elif base in ctx.vectors:
                mapping[sym] = ctx.vectors[base][0][sp.Integer(sub) if sub.isdigit() else mo.index(sub)]
            elif base in ctx.entries and len(sub) == ctx.entries[base][1]:
                mapping[sym] = ctx.entries[base][0][tuple(sp.Integer(c) if c.isdigit() else mo.index(c) for c in sub)
                                                    if len(sub) > 1 else (mo.index(sub),)]
            else:
                return None
        elif name in ctx.scalars:
            mapping[sym] = ctx.scalars[name]
        elif name in ctx.indices:
            mapping[sym] = ctx.indices[name]
        elif len(name) == 1 and name.isalpha():
            mapping[sym] = mo.index(name)  # a sum's variable
        else:
            return None
    try:
        return e.xreplace(mapping).doit()
    except Exception:  # noqa: BLE001
        return None


# ---------------------------------------------------------------------------------------------------
# The formulas, as typed by hand, with the values they mean.


@dataclass
class Case:
    id: str
    latex: str
    context: str
    meant: object  # a SymPy value, or a callable giving it
    marks: list = field(default_factory=list)
    sympy_marks: list | None = None  # marks for the cross-check, when they differ

    def param(self, cross=False):
        marks = self.marks if not cross or self.sympy_marks is None else self.sympy_marks
        return pytest.param(self, id=self.id, marks=marks)


def bug(reason: str):
    return pytest.mark.xfail(strict=True, reason=reason)


def sigm(u):
    return 1 / (1 + sp.exp(-u))


def S(body, var=i, lo=1, hi=n):
    return sp.Sum(body, (var, lo, hi))


CASES = [
    # -- scalars: fractions, implicit products, powers, functions -----------------------------------------
    Case("logistic", r"\frac{1}{1 + e^{-x}}", "scalars", 1 / (1 + sp.exp(-xs))),
    Case("sigmoid-derivative", r"\sigma(x)(1 - \sigma(x))", "scalars", sigm(xs) * (1 - sigm(xs))),
    Case("tanh-squared", r"\tanh^2(u)", "scalars", sp.tanh(us) ** 2),
    Case("tanh-squared-braced", r"\tanh^{2}(u)", "scalars", sp.tanh(us) ** 2),
    Case("one-minus-tanh-squared", r"1 - \tanh^2 u", "scalars", 1 - sp.tanh(us) ** 2),
    Case("e-power-braced", r"e^{x}", "scalars", sp.exp(xs)),
    Case("e-power-bare", r"e^x", "scalars", sp.exp(xs)),
    Case("e-power-gaussian", r"e^{-x^2/2}", "scalars", sp.exp(-xs ** 2 / 2)),
    Case("exp-fraction", r"\exp\left(-\frac{x^2}{2}\right)", "scalars", sp.exp(-xs ** 2 / 2)),
    Case("sqrt-sum-of-squares", r"\sqrt{x^2 + y^2}", "scalars", sp.sqrt(xs ** 2 + ys ** 2)),
    Case("cube-root", r"\sqrt[3]{x}", "scalars", sp.root(xs, 3)),
    Case("implicit-product", r"2xy", "scalars", 2 * xs * ys),
    Case("implicit-product-power", r"3x^2y", "scalars", 3 * xs ** 2 * ys),
    Case("frac-times", r"\frac{a}{b}c", "scalars", as_ * cs / bs),
    Case("dfrac", r"\dfrac{x + 1}{2y}", "scalars", (xs + 1) / (2 * ys)),
    Case("half-times", r"\frac{1}{2}x^2", "scalars", xs ** 2 / 2),
    Case("decimal", r"0.5 x + 1.25", "scalars", xs / 2 + sp.Rational(5, 4)),
    Case("cdot", r"a \cdot b + a \times c", "scalars", as_ * bs + as_ * cs),
    Case("minus-power", r"-x^2", "scalars", -xs ** 2),
    Case("power-of-bracket", r"(x + y)^2", "scalars", (xs + ys) ** 2),
    Case("power-of-power", r"x^{y^2}", "scalars", xs ** (ys ** 2)),
    Case("negative-exponent", r"x^{-1} + 2^{-x}", "scalars", 1 / xs + 2 ** (-xs)),
    Case("log-bare", r"\log x + 1", "scalars", sp.log(xs) + 1),
    Case("ln", r"\ln(x y)", "scalars", sp.log(xs * ys)),
    Case("sin-squared", r"\sin^2 x + \cos^2 x", "scalars", sp.sin(xs) ** 2 + sp.cos(xs) ** 2),
    Case("sin-cos-product", r"\sin x \cos y", "scalars", sp.sin(xs) * sp.cos(ys)),
    Case("abs", r"\left| x - y \right|", "scalars", sp.Abs(xs - ys)),
    Case("abs-lvert", r"\lvert x \rvert", "scalars", sp.Abs(xs)),
    Case("max-hinge", r"\max(0, 1 - y w x)", "scalars", sp.Max(0, 1 - ys * ws * xs)),
    Case("max-three", r"\max(x, y, z)", "scalars", sp.Max(xs, ys, zs)),
    Case("min", r"\min(x, 0)", "scalars", sp.Min(xs, 0)),
    Case("relu", r"\operatorname{relu}(x)", "scalars", sp.Max(xs, 0)),
    Case("indicator", r"\mathbf{1}[x > 0]", "scalars", sp.Piecewise((1, xs > 0), (0, True))),
    Case("indicator-times", r"x \, \mathbf{1}[x > 0]", "scalars", sp.Piecewise((xs, xs > 0), (0, True))),
    Case("indicator-geq", r"\mathbb{1}[x \geq y]", "scalars", sp.Piecewise((1, xs >= ys), (0, True))),
    Case("indicator-sub", r"\mathbf{1}_{x > 0}", "scalars", sp.Piecewise((1, xs > 0), (0, True))),
    Case("indicator-interval", r"\mathbf{1}[0 < x < 1]", "scalars",
         sp.Piecewise((1, (xs > 0) & (xs < 1)), (0, True))),
    Case("cases-otherwise", r"\begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}", "scalars",
         sp.Max(xs, 0)),
    Case("cases-if", r"\begin{cases} 1 & \text{if } x > 0 \\ 0 & \text{if } x \le 0 \end{cases}", "scalars",
         sp.Piecewise((1, xs > 0), (0, True))),
    Case("cases-three", r"\begin{cases} 1 & x > 0 \\ -1 & x < 0 \\ 0 & x = 0 \end{cases}", "scalars",
         sp.sign(xs)),
    Case("cases-comma", r"\begin{cases} x, & x > 0, \\ 0, & \text{otherwise}. \end{cases}", "scalars",
         sp.Max(xs, 0)),
    Case("frac-half-shorthand", r"\frac12 x", "scalars", xs / 2),
    Case("pi", r"\frac{1}{\sqrt{2\pi}}", "scalars", 1 / sp.sqrt(2 * sp.pi)),
    Case("sin-of-2x", r"\sin 2x", "scalars", sp.sin(2 * xs)),
    Case("cos-of-2theta", r"\cos 2\theta", "scalars", sp.cos(2 * theta)),
    Case("log-of-2x", r"\log 2x", "scalars", sp.log(2 * xs)),
    Case("arcsin", r"\sin^{-1} x", "scalars", sp.asin(xs)),
    Case("d-over-dx", r"\frac{d}{dx} x^2", "scalars", 2 * xs),
    Case("mathrm-d-over-dx", r"\frac{\mathrm{d}}{\mathrm{d} x} x^2", "scalars", 2 * xs),
    Case("max-braces", r"\max\{x, y\}", "scalars", sp.Max(xs, ys)),
    # -- operator scope -----------------------------------------------------------------------------------
    Case("partial-scope-product", r"\frac{\partial}{\partial x} x y + 1", "scalars", ys + 1),
    Case("partial-scope-minus", r"\frac{\partial}{\partial x} x^2 - y", "scalars", 2 * xs - ys),
    Case("partial-bracket", r"\frac{\partial}{\partial x} \left(x^2 + y\right) z", "scalars", 2 * xs * zs),
    Case("partial-nested", r"\frac{\partial}{\partial x} \frac{\partial}{\partial y} x^2 y^3", "scalars",
         6 * xs * ys ** 2),
    Case("partial-times-scalar", r"2 \frac{\partial}{\partial x} x^3", "scalars", 6 * xs ** 2),
    # -- functions of the problem -------------------------------------------------------------------------
    Case("f-at-its-variables", r"f(x, y)", "two", xs ** 2 * ys),
    Case("f-at-a-point", r"f(1, 2)", "two", sp.Integer(2)),
    Case("partial-f", r"\frac{\partial f}{\partial x}", "two", 2 * xs * ys),
    Case("partial-f-slash", r"\partial f / \partial x", "two", 2 * xs * ys),
    Case("df-dx", r"\frac{df}{dy}", "two", xs ** 2),
    Case("second-partial-mixed", r"\frac{\partial^2 f}{\partial x \partial y}", "two", 2 * xs),
    Case("second-partial", r"\frac{\partial^2 f}{\partial x^2}", "two", 2 * ys),
    Case("nabla-f", r"\nabla f(x, y)", "two", sp.ImmutableMatrix([2 * xs * ys, xs ** 2])),
    Case("nabla-f-at", r"\nabla f(1, 2)", "two", sp.ImmutableMatrix([4, 1])),
    # -- sums ---------------------------------------------------------------------------------------------
    Case("sum-braced", r"\sum_{i=1}^{n} x_i^2", "vectors", S(X[i] ** 2)),
    Case("sum-unbraced-limit", r"\sum_{i=1}^n x_i^2", "vectors", S(X[i] ** 2)),
    Case("sum-limits", r"\sum\limits_{i=1}^{n} x_{i} y_{i}", "vectors", S(X[i] * Y[i])),
    Case("sum-scope-plus", r"\sum_{i=1}^{n} x_i + c", "vectors", S(X[i]) + cs),
    Case("sum-bracket", r"\sum_{i=1}^{n} (x_i + c)", "vectors", S(X[i] + cs)),
    Case("sum-from-2", r"\sum_{i=2}^{n} x_i x_{i-1}", "vectors", S(X[i] * X[i - 1], i, 2, n)),
    Case("double-sum", r"\sum_{i=1}^n \sum_{j=1}^n a_{ij} x_i x_j", "vectors",
         sp.Sum(mo.vector("a")[i, j] * X[i] * X[j], (i, 1, n), (j, 1, n))),
    Case("product", r"\prod_{i=1}^n x_i", "vectors", sp.Product(X[i], (i, 1, n))),
    Case("kronecker", r"\sum_{i=1}^{n} \delta_{ik} x_i", "vectors", X[k]),
    Case("kronecker-alone", r"\delta_{ik}", "vectors", sp.KroneckerDelta(i, k)),
    Case("partial-of-sum", r"\frac{\partial}{\partial x_k} \sum_{i=1}^n x_i^2", "vectors", 2 * X[k]),
    Case("partial-of-entry", r"\frac{\partial x_i}{\partial x_k}", "vectors", sp.KroneckerDelta(i, k)),
    Case("sum-no-upper-limit", r"\sum_i x_i^2", "vectors", S(X[i] ** 2)),
    Case("partial-of-sum-no-limits", r"\frac{\partial}{\partial x_k} \sum_i x_i^2", "vectors", 2 * X[k]),
    Case("minus-sum", r"-\sum_{i=1}^{n} x_i", "vectors", -S(X[i])),
    # -- written-out sums -----------------------------------------------------------------------------------
    Case("dots-sum", r"x_1 + x_2 + \dots + x_n", "vectors", S(X[i])),
    Case("dots-sum-braced", r"x_{1} + x_{2} + \ldots + x_{n}", "vectors", S(X[i])),
    Case("dots-sum-squares", r"x_1^2 + x_2^2 + \cdots + x_n^2", "vectors", S(X[i] ** 2)),
    Case("dots-sum-three-written", r"x_1 + x_2 + x_3 + \dots + x_n", "vectors", S(X[i])),
    Case("dots-sum-one-written", r"x_1^2 + \dots + x_n^2", "vectors", S(X[i] ** 2)),
    Case("dots-sum-exp", r"e^{x_1} + e^{x_2} + \dots + e^{x_n}", "vectors", S(sp.exp(X[i]))),
    Case("dots-sum-products", r"x_1 y_1 + x_2 y_2 + \dots + x_n y_n", "vectors", S(X[i] * Y[i])),
    Case("dots-sum-shifted", r"x_1 x_2 + x_2 x_3 + \dots + x_{n-1} x_n", "vectors", S(X[i] * X[i + 1], i, 1, n - 1)),
    Case("dots-sum-from-2", r"x_2 + x_3 + \dots + x_n", "vectors", S(X[i], i, 2, n)),
    Case("dots-sum-to-n-1", r"x_1 + x_2 + \dots + x_{n-1}", "vectors", S(X[i], i, 1, n - 1)),
    Case("dots-sum-then-constant", r"x_1 + x_2 + \dots + x_n + 1", "vectors", S(X[i]) + 1),
    Case("dots-sum-times", r"2(x_1 + x_2 + \dots + x_n)", "vectors", 2 * S(X[i])),
    Case("dots-trace", r"a_{11} + a_{22} + \dots + a_{nn}", "vectors", S(mo.vector("a")[i, i])),
    # (these three read x_2^2, x_1 x_2, x_1 twice until commit 4217c07 fixed dots_sum's run of terms)
    Case("dots-sum-first-term-doubled", r"2x_1^2 + x_2^2 + \dots + x_n^2", "vectors", X[1] ** 2 + S(X[i] ** 2)),
    Case("dots-sum-after-constant", r"1 + x_1 + x_2 + \dots + x_n", "vectors", 1 + S(X[i])),
    Case("dots-sum-after-name", r"c + x_1 + \dots + x_n", "vectors", cs + S(X[i])),
    Case("dots-sum-not-twice-the-sum", r"2x_1 + x_2 + \dots + x_n", "vectors", X[1] + S(X[i])),
    Case("dots-sum-index-as-factor", r"x_1 + 2x_2 + \dots + n x_n", "vectors", S(i * X[i])),
    Case("dots-sum-negated", r"-x_1 - x_2 - \dots - x_n", "vectors", -S(X[i])),
    # -- vectors ------------------------------------------------------------------------------------------
    Case("tuple-dots", r"(x_1, x_2, \dots, x_n)", "vectors", mo.DotsVector(X[k], k, n, False)),
    Case("tuple-of-a", r"(a_1, a_2, \dots, a_n)", "norm", mo.DotsVector(mo.vector("a")[k], k, n, False)),
    Case("tuple-dots-short", r"\left(x_1 + c, \dots, x_n + c\right)", "vectors", mo.DotsVector(X[k] + cs, k, n, False)),
    Case("column-vdots", r"\begin{bmatrix} x_1 \\ x_2 \\ \vdots \\ x_n \end{bmatrix}", "vectors",
         mo.DotsVector(X[k], k, n, True)),
    Case("column-vdots-short", r"\begin{pmatrix} 2 x_1 \\ \vdots \\ 2 x_n \end{pmatrix}", "vectors",
         mo.DotsVector(2 * X[k], k, n, True)),
    Case("unit-vector", r"e_i", "vectors", mo.DotsVector(sp.KroneckerDelta(i, k), k, n, True)),
    Case("unit-vector-braced", r"2 e_{k}", "vectors", mo.DotsVector(2 * sp.KroneckerDelta(k, l), l, n, True)),
    # -- softmax, log-sum-exp, gradients of a function of a vector ------------------------------------------
    Case("softmax-by-hand", r"\frac{e^{x_k}}{\sum_{j=1}^n e^{x_j}}", "logsumexp",
         sp.exp(X[k]) / S(sp.exp(X[j]), j)),
    Case("softmax-entry", r"\operatorname{softmax}(x)_k", "logsumexp", sp.exp(X[k]) / S(sp.exp(X[j]), j)),
    Case("softmax-vector", r"\operatorname{softmax}(x)", "logsumexp",
         mo.DotsVector(sp.exp(X[k]) / S(sp.exp(X[j]), j), k, n, True)),
    Case("softmax-minus-unit", r"\operatorname{softmax}(x) - e_i", "cross_entropy",
         mo.DotsVector(sp.exp(X[k]) / S(sp.exp(X[j]), j) - sp.KroneckerDelta(i, k), k, n, True)),
    Case("softmax-entry-minus-delta", r"\operatorname{softmax}(x)_k - \delta_{ik}", "cross_entropy",
         sp.exp(X[k]) / S(sp.exp(X[j]), j) - sp.KroneckerDelta(i, k)),
    Case("logsumexp-brackets", r"\log\left(\sum_{j=1}^{n} \exp(x_j)\right)", "logsumexp",
         sp.log(S(sp.exp(X[j]), j))),
    Case("logsumexp-named", r"\operatorname{logsumexp}(x)", "logsumexp", sp.log(S(sp.exp(X[j]), j))),
    Case("logsumexp-bare", r"\log \sum_{j=1}^n \exp(x_j)", "logsumexp", sp.log(S(sp.exp(X[j]), j))),
    Case("logsumexp-bare-no-limits", r"\log \sum_j \exp(x_j)", "logsumexp", sp.log(S(sp.exp(X[j]), j))),
    Case("partial-f-xk", r"\frac{\partial f}{\partial x_k}", "logsumexp", sp.exp(X[k]) / S(sp.exp(X[j]), j)),
    Case("partial-f-xk-braced", r"\dfrac{\partial f}{\partial x_{k}}", "logsumexp",
         sp.exp(X[k]) / S(sp.exp(X[j]), j)),
    Case("partial-of-log-sum", r"\frac{\partial}{\partial x_k} \log\left(\sum_{i=1}^n \exp(x_i)\right)", "logsumexp",
         sp.exp(X[k]) / S(sp.exp(X[j]), j)),
    Case("sum-of-partials", r"\sum_{i=1}^n \frac{\partial}{\partial x_k} \exp(x_i)", "logsumexp", sp.exp(X[k])),
    Case("nabla-f-of-x", r"\nabla f(x)", "squares", mo.DotsVector(2 * X[k], k, n, True)),
    Case("nabla-sub-x", r"\nabla_x f", "squares", mo.DotsVector(2 * X[k], k, n, True)),
    Case("gradient-column", r"\begin{bmatrix} \frac{\partial f}{\partial x_1} \\ \vdots \\ \frac{\partial f}{\partial x_n}"
                            r"\end{bmatrix}", "squares", mo.DotsVector(2 * X[k], k, n, True)),
    Case("cross-entropy", r"-\log \operatorname{softmax}(x)_i", "cross_entropy",
         -sp.log(sp.exp(X[i]) / S(sp.exp(X[j]), j))),
    # -- matrices -----------------------------------------------------------------------------------------
    Case("quadratic-form", r"x^T A x", "matrices", MX.T * MA * MX),
    Case("quadratic-form-top", r"x^\top A x", "matrices", MX.T * MA * MX),
    Case("quadratic-form-half", r"\frac{1}{2} x^{T} A x", "matrices", MX.T * MA * MX / 2),
    Case("quadratic-form-gradient", r"(A + A^T) x", "matrices", (MA + MA.T) * MX),
    Case("outer-product", r"x x^T", "matrices", MX * MX.T),
    Case("inverse", r"x^T A^{-1} x", "matrices", MX.T * MA.I * MX),
    Case("hinge-vectors", r"\max(0, 1 - y w^T x)", "matrices", sp.Max(0, 1 - ys * (MW.T * MX)[0, 0])),
    Case("logistic-loss", r"\log(1 + \exp(-y w^T x))", "matrices", sp.log(1 + sp.exp(-ys * (MW.T * MX)[0, 0]))),
    Case("sigmoid-affine", r"\sigma(w^T x + b)", "matrices", sigm((MW.T * MX)[0, 0] + bs)),
    Case("norm-left-right", r"\left\| x - a \right\|", "norm", sp.sqrt(((MX - Ma).T * (MX - Ma))[0, 0])),
    Case("norm-lVert", r"\lVert x - a \rVert", "norm", sp.sqrt(((MX - Ma).T * (MX - Ma))[0, 0])),
    Case("norm-squared", r"\frac{1}{2}\left\| w \right\|^2", "matrices", (MW.T * MW)[0, 0] / 2),
    Case("norm-by-entries", r"\sqrt{\sum_{i=1}^n (x_i - a_i)^2}", "norm", sp.sqrt(((MX - Ma).T * (MX - Ma))[0, 0])),
    Case("trace", r"\operatorname{tr}(x x^T)", "matrices", (MX.T * MX)[0, 0]),
    Case("norm-plain-bars", r"\|x - a\|", "norm", sp.sqrt(((MX - Ma).T * (MX - Ma))[0, 0])),
    Case("square-of-inner-product", r"(w^T x)^2", "matrices", (MW.T * MX)[0, 0] ** 2),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_hand_typed(case):
    value = read(case.latex, case.context)
    meant = case.meant
    if mo.is_vector(meant) or mo.is_vector(value):
        assert mo.is_vector(value), f"read {value!r}, which is not a vector"
        value, meant = entries(value), entries(meant)
    same_value(value, meant)


# the formulas SymPy's parser reads (most of the house notation it does not: \\sigma, \\dots, \\mathbf{1},
# cases, \\partial operators, x^T, \\operatorname{...}); the others are not cross-checked
CROSS = [c for c in CASES if sympy_readings(c.latex, c.context)]


def test_the_cross_check_covers_enough():
    assert len(CROSS) >= 25, [c.id for c in CROSS]


@pytest.mark.parametrize("case", [c.param(cross=True) for c in CROSS])
def test_agrees_with_sympy_parser(case):
    """SymPy's parser reads the same value; where its parse is ambiguous, the reader's value is one of its
    readings."""
    others = sympy_readings(case.latex, case.context)
    value = read(case.latex, case.context)
    failures = []
    for other in others:
        try:
            same_value(value, other)
            return
        except AssertionError as exc:
            failures.append(str(exc))
    raise AssertionError("the reader agrees with none of SymPy's readings: " + "; ".join(failures))


# ---------------------------------------------------------------------------------------------------
# Whole displayed lines: relations, \therefore, definitions, rounded decimals.


def test_line_of_equalities():
    line = reader.read(r"f(x, y) = x^2 y = \frac{x^2}{y^{-1}}", _two())
    assert not line.therefore and line.digits is None
    (clause,) = line.clauses
    assert [rel for rel, _ in clause] == [None, "=", "="]
    for _, value in clause:
        same_value(value, xs ** 2 * ys)


def test_therefore_and_a_column():
    line = reader.read(r"\therefore \nabla f(1, 2) = \begin{bmatrix} 4 \\ 1 \end{bmatrix}", _two())
    assert line.therefore
    (clause,) = line.clauses
    assert all(v == sp.ImmutableMatrix([4, 1]) for _, v in clause)


def test_definition_and_relations():
    ctx = _scalars()
    del ctx.scalars["a"]
    (clause,) = reader.read(r"a := \frac{\partial}{\partial x} x^2", ctx).clauses
    assert isinstance(clause[0][1], reader.Fresh) and clause[0][1].name == "a"
    assert clause[1] == (":=", 2 * xs)
    (clause,) = reader.read(r"x \leq y < z", _scalars()).clauses
    assert [r for r, _ in clause] == [None, "≤", "<"]
    assert reader.read(r"x \neq y", _scalars()).clauses[0][1][0] == "≠"


def test_rounded_decimal_gives_its_digits():
    line = reader.read(r"x \approx 0.333333", _scalars())
    assert line.clauses[0][1] == ("≈", sp.Rational(333333, 10 ** 6))
    assert line.digits == 6


def test_conditions():
    assert reader.read_condition(r"2 \leq k \leq n", _vectors()) == [("≤", 2, k), ("≤", k, n)]
    assert reader.read_condition(r"k = i", _vectors()) == [("=", k, i)]


def test_given_definition_before_the_line():
    ctx = _scalars()
    ctx.nodes["q"] = (sp.Symbol("q"), xs * ys)
    line = reader.read(r"q = x y,\quad \dfrac{\partial q}{\partial x} = y", ctx)
    assert len(line.clauses) == 2
    assert all(v == xs * ys for _, v in line.clauses[0])
    assert all(v == ys for _, v in line.clauses[1])


# ---------------------------------------------------------------------------------------------------
# Garbage and ambiguous input: ReadError, never another exception, never a silent reading.

GARBAGE = [
    "", "   ", "x +", "+", "= x", "x =", r"\frac{1}{", r"\frac{1}", r"\frac", r"\sum", r"\sum_{i=1}^{n}", r"x_",
    "^2", "x^", r"\unknown{x}", r"\left( x", r"x \right)", "(x", "x)", "((x)", "{x", "x}", "&", r"\\",
    r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", r"\dots", r"x_1 + \dots", r"\dots + x_n",
    r"x_1 + \dots + \dots + x_n", r"\begin{cases} x \end{cases}", r"\begin{cases} x & \text{sometimes} \end{cases}",
    r"\mathbf{1}[x]", r"\sqrt{}", r"\frac{}{}", "x y z q", "1..2", "x^{x^{x", r"\left\| x", "\\", "$x$",
    "x # y", "x % y", "α + 1", r"\frac{\partial}{\partial} x", r"\frac{\partial f}{\partial}", r"\nabla",
    r"\nabla g", r"\delta_{i}", r"\delta_{ijk}", r"\operatorname{softmax}(y + 1)", r"\max(x)", r"\exp(x, y)",
    r"f(x, y, z)", r"\frac{\partial f}{\partial q}", r"\sum_{ii=1}^{n} x",
    r"(2x_1, x_2, \dots, x_n)", r"(x_2, x_3, \dots, x_n)", r"x_n + \dots + x_1", r"x_1 x_2 \cdots x_n",
    r"\mathbf{1}_{x >}", r"\mathbf{1}_{}", r"\sigma'(x)", "(" * 3000 + "x" + ")" * 3000,
    "x^{" * 400 + "2" + "}" * 400, "-" * 5000 + "x", r"\frac{\partial f}{\partial x}(1, 2)",
    r"\therefore", r"x :=", r"x \approx", "< >", r"x \text{ and } y",
]


@pytest.mark.parametrize("context", ["scalars", "vectors", "logsumexp", "two", "matrices"])
def test_garbage_raises_read_error(context):
    for text in GARBAGE:
        try:
            line = reader.read(text, CONTEXTS[context]())
        except reader.ReadError:
            continue
        # a lone unknown name reads as a name being defined (a label); anything else is a reading
        values = [v for clause in line.clauses for _, v in clause]
        assert all(isinstance(v, reader.Fresh) for v in values), f"{text!r} read as {line}"


@pytest.mark.parametrize("text, context", [
    pytest.param(r"x_{}", "vectors", id="empty-subscript"),
    pytest.param(r"x_{k+}", "vectors", id="cut-subscript"),
    pytest.param(r"\sum_{i=}^{n} x_i", "vectors", id="empty-lower-limit"),
    pytest.param(r"a_{1,}", "vectors", id="entry-with-empty-index"),
    pytest.param(r"x_{}", "matrices", id="empty-subscript-matrix-problem"),
])
def test_bad_subscript_raises_read_error(text, context):
    """A subscript or a sum's limit that is no index expression: ReadError (an index is parsed by a second
    call of the parser, whose errors must not escape as Lark's)."""
    with pytest.raises(reader.ReadError):
        reader.read(text, CONTEXTS[context]())


def test_matmul_of_sum_raises_read_error():
    spec = build.load_spec(ROOT / "problems/matrix-calculus.yaml")
    problem = next(p for p in spec.problems if p.label.endswith("(sum)"))
    with pytest.raises(reader.ReadError):
        reader.read(r"y \sum_{p=1}^{n} y y_{p}", problem.kind.context(problem))


def _hinge():
    """L(x) = max(0, x_1 - x_2 + 1) + max(0, x_3 - x_2 + 1), x of length 3 (losses.yaml)."""
    spec = build.load_spec(ROOT / "problems/losses.yaml")
    problem = next(p for p in spec.problems if p.label.endswith("(svm-hinge)"))
    return problem.kind.context(problem)


def _index_exception():
    from sympy.tensor.indexed import IndexException

    return IndexException


def test_derivative_of_a_tuple_raises_read_error():
    with pytest.raises(reader.ReadError):
        reader.read(r"\frac{\partial}{\partial x_{1}} (x_1, x_2)", _hinge())


@pytest.mark.parametrize("text", [
    pytest.param(r"x_{2} x", id="vector-as-a-factor"),
    pytest.param(r"\frac{\partial}{\partial x_{1}} x", id="derivative-of-a-vector-name"),
    pytest.param(r"\max(0, 1 - x)", id="vector-in-max"),
])
def test_a_vector_is_no_scalar(text):
    with pytest.raises(reader.ReadError):
        reader.read(text, _hinge())


AMBIGUOUS = [
    # the odd entries x_1 + x_3 + ... + x_{2n-1}: the written terms show a step of 2, which the reader does
    # not infer; it refuses the line rather than summing every entry from x_3 on
    pytest.param(r"x_1 + x_3 + \dots + x_{2n-1}", "vectors", id="dots-sum-odd-terms"),
    pytest.param(r"x_1 + x_2 + \dots + x_2", "vectors", id="dots-ending-before-written-terms"),
    pytest.param(r"x_1 + x_2 + x_3 + \dots + x_2", "vectors", id="dots-dropping-a-written-term"),
    pytest.param(r"x_5 + x_6 + \dots + x_3", "vectors", id="dots-reversed-range"),
    pytest.param(r"\begin{bmatrix} 1 & 2 \end{pmatrix}", "scalars", id="mismatched-environments"),
    pytest.param(r"\sum_{i=1}^{n} x_i + y_i", "vectors", id="sum-index-used-after-the-sum"),
    pytest.param(r"\frac{d x}{d y}", "d-is-a-name", id="d-is-a-variable"),
    pytest.param(r"x/2y", "scalars", id="slash-then-product"),
]


def _d_is_a_name():
    ctx = _scalars()
    ctx.scalars["d"] = mo.real("d")
    return ctx


CONTEXTS["d-is-a-name"] = _d_is_a_name


@pytest.mark.parametrize("text, context", AMBIGUOUS)
def test_ambiguous_raises_read_error(text, context):
    with pytest.raises(reader.ReadError):
        reader.read(text, CONTEXTS[context]())


# TeX's braces {...} print nothing: what the page shows is what is left without them.
INVISIBLE_BRACES = [  # (LaTeX, what the page shows, its value)
    (r"2{x + 1}", "2x + 1", 2 * xs + 1),
    (r"{x + 1}^{2}", "x + 1^2", xs + 1),
    (r"\log{x + 1}", "log x + 1", sp.log(xs) + 1),
    (r"\log{\left(x\right) + 1}", "log(x) + 1", sp.log(xs) + 1),
    (r"\exp{\left(x\right) y}", "exp(x) y", sp.exp(xs) * ys),
]


@pytest.mark.parametrize("text, shown", [pytest.param(t, v, id=t) for t, p, v in INVISIBLE_BRACES])
def test_invisible_braces_are_not_brackets(text, shown):
    try:
        value = reader.read_expr(text, _scalars())
    except reader.ReadError:
        return  # refusing it is fine too
    same_value(value, shown)


def test_braces_that_print_something_still_group():
    # a superscript, a fraction's parts, a root's radicand and a subscript are grouped by their braces
    same_value(read(r"x^{y + 1}", "scalars"), xs ** (ys + 1))
    same_value(read(r"\frac{x + 1}{y + 1}", "scalars"), (xs + 1) / (ys + 1))
    same_value(read(r"\sqrt{x + 1}", "scalars"), sp.sqrt(xs + 1))
    same_value(read(r"x_{k+1}", "vectors"), X[k + 1])


# ---------------------------------------------------------------------------------------------------
# A fuzz test: the key's own printed lines, mutated token by token, read or refused with ReadError.


@pytest.fixture(scope="module")
def printed_lines():
    from answerkey import readback, render

    lines = []
    for path in ("problems/dl-hw2.yaml", "problems/losses.yaml", "problems/matrix-calculus.yaml"):
        spec = build.load_spec(ROOT / path)
        for problem in spec.problems:
            if problem.kind.context is None:
                continue
            solution = problem.kind.solve(problem)
            block = render.solution_block(problem, solution)
            ctx = problem.kind.context(problem)
            for shown in readback.displays(block):
                text = shown.math if shown.math is not None else " = ".join(shown.cells)
                lines.append((text, ctx))
    return lines


TOKEN = re.compile(r"\\left[(\[|]|\\right[)\]|]|\\[A-Za-z]+(\{[^{}]*\})?|_\{[^{}]*\}|\^\{[^{}]*\}|[A-Za-z0-9.]+|\S")


def test_mutated_printed_lines_raise_only_read_error(printed_lines):
    rng = random.Random(2)
    for _ in range(600):
        text, ctx = rng.choice(printed_lines)
        tokens = [m.group(0) for m in TOKEN.finditer(text)]
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(tokens))
            op = rng.random()
            if op < 0.4:
                del tokens[at]
            elif op < 0.7:
                tokens.insert(at, rng.choice(tokens))
            else:
                tokens[at], tokens[-1 - at] = tokens[-1 - at], tokens[at]
            tokens = tokens or ["x"]
        mutated = " ".join(tokens)
        try:
            reader.read(mutated, ctx.copy())
        except reader.ReadError:
            pass
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{mutated!r}: {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------------------------
# Vector notation (the jacobian kind's vector form): diag(v), v^T, u v^T, u \odot v, a function or an
# indicator of a whole vector, a number beside a vector, p_i of a vector the problem names p. Read entry by
# entry: explicit at a given length, [e_rq]_{rq} at a symbolic one (compared here at n = 2, 3, 4).


def _sized_vectors(size) -> reader.Context:
    """x of length `size` (a number or n), and p = softmax(x) as the problem's name for the output."""
    ctx = reader.Context()
    ctx.vectors["x"] = (X, size)
    ctx.indices["n"] = n
    ctx.labels["p"] = mo.Softmax(X, size)
    ctx.shape = (size, size)
    return ctx


def _softmax_by_hand(N):
    exps = [sp.exp(X[r]) for r in range(1, N + 1)]
    return [e / sp.Add(*exps) for e in exps]


def _explicit(value, N):
    """A value read at a symbolic length, made explicit at n = N."""
    v = value.subs(n, N)
    v = v.doit() if isinstance(v, mo.EntryMatrix) else v
    return sp.ImmutableMatrix(v)


def _same_matrix(got, want, N, seed=3):
    rng = random.Random(seed)
    assert got.shape == want.shape
    for _ in range(3):
        at = {X[r]: sp.Float(rng.uniform(-2, 2), 30) for r in range(1, N + 1)}
        for a, b in zip(got, want):
            a = _plain(sp.sympify(a)).doit().xreplace(at)
            assert abs(sp.N(a - sp.sympify(b).xreplace(at), 30)) < 1e-20, (a, b)


@pytest.mark.parametrize("N", [2, 3, 4])
def test_softmax_jacobian_in_vector_notation_is_diag_minus_outer_product(N):
    """diag(p) - p p^T with p = softmax(x): against SymPy's own jacobian of softmax written out by hand."""
    p = _softmax_by_hand(N)
    want = sp.Matrix(p).jacobian([X[r] for r in range(1, N + 1)])
    for size in (sp.Integer(N), n):
        got = reader.read_expr(r"\operatorname{diag}\left(p\right) - p p^{T}", _sized_vectors(size))
        if size == n:
            assert isinstance(got, mo.EntryMatrix)  # symbolic: entry by entry, made explicit by the check
        _same_matrix(_explicit(got, N), want, N)


@pytest.mark.parametrize("N", [2, 3])
def test_outer_and_inner_products_of_a_vector_and_its_transpose(N):
    p = _softmax_by_hand(N)
    outer = reader.read_expr("p p^{T}", _sized_vectors(sp.Integer(N)))
    _same_matrix(outer, sp.ImmutableMatrix(N, N, lambda r, c: p[r] * p[c]), N)
    at = {X[r]: sp.Rational(r, 3) for r in range(1, N + 1)}
    for size in (sp.Integer(N), n):
        inner = reader.read_expr(r"p^{\top} p", _sized_vectors(size))  # a number: a sum over the entries
        value = _plain(sp.sympify(inner).subs(n, N)).doit().xreplace(at)
        assert abs(sp.N(value - sum(q ** 2 for q in p).xreplace(at), 30)) < 1e-20
    with pytest.raises(reader.Ambiguous):  # x is the problem's vector: x^T x names no entries (unchanged)
        reader.read_expr("x^{T} x", _sized_vectors(sp.Integer(N)))


@pytest.mark.parametrize("N", [2, 3, 4])
def test_functions_of_a_whole_vector_are_read_entry_by_entry(N):
    sigma = [1 / (1 + sp.exp(-X[r])) for r in range(1, N + 1)]
    cases = {
        r"\operatorname{diag}\left(\sigma\left(x\right) \odot \left(1 - \sigma\left(x\right)\right)\right)":
            sp.diag(*[s * (1 - s) for s in sigma]),
        r"\operatorname{diag}\left(1 - \tanh^{2}\left(x\right)\right)": sp.diag(*[1 - sp.tanh(X[r]) ** 2
                                                                                for r in range(1, N + 1)]),
        r"\operatorname{diag}\left(\mathbf{1}\left[x > 0\right]\right)":
            sp.diag(*[sp.Piecewise((1, X[r] > 0), (0, True)) for r in range(1, N + 1)]),
        r"2 \operatorname{diag}\left(x\right)": sp.diag(*[2 * X[r] for r in range(1, N + 1)]),
    }
    for text, want in cases.items():
        for size in (sp.Integer(N), n):
            got = reader.read_expr(text, _sized_vectors(size))
            _same_matrix(_explicit(got, N), sp.ImmutableMatrix(want), N)


def test_an_entry_of_a_named_vector_and_its_derivative():
    ctx = _sized_vectors(n)
    assert reader.read_expr("p_{i}", ctx) == mo.SoftmaxEntry(X, i, n)
    got = reader.read_expr(r"\dfrac{\partial p_{i}}{\partial x_{k}}", ctx)
    want = reader.read_expr(r"p_{i} \left(\delta_{ik} - p_{k}\right)", ctx)
    for N in (2, 3):
        for a in range(1, N + 1):
            for b in range(1, N + 1):
                at = {X[r]: sp.Float(r / 3 - 0.4, 30) for r in range(1, N + 1)}
                g = _plain(got.subs({n: N, i: a, k: b})).doit().xreplace(at)
                w = _plain(want.subs({n: N, i: a, k: b})).doit().xreplace(at)
                assert abs(sp.N(g - w, 30)) < 1e-20


@pytest.mark.parametrize("text", [
    r"\operatorname{diag}\left(p\right) + x",        # a matrix plus a vector
    r"x \odot \operatorname{diag}\left(p\right)",    # shapes differ
    r"\operatorname{diag}\left(2\right)",             # diag of a number
    r"\operatorname{diag}\left(p\right) + 1",          # a matrix plus a number
    r"x^{T} \operatorname{diag}\left(p\right) x x",  # a vector's name in a product
])
def test_vector_notation_that_means_nothing_is_not_read(text):
    with pytest.raises(reader.ReadError):
        reader.read_expr(text, _sized_vectors(sp.Integer(3)))


def test_a_step_label_on_a_subscripted_or_hatted_name_is_one_name():
    """An optimizer's table names a step's value of a quantity per coordinate, m_{x}^{(1)}, and the bias-
    corrected moments \\hat{m}, \\hat{v}: each is one fresh name (\\hat{m} is not m), defined by its line and
    meaning that value in the lines after it; a label on anything else is still refused."""
    ctx = reader.Context()
    names = {}
    for text in (r"m_{x}^{(1)} = 0.2", r"m_x^{(1)} = 0.2", r"\hat{m}_{y}^{(2)} = 1", r"\hat{v}^{(3)} = 1",
                 r"\theta_{1}^{(1)} = 2", r"\hat{m} = 3"):
        (clause,) = reader.read(text, ctx).clauses
        assert isinstance(clause[0][1], reader.Fresh), text
        names[text] = clause[0][1].name
    assert names[r"m_{x}^{(1)} = 0.2"] == names[r"m_x^{(1)} = 0.2"] == "m_x^(1)"
    assert names[r"\hat{m} = 3"] != "m" and names[r"\hat{m}_{y}^{(2)} = 1"] != "m_y^(2)"
    assert names[r"\hat{v}^{(3)} = 1"] != "v^(3)" and names[r"\theta_{1}^{(1)} = 2"] == "theta_1^(1)"
    ctx.labels["m_x^(1)"] = sp.Rational(1, 5)
    ctx.labels["hat(v)^(3)"] = sp.Integer(4)
    (clause,) = reader.read(r"m_{y}^{(2)} = 0.9 \cdot m_{x}^{(1)} + \sqrt{\hat{v}^{(3)}}", ctx).clauses
    assert clause[1][1] == sp.Rational(9, 50) + 2
    for bad in (r"(a + b)^{(1)} = 2", r"m_{x_1}^{(1)} = 2"):
        with pytest.raises(reader.ReadError):
            reader.read(bad, reader.Context())


def test_reader_expectation_over_a_bernoulli_mask():
    """E[...] and Var[...] average over the context's random names: a dropout mask m_i ~ Bernoulli(1 - p)."""
    ctx = reader.Context()
    p = sp.Symbol("p", positive=True)
    ctx.scalars["p"] = p
    m = sp.IndexedBase("m", real=True)
    h = sp.IndexedBase("h", real=True)
    ctx.vectors.update({"m": (m, 3), "h": (h, 3)})
    ctx.random[m] = ((1, 1 - p), (0, p))
    i = sp.Symbol("i", integer=True, positive=True)
    e = reader.read_expr(r"\operatorname{E}\left[\frac{m_{i} h_{i}}{1 - p}\right]", ctx)
    assert sp.simplify(e - h[i]) == 0
    v = reader.read_expr(r"\operatorname{Var}\left[\frac{m_{i} h_{i}}{1 - p}\right]", ctx)
    assert sp.simplify(v - p / (1 - p) * h[i] ** 2) == 0
    two = reader.read_expr(r"\operatorname{E}[m_{1} m_{2}]", ctx)  # independent entries
    assert sp.simplify(two - (1 - p) ** 2) == 0
    with pytest.raises(reader.ReadError):
        reader.read_expr(r"\operatorname{E}[h_{1}]", ctx)  # nothing random in it
    with pytest.raises(reader.ReadError):
        reader.read_expr(r"\operatorname{E}[h_{1}]", reader.Context(vectors={"h": (h, 3)}))  # no random names


def test_a_word_subscript_is_one_name_as_the_printer_writes_it():
    """d_model prints d_{\\mathit{model}} (the printer's words in subscripts); a textbook writes
    d_{\\mathrm{model}}: both read as the name d_model, also in conditions; beside a vector x the word is
    no index, and a name the problem lacks stays unknown."""
    from answerkey.printer import tex

    ctx = reader.Context()
    d_model, d_ff = sp.Symbol("d_model", positive=True), sp.Symbol("d_ff", positive=True)
    ctx.scalars.update(d_model=d_model, d_ff=d_ff)
    expr = 4 * d_model ** 2 + 2 * d_model * d_ff + d_ff
    assert tex(expr).count(r"_{\mathit{") == 4
    assert sp.expand(reader.read_expr(tex(expr), ctx) - expr) == 0
    assert reader.read_expr(r"\frac{d_{\mathrm{model}}}{8}", ctx) == d_model / 8
    assert reader.read_condition(r"d_{\mathrm{ff}} > d_{\mathit{model}}", ctx) == [(">", d_ff, d_model)]
    assert isinstance(reader.read_expr(r"d_{\mathit{k}}", reader.Context()), reader.Fresh)
    with pytest.raises(reader.ReadError):
        reader.read_expr(r"d_{\mathit{model}} + d_{\mathit{x}}", ctx)


def _normalisation_graph(values: bool):
    """A layer-norm graph of one example with three features, as a textbook draws it: mu, the variance
    sigma^2 (one name, sigma_1^2), xhat_j, and L = sum g_j xhat_j (g given); the inputs x_{1j}, epsilon."""
    x, eps = sp.IndexedBase("x"), sp.Symbol("epsilon")
    g = [2, -1, sp.Rational(1, 2)]
    ctx = reader.Context()
    ctx.entries["x"] = (x, 2)
    ctx.scalars["epsilon"] = eps
    mu, var = sp.Symbol("mu1"), sp.Symbol("sigma1^2")
    ctx.nodes["mu1"] = (mu, sum(x[1, j] for j in (1, 2, 3)) / 3)
    ctx.nodes["sigma1^2"] = (var, sum((x[1, j] - mu) ** 2 for j in (1, 2, 3)) / 3)
    hats = []
    for j in (1, 2, 3):
        h = sp.Symbol(f"hat(x)1{j}")
        ctx.nodes[f"hat(x)1{j}"] = (h, (x[1, j] - mu) / sp.sqrt(var + eps))
        hats.append(h)
    ctx.nodes["L"] = (sp.Symbol("L"), sum(gj * h for gj, h in zip(g, hats)))
    ctx.shape = (sp.Integer(1), sp.Integer(3))
    point = {x[1, 1]: sp.Integer(1), x[1, 2]: sp.Integer(4), x[1, 3]: sp.Integer(-2), eps: sp.Rational(1, 10)}
    if values:
        ctx.values = dict(point)
    return ctx, x, eps, g, point


def test_a_graph_node_named_as_a_power_and_its_derivative():
    """sigma_1^2 is the variance node's one name (not the square of an unknown sigma_1), and
    d L / d sigma_1^2 is the derivative along the variance path only (the x-hats' sqrt(sigma^2 + eps)),
    checked against SymPy's derivative of L written with a symbol for the variance."""
    ctx, x, eps, g, point = _normalisation_graph(values=False)
    (clause,) = reader.read(r"\sigma_{1}^{2} = 3", ctx).clauses
    mean = (x[1, 1] + x[1, 2] + x[1, 3]) / 3
    assert sp.simplify(clause[0][1] - sum((x[1, j] - mean) ** 2 for j in (1, 2, 3)) / 3) == 0
    v = sp.Symbol("v")
    by_hand = sp.diff(sum(gj * (x[1, j] - mean) / sp.sqrt(v + eps) for gj, j in zip(g, (1, 2, 3))), v)
    variance = sum((x[1, j] - mean) ** 2 for j in (1, 2, 3)) / 3
    (clause,) = reader.read(r"\frac{\partial L}{\partial \sigma_{1}^{2}} = 0", ctx).clauses
    got = clause[0][1].xreplace(point)
    want = by_hand.xreplace({v: variance}).xreplace(point)
    assert sp.N(got - want, 30) == 0 and sp.N(want) != 0
    for bad in (r"\frac{\partial L}{\partial \sigma_{1}^{3}} = 0", r"\frac{\partial L}{\partial \mu_{1}^{2}} = 0",
                r"\tau_{1}^{2} = 1"):
        with pytest.raises(reader.ReadError):
            reader.read(bad, ctx)
    with pytest.raises(reader.ReadError):  # without the graph, sigma_1^2 is still an unknown name
        reader.read(r"\sigma_{1}^{2} = 1", reader.Context())


def test_the_derivative_by_a_matrix_written_by_its_entries():
    """d L / d x for the matrix x of entries x_ij (of the problem's shape): the matrix of d L / d x_ij, checked
    against central differences of L written out here; at the given values, a node reads as its number."""
    ctx, x, eps, g, point = _normalisation_graph(values=True)
    (clause,) = reader.read(r"\frac{\partial L}{\partial x} = 0", ctx).clauses
    got = clause[0][1]
    assert isinstance(got, sp.MatrixBase) and got.shape == (1, 3)

    def loss(v):
        mean = sum(v) / 3
        var = sum((a - mean) ** 2 for a in v) / 3
        return sum(gj * (a - mean) / (var + 0.1) ** 0.5 for gj, a in zip(g, v))

    for j in range(3):
        up, down = [1.0, 4.0, -2.0], [1.0, 4.0, -2.0]
        up[j] += 1e-6
        down[j] -= 1e-6
        assert float(sp.N(got[0, j])) == pytest.approx((loss(up) - loss(down)) / 2e-6, rel=1e-6)
    (clause,) = reader.read(r"\mu_{1} = 1", ctx).clauses
    assert clause[0][1] == 1  # (1 + 4 - 2) / 3, at the values
