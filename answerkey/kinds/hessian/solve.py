"""kind: hessian -- the matrix of second partial derivatives of a scalar function, entry by entry.

The first partials by the chain rule, line by line; each second partial the derivative of a first one
(the mixed ones agree, by Schwarz's theorem); the Hessian assembled. With `at`: the gradient and the
Hessian at the point, and what they say of it: the second-derivative test at a critical point (for two
variables D = f_xx f_yy - f_xy^2; for more, the leading principal minors, Sylvester's criterion), or the
Hessian's definiteness where the gradient does not vanish.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...calculus import function_lines, partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...printer import tex
from .fields import setup
from .rules import (DERIVATIVE_ALONG, DERIVATIVE_OF_FIRST_PARTIAL, FIRST_PARTIALS_THERE, HESSIAN_ASSEMBLED,
                    HESSIAN_DETERMINANT, HESSIAN_THERE, LEADING_MINOR, MIXED_PARTIALS_AGREE)


class Partial2(mo.Display):
    """The second partial derivative d^2 f / (dv dw) of the named function, the derivative along w of
    the derivative along v: args (Symbol(f), v, w)."""

    def _latex(self, printer):
        name, v, w = self.args
        if v == w:
            bottom = f"\\partial {printer._print(v)}^{{2}}"
        else:
            bottom = f"\\partial {printer._print(w)} \\partial {printer._print(v)}"
        return f"\\frac{{\\partial^{{2}} {printer._print(name)}}}{{{bottom}}}"


def _minors(matrix) -> list:
    return [matrix[:k, :k].det() for k in range(1, matrix.rows + 1)]


def verdict(hessian_at, gradient_at) -> tuple[str, str]:
    """What the Hessian at a point says of it: (the sentence, the answer in short), from the sign pattern
    of its leading principal minors."""
    minors = _minors(sp.Matrix(hessian_at))
    positive = all(m > 0 for m in minors)
    negative = all((m < 0) if k % 2 == 0 else (m > 0) for k, m in enumerate(minors))
    definite = "positive definite" if positive else "negative definite" if negative else \
        "indefinite" if minors[-1] != 0 else "singular"
    if any(g != 0 for g in gradient_at):
        return (f"the gradient is not zero there, so it is not a critical point (the Hessian there is {definite})",
                "not a critical point")
    if positive:
        return "it is a critical point where the Hessian is positive definite: a local minimum", "a local minimum"
    if negative:
        return "it is a critical point where the Hessian is negative definite: a local maximum", "a local maximum"
    if minors[-1] != 0:
        return "it is a critical point where the Hessian is indefinite: a saddle point", "a saddle point"
    return ("it is a critical point where the Hessian is singular: the second derivatives do not decide",
            "undecided by the second derivatives")


def solve(problem) -> Solution:
    c = problem.fields
    f, variables, point = setup(problem)
    fname = sp.Symbol(c.name)
    n = len(variables)
    first = Part(intro="The first partial derivatives:")
    g = function_lines(first, mo.Applied(fname, *variables), f)
    grads = [partial_lines(first, fname, g, v) for v in variables]
    second = Part(intro="Each second partial derivative is the derivative of a first one:")
    entries = {}
    for i, v in enumerate(variables):
        for j, w in enumerate(variables):
            if j < i:
                continue
            truth = sp.diff(f, v, w)
            result = tidy(sp.diff(grads[i], w))
            second.add(Partial2(fname, v, w), mo.PartialOf(grads[i], w), chain=[result] if result != grads[i] else [],
                       rule=DERIVATIVE_OF_FIRST_PARTIAL if i == j else
                       DERIVATIVE_ALONG.at(f=c.name, v=tex(v), w=tex(w)),
                       value=truth)
            entries[i, j] = entries[j, i] = result
            if j != i:
                second.add(Partial2(fname, w, v), Partial2(fname, v, w), value=truth,
                           rule=MIXED_PARTIALS_AGREE)
    hessian = sp.ImmutableMatrix(n, n, lambda i, j: entries[i, j])
    truth = sp.ImmutableMatrix(sp.hessian(f, variables))
    H = sp.Symbol("H")
    shown = sp.ImmutableMatrix(n, n, lambda i, j: Partial2(fname, variables[min(i, j)], variables[max(i, j)]))
    second.add(H, shown, chain=[hessian], rule=HESSIAN_ASSEMBLED, value=truth, therefore=point is None)
    answers = {"hessian": Answer(hessian, description="the Hessian matrix")}
    parts = [first, second]
    if point:
        at = ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
        here = Part(intro="At the point " + ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables) + ":")
        grad_at = sp.ImmutableMatrix([tidy(e.subs(point)) for e in grads])
        hess_at = sp.ImmutableMatrix(hessian.subs(point).applyfunc(tidy))
        here.add(mo.Applied(sp.Symbol(f"\\nabla {c.name}"), *[point[v] for v in variables]), grad_at,
                 rule=FIRST_PARTIALS_THERE, value=sp.ImmutableMatrix([sp.diff(f, v) for v in variables]).subs(point))
        here.add(H, hess_at, note=f"at {at}", rule=HESSIAN_THERE, value=truth, assume=dict(point),
                 therefore=True)
        if n == 2:
            a, b, d = hess_at[0, 0], hess_at[1, 1], hess_at[0, 1]
            D = sp.Symbol("D")
            x, y = variables
            form = Partial2(fname, x, x) * Partial2(fname, y, y) - Partial2(fname, x, y) * Partial2(fname, y, x)
            numbers = mo.Shown(sp.Add(mo.Times(a, b), sp.Mul(-1, mo.Times(d, d), evaluate=False), evaluate=False))
            here.add(D, form, chain=[numbers, a * b - d ** 2], note=f"at {at}", value=truth.det(),
                     assume=dict(point), rule=HESSIAN_DETERMINANT)
        else:
            for k in range(1, n + 1):
                sub = sp.ImmutableMatrix(hess_at[:k, :k])
                here.add(sp.Determinant(sub), sub.det(), rule=LEADING_MINOR.at(k=k),
                         value=sp.Determinant(sub))
        words, short = verdict(hess_at, grad_at)
        parts.append(here)
        parts.append(Part(intro="Hence " + words + "."))
        answers["gradient_at"] = Answer(grad_at, description="the gradient at the point")
        answers["hessian_at"] = Answer(hess_at, description="the Hessian at the point")
        answers["point"] = Answer(mo.text(short), description="what the second derivatives say of the point")
    return Solution(parts, answers)


def describe(problem) -> str:
    c = problem.fields
    f, variables, point = setup(problem)
    args = ", ".join(tex(v) for v in variables)
    text = f"Compute the Hessian matrix of ${c.name}({args}) = {tex(f)}$"
    if point:
        text += (" and evaluate it at " + ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
                 + "; what does it say about that point?")
    return text + ("." if not point else "")
