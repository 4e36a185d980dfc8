"""kind: jacobian -- the Jacobian matrix of a vector function, entry by entry, then assembled in the
numerator layout (row i: the i-th output, column j: the j-th variable); with `at`, the Jacobian there, and
for a square one its determinant (the factor a change of variables scales areas by).
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...printer import tex
from .fields import setup
from .rules import DIFFERENTIATE_ALONG, JACOBIAN_DETERMINANT, JACOBIAN_LAYOUT, JACOBIAN_THERE


class Slashed(mo.Display):
    """d y / d x written on one line (inside a matrix, where stacked fractions would touch): args (y, x)."""

    def _latex(self, printer):
        y, x = self.args
        return f"\\partial {printer._print(y)} / \\partial {printer._print(x)}"


def solve(problem) -> Solution:
    outputs, variables, point = setup(problem)
    names = list(outputs)
    given = Part(intro="The outputs, and each one's derivative along each variable:")
    for name, f in outputs.items():
        given.add(mo.Applied(name, *variables), f, value=f)
    entries = {}
    for i, (name, f) in enumerate(outputs.items()):
        for j, v in enumerate(variables):
            result = tidy(sp.diff(f, v))
            given.add(mo.Partial(name, v), mo.PartialOf(f, v), chain=[result] if result != f else [],
                      rule=DIFFERENTIATE_ALONG.at(y=tex(name), x=tex(v)), value=sp.diff(f, v))
            entries[i, j] = result
    rows, cols = len(names), len(variables)
    jacobian = sp.ImmutableMatrix(rows, cols, lambda i, j: entries[i, j])
    truth = sp.ImmutableMatrix(rows, cols, lambda i, j: sp.diff(outputs[names[i]], variables[j]))
    J = sp.Symbol("J")
    detJ = sp.Determinant(sp.MatrixSymbol("J", rows, cols)) if rows == cols else None
    shown = sp.ImmutableMatrix(rows, cols, lambda i, j: Slashed(names[i], variables[j]))
    assembled = Part()
    assembled.add(J, shown, chain=[jacobian], rule=JACOBIAN_LAYOUT, value=truth, therefore=point is None)
    answers = {"jacobian": Answer(jacobian, description="the Jacobian matrix (numerator layout)")}
    if rows == cols:
        det = tidy(jacobian.det())
        assembled.add(detJ, det, rule=JACOBIAN_DETERMINANT, value=truth.det())
        answers["det"] = Answer(det, description="the Jacobian determinant")
    parts = [given, assembled]
    if point:
        at = ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
        here = Part(intro=f"At the point {at}:")
        at_point = sp.ImmutableMatrix(jacobian.subs(point).applyfunc(tidy))
        here.add(J, at_point, note=f"at {at}", rule=JACOBIAN_THERE, value=truth, assume=dict(point), therefore=True)
        answers["jacobian_at"] = Answer(at_point, description="the Jacobian at the point")
        if rows == cols:
            det_at = tidy(at_point.det())
            here.add(detJ, det_at, note=f"at {at}", rule=JACOBIAN_DETERMINANT, value=truth.det(),
                     assume=dict(point))
            answers["det_at"] = Answer(det_at, description="the Jacobian determinant at the point")
        parts.append(here)
    return Solution(parts, answers)


def describe(problem) -> str:
    outputs, variables, point = setup(problem)
    args = ", ".join(tex(v) for v in variables)
    given = ", ".join(f"${tex(n)}({args}) = {tex(f)}$" for n, f in outputs.items())
    text = f"For {given}, compute the Jacobian matrix of $({', '.join(tex(n) for n in outputs)})$ with respect to $({args})$"
    if point:
        text += " and evaluate it at " + ", ".join(f"${tex(v)} = {tex(point[v])}$" for v in variables)
    return text + "."
