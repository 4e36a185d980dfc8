"""kind: hessian -- the matrix of second partial derivatives of a scalar function, entry by entry.

The first partials by the chain rule, line by line; each second partial the derivative of a first one
(the mixed ones agree, by Schwarz's theorem); the Hessian assembled. With `at`: the gradient and the
Hessian at the point, and what they say of it: the second-derivative test at a critical point (for two
variables D = f_xx f_yy - f_xy^2; for more, the leading principal minors, Sylvester's criterion), or the
Hessian's definiteness where the gradient does not vanish.
"""
from __future__ import annotations

import itertools

import sympy as sp

from ... import mathobj as mo
from ...calculus import function_lines, partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...printer import tex
from ..common import undefined_at
from .fields import setup
from .rules import (DERIVATIVE_ALONG, DERIVATIVE_OF_FIRST_PARTIAL, FIRST_PARTIALS_THERE, HESSIAN_ASSEMBLED,
                    HESSIAN_DETERMINANT, HESSIAN_THERE, LEADING_MINOR, MIXED_PARTIALS_AGREE)


class Partial2(mo.Display):
    """The second partial derivative d^2 f / (dv dw) of the named function, the derivative along w of
    the derivative along v: args (Symbol(f), v, w, the function's expression), printed by name; its value
    is the derivative (so a line that shows it is checked like any other, also where it is not read back)."""

    def value(self):
        _, v, w, body = self.args
        return sp.diff(body, v, w)

    def _latex(self, printer):
        name, v, w, _ = self.args
        if v == w:
            bottom = f"\\partial {printer._print(v)}^{{2}}"
        else:
            bottom = f"\\partial {printer._print(w)} \\partial {printer._print(v)}"
        return f"\\frac{{\\partial^{{2}} {printer._print(name)}}}{{{bottom}}}"


def definiteness(matrix) -> str | None:
    """positive definite, negative definite, positive or negative semidefinite, indefinite (None where
    the entries are not numbers and their assumptions do not decide): by the leading principal minors for definiteness (Sylvester), by all
    principal minors for semidefiniteness."""
    matrix = sp.Matrix(matrix)
    n = matrix.rows
    if matrix.free_symbols:  # constants: decided only where their assumptions decide (2m > 0 for a length m)
        leading = [sp.factor(matrix[:k, :k].det()) for k in range(1, n + 1)]
        if all(m.is_positive for m in leading):
            return "positive definite"
        if all(m.is_negative if k % 2 == 0 else m.is_positive for k, m in enumerate(leading)):
            return "negative definite"
        return None
    leading = [matrix[:k, :k].det() for k in range(1, n + 1)]
    if all(m > 0 for m in leading):
        return "positive definite"
    if all((m < 0) if k % 2 == 0 else (m > 0) for k, m in enumerate(leading)):
        return "negative definite"
    minors: dict = {}
    for size in range(1, n + 1):
        for rows in itertools.combinations(range(n), size):
            minors.setdefault(size, []).append(matrix.extract(list(rows), list(rows)).det())
    if all(m >= 0 for size in range(1, n + 1) for m in minors[size]):
        return "positive semidefinite"
    if all((m <= 0) if size % 2 else (m >= 0) for size in range(1, n + 1) for m in minors[size]):
        return "negative semidefinite"
    return "indefinite"


def verdict(hessian_at, gradient_at) -> tuple[str, str] | None:
    """What the Hessian at a point says of it: (the sentence, the answer in short); None where the point's
    numbers hold constants (the answer depends on them)."""
    definite = definiteness(hessian_at)
    if definite is None or any(g.free_symbols for g in gradient_at):
        return None
    if any(g != 0 for g in gradient_at):
        return (f"the gradient is not zero there, so it is not a critical point (the Hessian there is {definite})",
                "not a critical point")
    if definite == "positive definite":
        return "it is a critical point where the Hessian is positive definite: a local minimum", "a local minimum"
    if definite == "negative definite":
        return "it is a critical point where the Hessian is negative definite: a local maximum", "a local maximum"
    if definite == "indefinite":
        return "it is a critical point where the Hessian is indefinite: a saddle point", "a saddle point"
    return (f"it is a critical point where the Hessian is only {definite}: the second derivatives do not decide",
            "undecided by the second derivatives")


def second_partials(fname, f, variables, grads, therefore: bool = True):
    """The second partials, each the derivative of a first one (grads, in the order of variables), and the
    Hessian assembled: (the part, the Hessian as derived). Shared with the kinds that classify points."""
    n = len(variables)
    name = str(fname)
    second = Part(intro="Each second partial derivative is the derivative of a first one:")
    entries = {}
    for i, v in enumerate(variables):
        for j, w in enumerate(variables):
            if j < i:
                continue
            truth = sp.diff(f, v, w)
            result = tidy(sp.diff(grads[i], w))
            second.add(Partial2(fname, v, w, f), mo.PartialOf(grads[i], w), chain=[result] if result != grads[i] else [],
                       rule=DERIVATIVE_OF_FIRST_PARTIAL if i == j else
                       DERIVATIVE_ALONG.at(f=name, v=tex(v), w=tex(w)),
                       value=truth)
            entries[i, j] = entries[j, i] = result
            if j != i:
                second.add(Partial2(fname, w, v, f), Partial2(fname, v, w, f), value=truth,
                           rule=MIXED_PARTIALS_AGREE)
    hessian = sp.ImmutableMatrix(n, n, lambda i, j: entries[i, j])
    truth = sp.ImmutableMatrix(sp.hessian(f, variables))
    shown = sp.ImmutableMatrix(n, n, lambda i, j: Partial2(fname, variables[min(i, j)], variables[max(i, j)], f))
    second.add(sp.Symbol("H"), shown, chain=[hessian], rule=HESSIAN_ASSEMBLED, value=truth, therefore=therefore)
    return second, hessian


