"""kind: normalization -- its fields, and the spec read into exact numbers (shared by its solver and its
confirmation).

`x` is a matrix: rows are examples, columns are features. `type: batch` normalises each feature over the
batch (PyTorch's BatchNorm1d in training mode), `type: layer` each example over its features (LayerNorm);
in both, gamma and beta have one entry per feature (default ones and zeros) and the variance is the biased
one (1/m, m the size of the group a statistic is taken over). eps defaults to PyTorch's 1e-5. `upstream`
is dL/dy, of x's shape; given, the backward pass is asked too (dgamma, dbeta, dx)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp
from pydantic import Field

from ..common import Fields, Number, _exact

MAX_SIZE = 12  # rows and columns: a key's page shows the whole matrices
MAX_ENTRIES = 24  # and every entry of dL/dx is read back from the page as a derivative of the graph (8 x 5: 30 s)


class NormalizationFields(Fields):
    type: Literal["batch", "layer"] = "batch"
    x: list[list[Number]] = Field(min_length=1)
    gamma: list[Number] | None = None
    beta: list[Number] | None = None
    eps: Number = 1e-5
    upstream: list[list[Number]] | None = None
    ask: list[Literal["forward", "backward"]] | None = Field(default=None, min_length=1)


@dataclass
class Setup:
    type: str  # "batch" or "layer"
    x: list  # rows (examples) of exact numbers
    gamma: list  # one per feature
    beta: list
    eps: object  # exact
    upstream: list | None  # rows, when the backward pass is asked
    n: int  # examples
    d: int  # features

    @property
    def groups(self) -> int:
        """The number of statistics: one per feature (batch) or per example (layer)."""
        return self.d if self.type == "batch" else self.n

    @property
    def m(self) -> int:
        """The size of the group each statistic is taken over."""
        return self.n if self.type == "batch" else self.d

    def members(self, k: int) -> list:
        """The (row, column) cells of statistic k's group, from 0."""
        return [(i, k) for i in range(self.n)] if self.type == "batch" else [(k, j) for j in range(self.d)]

    def group(self, i: int, j: int) -> int:
        return j if self.type == "batch" else i


def _matrix(problem, value, name: str, shape=None) -> list:
    width = len(value[0]) if value else 0
    if width == 0:
        raise problem.error((name, 0), "an empty row", "every row has at least one entry")
    for i, row in enumerate(value):
        if len(row) != width:
            raise problem.error((name, i), f"a ragged matrix: row {i + 1} has {len(row)} entries, the first {width}",
                                "every row has as many entries (one per feature)")
    if len(value) > MAX_SIZE or width > MAX_SIZE:
        raise problem.error(name, f"at most {MAX_SIZE} rows and {MAX_SIZE} columns")
    if len(value) * width > MAX_ENTRIES:
        raise problem.error(name, f"{name} is {len(value)} x {width}: at most {MAX_ENTRIES} entries",
                            "a homework-sized batch, e.g. 4 x 3 or 6 x 4")
    if shape is not None and (len(value), width) != shape:
        raise problem.error(name, f"{name} is {len(value)} x {width}; x is {shape[0]} x {shape[1]}",
                            f"{name} has x's shape: one entry per example and feature")
    return [[_exact(v) for v in row] for row in value]


def _vector(problem, value, name: str, d: int, default) -> list:
    if value is None:
        return [sp.Integer(default)] * d
    if len(value) != d:
        raise problem.error(name, f"{name} has {len(value)} entr{'y' if len(value) == 1 else 'ies'}; x has {d} "
                                  f"feature{'s' if d != 1 else ''}", f"one {name} per feature (column of x)")
    return [_exact(v) for v in value]


