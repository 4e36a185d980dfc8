"""kind: gradient_step -- one step of gradient descent: the gradient component by component, then
-learning_rate times it; with `at` (and `steps`), the numeric updates from that point."""
from __future__ import annotations

import sympy as sp
from pydantic import Field, StrictInt

from .. import mathobj as mo
from ..diffsteps import tidy
from ..calculus import function_lines, partial_lines
from ..derivation import Answer, Part, Solution
from ..expr import Scope
from . import Kind
from ..printer import tex
from .common import Expr, Fields, Name, Number, point_values
from .gradient import in_domain, undefined_at


class GradientStepFields(Fields):
    name: Name = "L"
    function: Expr
    wrt: Name | list[Name]
    learning_rate: Expr = "alpha"
    at: dict[Name, Number] | None = None
    steps: StrictInt = Field(default=1, ge=1, le=20)


def setup(problem):
    c = problem.fields
    f = problem.expr("function", Scope())
    wrt = [c.wrt] if isinstance(c.wrt, str) else list(c.wrt)
    free = {str(s) for s in f.free_symbols}
    for name in wrt:
        if name not in free:
            raise problem.error("wrt", f"the function does not contain '{name}'",
                                "its variables: " + ", ".join(sorted(free)))
    variables = [mo.real(n) for n in wrt]
    lr = problem.expr("learning_rate", Scope(), text=c.learning_rate)  # the default alpha is not in the file
    if lr.free_symbols & set(variables):
        raise problem.error("learning_rate", "the learning rate cannot depend on the variables")
    if lr.is_number and not lr.is_positive:
        raise problem.error("learning_rate", f"the learning rate must be positive, got {lr}")
    point = point_values(problem, c.at, {n: mo.real(n) for n in wrt}) if c.at else None
    if c.at is None and "steps" in c.model_fields_set:
        raise problem.error("steps", "steps needs a starting point: give at")
    return dict(f=f, vars=variables, lr=lr, at=point)


def solve(problem) -> Solution:
    c = problem.fields
    info = setup(problem)
    f, order, lr = info["f"], info["vars"], info["lr"]
    fname = sp.Symbol(c.name)
    part = Part()
    g = function_lines(part, mo.Applied(fname, *order), f)
    nabla = mo.Nabla(fname, *order)
    part.add(nabla, sp.ImmutableMatrix([mo.Partial(fname, v) for v in order]),
             rule="definition of the gradient", check=False)
    results = [partial_lines(part, fname, g, v) for v in order]
    truth = sp.ImmutableMatrix([mo.conventional_diff(g, v) for v in order])
    grad = sp.ImmutableMatrix(results)
    step_lhs = mo.Scaled(-lr, nabla)
    part.add(step_lhs, mo.Scaled(-lr, grad), rule=f"the step is $-{tex(lr)} \\nabla {tex(fname)}$"
             if lr.is_Symbol else "the step is minus the learning rate times the gradient",
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
                     rule="the gradient at the current point", value=truth.subs(here),
                     note=f"step {t}" if c.steps > 1 else "")
            new = sp.ImmutableMatrix([tidy(e) for e in current - lr * gval])
            lhs = sp.ImmutableMatrix([sp.Symbol(f"{tex(v)}^{{({t})}}") for v in order])
            part.add(lhs, mo.Minus(current, mo.Scaled(lr, gval)), chain=[new],
                     rule=f"the update ${point_name} - {tex(lr)} \\nabla {tex(fname)}$",
                     value=current - lr * truth.subs(here), therefore=t == c.steps)
            current = new
        answers["update"] = Answer(current, description=f"the point after {c.steps} step(s)")
    return Solution([part], answers)


def confirm(problem, solution) -> list[str]:
    from ..confirm import confirm_step

    return confirm_step(problem, solution, setup(problem))


def describe(problem) -> str:
    from ..printer import tex

    info = setup(problem)
    c = problem.fields
    args = ", ".join(tex(v) for v in info["vars"])
    text = (f"For ${c.name}({args}) = {tex(info['f'])}$ and the learning rate ${tex(info['lr'])}$, write the "
            f"gradient-descent step $-{tex(info['lr'])} \\nabla {c.name}$")
    if info["at"]:
        start = ", ".join(f"${tex(k)} = {tex(v)}$" for k, v in info["at"].items())
        text += f", and take {c.steps} step{'s' if c.steps > 1 else ''} from {start}"
    return text + "."

def context(problem):
    from .gradient import function_context

    c = problem.fields
    info = setup(problem)
    ctx = function_context(info["f"], c.name, [c.wrt] if isinstance(c.wrt, str) else list(c.wrt), {})
    for s in info["lr"].free_symbols:
        ctx.scalars[s.name] = s
    return ctx


KIND = Kind("gradient_step", GradientStepFields, solve, confirm, "kinds/gradient_step.tex", describe, context)