def test_at(problem, fname, f, variables, point, grads, hessian, field: str = "at", intro: str | None = None,
            substituted=None, rule=FIRST_PARTIALS_THERE, minors: bool = True):
    """The gradient and the Hessian at the point, and what they say of it (D for two variables, the
    leading principal minors for more, unless not `minors`): (the part, the gradient there, the Hessian
    there, the verdict of `verdict` or None). `substituted`: the first partials with the point put in,
    shown before their values. Shared with the kinds that classify points."""
    n = len(variables)
    H = sp.Symbol("H")
    truth = sp.ImmutableMatrix(sp.hessian(f, variables))
    at = ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
    here = Part(intro=intro if intro is not None else f"At the point {at}:")
    grad_at = sp.ImmutableMatrix([tidy(e.subs(point)) for e in grads])
    hess_at = sp.ImmutableMatrix(hessian.subs(point).applyfunc(tidy))
    undefined_at(problem, [*grad_at, *hess_at], point, field)  # sqrt(x) at 0: no second derivative there
    shown = [substituted, grad_at] if substituted is not None and substituted != grad_at else [grad_at]
    here.add(mo.Applied(sp.Symbol(f"\\nabla {fname}"), *[point[v] for v in variables]), shown[0], chain=shown[1:],
             rule=rule, value=sp.ImmutableMatrix([sp.diff(f, v) for v in variables]).subs(point))
    here.add(H, hess_at, note=f"at {at}", rule=HESSIAN_THERE, value=truth, assume=dict(point),
             therefore=True)
    if n == 2 and minors:
        a, b, d = hess_at[0, 0], hess_at[1, 1], hess_at[0, 1]
        D = sp.Symbol("D")
        x, y = variables
        form = Partial2(fname, x, x, f) * Partial2(fname, y, y, f) - Partial2(fname, x, y, f) * Partial2(fname, y, x, f)
        numbers = mo.Shown(sp.Add(mo.Times(a, b), sp.Mul(-1, sp.Pow(d, 2, evaluate=False), evaluate=False),
                                  evaluate=False))
        here.add(D, form, chain=[numbers, a * b - d ** 2], note=f"at {at}", value=truth.det(),
                 assume=dict(point), rule=HESSIAN_DETERMINANT)
    elif minors:
        for k in range(1, n + 1):
            sub = sp.ImmutableMatrix(hess_at[:k, :k])
            here.add(sp.Determinant(sub), sub.det(), rule=LEADING_MINOR.at(k=k),
                     value=sp.Determinant(sub))
    return here, grad_at, hess_at, verdict(hess_at, grad_at)


def solve(problem) -> Solution:
    c = problem.fields
    if c.shapes:
        from .fields import setup_matrix
        from .matrix import solve_matrix

        return solve_matrix(problem, *setup_matrix(problem))
    f, variables, point = setup(problem)
    fname = sp.Symbol(c.name)
    first = Part(intro="The first partial derivatives:")
    g = function_lines(first, mo.Applied(fname, *variables), f)
    grads = [partial_lines(first, fname, g, v) for v in variables]
    second, hessian = second_partials(fname, f, variables, grads, therefore=point is None)
    answers = {"hessian": Answer(hessian, description="the Hessian matrix")}
    parts = [first, second]
    if point:
        here, grad_at, hess_at, said = test_at(problem, fname, f, variables, point, grads, hessian)
        parts.append(here)
        if said is not None:
            words, short = said
            parts.append(Part(intro="Hence " + words + "."))
            answers["point"] = Answer(mo.text(short), description="what the second derivatives say of the point")
        answers["gradient_at"] = Answer(grad_at, description="the gradient at the point")
        answers["hessian_at"] = Answer(hess_at, description="the Hessian at the point")
    return Solution(parts, answers)


def describe(problem) -> str:
    c = problem.fields
    if c.shapes:
        from .fields import setup_matrix

        f, w = setup_matrix(problem)
        return f"Compute the Hessian of ${c.name}({tex(w)}) = {tex(f)}$ with respect to ${tex(w)}$."
    f, variables, point = setup(problem)
    args = ", ".join(tex(v) for v in variables)
    text = f"Compute the Hessian matrix of ${c.name}({args}) = {tex(f)}$"
    if point:
        text += (" and evaluate it at " + ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
                 + "; what does it say about that point?")
    return text + ("." if not point else "")
