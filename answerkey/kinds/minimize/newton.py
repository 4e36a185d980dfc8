"""kind: minimize, Newton's method -- from a point, the gradient and the Hessian there in numbers and the
step theta - H^{-1} grad f, as many times as `steps` says."""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...calculus import function_lines, partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...printer import tex
from ..common import in_domain, undefined_at
from ..hessian.solve import second_partials
from .rules import NEWTON_GRADIENT, NEWTON_HESSIAN, NEWTON_STEP


class InverseTimes(mo.Display):
    """H^{-1} g for a matrix H and a vector g of numbers, shown as written: args (H, g); its value is the
    product."""

    def value(self):
        H, g = self.args
        return sp.ImmutableMatrix(H.inv() * g)

    def _latex(self, printer):
        H, g = self.args
        return f"{printer._print(H)}^{{-1}} {printer._print(g)}"


def solve_newton(problem, info) -> Solution:
    c = problem.fields
    f, variables = info["f"], info["vars"]
    fname = sp.Symbol(c.name)
    first = Part(intro="The gradient, entry by entry:")
    g = function_lines(first, mo.Applied(fname, *variables), f)
    forms = [partial_lines(first, fname, g, v) for v in variables]
    second, hessian = second_partials(fname, f, variables, forms, therefore=True)
    truth_grad = sp.ImmutableMatrix([sp.diff(f, v) for v in variables])
    truth_hess = sp.ImmutableMatrix(sp.hessian(f, variables))
    parts = [first, second]
    current = sp.ImmutableMatrix([info["at"][v] for v in variables])
    point_name = tex(variables[0]) if len(variables) == 1 else "(" + ", ".join(tex(v) for v in variables) + ")"
    for t in range(1, c.newton.steps + 1):
        here = dict(zip(variables, current))
        field = ("newton", "at") if t == 1 else ("newton", "steps")
        what = "the point" if t == 1 else f"the point that step {t - 1} reaches"
        in_domain(problem, f, here, field, what)
        shown = ", ".join(f"${tex(v)} = {tex(here[v])}$" for v in variables)
        step = Part(intro=f"Step {t}, from {shown}:" if c.newton.steps > 1 else f"From {shown}:")
        grad_at = sp.ImmutableMatrix([tidy(e.xreplace(here)) for e in forms])
        hess_at = sp.ImmutableMatrix(hessian.xreplace(here).applyfunc(tidy))
        undefined_at(problem, [*grad_at, *hess_at], here, field, what)
        args = [here[v] for v in variables]
        step.add(mo.Applied(sp.Symbol(f"\\nabla {c.name}"), *args), grad_at, rule=NEWTON_GRADIENT,
                 value=truth_grad.xreplace(here))
        step.add(sp.Symbol("H"), hess_at, note=f"at {shown}", rule=NEWTON_HESSIAN, value=truth_hess,
                 assume=dict(here))
        if hess_at.det() == 0:
            raise problem.error(field, f"the Hessian is singular at {what} "
                                       f"({', '.join(f'{v} = {here[v]}' for v in variables)}): Newton's step "
                                       "H^-1 grad f is not defined there", "start from another point")
        new = sp.ImmutableMatrix([tidy(e) for e in current - hess_at.inv() * grad_at])
        lhs = sp.ImmutableMatrix([sp.Symbol(f"{tex(v)}^{{({t})}}") for v in variables])
        direction = sp.ImmutableMatrix([tidy(e) for e in hess_at.inv() * grad_at])
        step.add(lhs, mo.Minus(current, InverseTimes(hess_at, grad_at)), chain=[mo.Minus(current, direction), new],
                 rule=NEWTON_STEP.at(point=point_name, f=c.name),
                 value=current - truth_hess.xreplace(here).inv() * truth_grad.xreplace(here),
                 therefore=t == c.newton.steps)
        parts.append(step)
        current = new
    answers = {"newton": Answer(current, description=f"the point after {c.newton.steps} Newton step(s)")}
    return Solution(parts, answers)
