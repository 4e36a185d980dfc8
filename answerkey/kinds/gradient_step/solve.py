"""kind: gradient_step -- one step of gradient descent: the gradient component by component, then
-learning_rate times it; with `at` (and `steps`), the numeric updates from that point."""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...calculus import function_lines, partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...printer import tex
from ...rules import DEFINITION_OF_GRADIENT
from ..common import in_domain, undefined_at
from .fields import setup
from .rules import GRADIENT_AT_THE_POINT, STEP, STEP_IN_WORDS, UPDATE


def solve(problem) -> Solution:
    c = problem.fields
    info = setup(problem)
    f, order, lr = info["f"], info["vars"], info["lr"]
    fname = sp.Symbol(c.name)
    part = Part()
    g = function_lines(part, mo.Applied(fname, *order), f)
    nabla = mo.Nabla(fname, *order)
    part.add(nabla, sp.ImmutableMatrix([mo.Partial(fname, v) for v in order]),
             rule=DEFINITION_OF_GRADIENT, check=False)
    results = [partial_lines(part, fname, g, v) for v in order]
    truth = sp.ImmutableMatrix([mo.conventional_diff(g, v) for v in order])
    grad = sp.ImmutableMatrix(results)
    step_lhs = mo.Scaled(-lr, nabla)
    part.add(step_lhs, mo.Scaled(-lr, grad), rule=STEP.at(rate=tex(lr), f=tex(fname)) if lr.is_Symbol
             else STEP_IN_WORDS,
             value=-lr * truth, therefore=True)
    step = sp.ImmutableMatrix(sp.expand(-lr * grad))
    answers = {"step": Answer(step, display=mo.Scaled(-lr, grad), description="-learning_rate * gradient")}
    if info["at"]:
        point = dict(info["at"])
        current = sp.ImmutableMatrix([point[v] for v in order])
        point_name = tex(order[0]) if len(order) == 1 else "(" + ", ".join(tex(v) for v in order) + ")"
        for t in range(1, c.steps + 1):
            here = dict(zip(order, current))
            field, what = ("at", "the point") if t == 1 else ("steps", f"the point that step {t - 1} reaches")
            in_domain(problem, f, here, field, what)
            gval = sp.ImmutableMatrix([tidy(r.subs(here)) for r in results])
            undefined_at(problem, gval, here, field, what)
            at_args = [here[v] for v in order]
            part.add(mo.Applied(sp.Symbol(f"\\nabla {c.name}"), *at_args), gval,
                     rule=GRADIENT_AT_THE_POINT, value=truth.subs(here),
                     note=f"step {t}" if c.steps > 1 else "")
            new = sp.ImmutableMatrix([tidy(e) for e in current - lr * gval])
            lhs = sp.ImmutableMatrix([sp.Symbol(f"{tex(v)}^{{({t})}}") for v in order])
            part.add(lhs, mo.Minus(current, mo.Scaled(lr, gval)), chain=[new],
                     rule=UPDATE.at(point=point_name, rate=tex(lr), f=tex(fname)),
                     value=current - lr * truth.subs(here), therefore=t == c.steps)
            current = new
        answers["update"] = Answer(current, description=f"the point after {c.steps} step(s)")
    return Solution([part], answers)


def describe(problem) -> str:
    info = setup(problem)
    c = problem.fields
    args = ", ".join(tex(v) for v in info["vars"])
    text = (f"For ${c.name}({args}) = {tex(info['f'])}$ and the learning rate ${tex(info['lr'])}$, write the "
            f"gradient-descent step $-{tex(info['lr'])} \\nabla {c.name}$")
    if info["at"]:
        start = ", ".join(f"${tex(k)} = {tex(v)}$" for k, v in info["at"].items())
        text += f", and take {c.steps} step{'s' if c.steps > 1 else ''} from {start}"
    return text + "."