def setup(problem) -> Setup:
    c = problem.fields
    x = _matrix(problem, c.x, "x")
    n, d = len(x), len(x[0])
    gamma = _vector(problem, c.gamma, "gamma", d, 1)
    beta = _vector(problem, c.beta, "beta", d, 0)
    eps = _exact(c.eps)
    if eps < 0:
        raise problem.error("eps", f"eps cannot be negative, got {c.eps}")
    if c.type == "batch" and n == 1:  # torch: "Expected more than 1 value per channel when training"
        raise problem.error("x", "batch normalisation of a batch of one example: every feature's mean is the "
                            "example itself, so x-hat is 0 (PyTorch's BatchNorm1d refuses it in training mode)",
                            "give x two or more rows (examples), or use type: layer")
    ask = c.ask if c.ask is not None else (["forward", "backward"] if c.upstream is not None else ["forward"])
    if "backward" in ask and c.upstream is None:
        raise problem.error("ask", "the backward pass needs the upstream gradient dL/dy",
                            "give upstream: a matrix of x's shape")
    if c.upstream is not None and "backward" not in ask:
        raise problem.error("upstream", "an upstream gradient, but the backward pass is not asked",
                            "add backward to ask, or leave upstream out")
    upstream = _matrix(problem, c.upstream, "upstream", (n, d)) if c.upstream is not None else None
    s = Setup(c.type, x, gamma, beta, eps, upstream, n, d)
    if eps == 0:
        for k in range(s.groups):
            values = [x[i][j] for i, j in s.members(k)]
            if all(v == values[0] for v in values):
                what = f"feature {k + 1} (column {k + 1})" if s.type == "batch" else f"example {k + 1} (row {k + 1})"
                raise problem.error("eps", f"the variance of {what} is 0 and eps is 0: x-hat divides by zero",
                                    "give eps a positive value (PyTorch's default is 1e-5)")
    return s


def sub(s: Setup, i: int, j: int) -> str:
    """The subscript of entry (i, j), from 0: 11, or 1,10 when an index has two digits."""
    return f"{i + 1}{j + 1}" if max(s.n, s.d) <= 9 else f"{i + 1},{j + 1}"


X, GAMMA, BETA = sp.IndexedBase("x"), sp.IndexedBase("gamma"), sp.IndexedBase("beta")
EPS, M = sp.Symbol("epsilon"), sp.Symbol("m")


def graph(s: Setup) -> dict:
    """The computational graph the page names: {node name: (its symbol, its expression of the inputs and of
    earlier nodes)}: mu_k, sigma_k^2 (one name), x-hat_ij, y_ij, and L = sum of upstream times y when the
    backward pass is asked. The names are the reader's: mu1, sigma1^2, hat(x)11, y11."""
    nodes = {}

    def node(name, expr):
        sym = sp.Symbol(name)
        nodes[name] = (sym, expr)
        return sym

    mus, variances = [], []
    for k in range(s.groups):
        cells = s.members(k)
        mu = node(f"mu{k + 1}", sp.Add(*[X[i + 1, j + 1] for i, j in cells]) / M)
        var = node(f"sigma{k + 1}^2", sp.Add(*[(X[i + 1, j + 1] - mu) ** 2 for i, j in cells]) / M)
        mus.append(mu)
        variances.append(var)
    ys = {}
    for i in range(s.n):
        for j in range(s.d):
            k = s.group(i, j)
            xh = node(f"hat(x){sub(s, i, j)}", (X[i + 1, j + 1] - mus[k]) / sp.sqrt(variances[k] + EPS))
            ys[i, j] = node(f"y{sub(s, i, j)}", GAMMA[j + 1] * xh + BETA[j + 1])
    if s.upstream is not None:
        node("L", sp.Add(*[s.upstream[i][j] * ys[i, j] for i in range(s.n) for j in range(s.d)]))
    return nodes


def values(s: Setup) -> dict:
    """The inputs' values: x_ij, gamma_j, beta_j, epsilon and m."""
    out = {X[i + 1, j + 1]: s.x[i][j] for i in range(s.n) for j in range(s.d)}
    out.update({GAMMA[j + 1]: s.gamma[j] for j in range(s.d)})
    out.update({BETA[j + 1]: s.beta[j] for j in range(s.d)})
    out[EPS] = s.eps
    out[M] = sp.Integer(s.m)
    return out


def context(problem):
    """x_ij, gamma_j, beta_j, epsilon, m at their values; the graph's nodes (mu_k, sigma_k^2, x-hat_ij, y_ij,
    L) as expressions of them, so that d L / d (a node) on the page is the graph's derivative."""
    from ...reader import Context

    s = setup(problem)
    ctx = Context()
    ctx.entries["x"] = (X, 2)
    ctx.entries["gamma"] = (GAMMA, 1)
    ctx.entries["beta"] = (BETA, 1)
    ctx.scalars["epsilon"] = EPS
    ctx.scalars["m"] = M
    ctx.nodes = graph(s)
    ctx.shape = (sp.Integer(s.n), sp.Integer(s.d))
    ctx.values = values(s)
    return ctx
