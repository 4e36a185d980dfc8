"""kind: gradient_step -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

from pydantic import Field, StrictInt

from ... import mathobj as mo
from ...expr import Scope
from ..common import Expr, Fields, Name, Number, function_context, point_values


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


def context(problem):
    c = problem.fields
    info = setup(problem)
    ctx = function_context(info["f"], c.name, [c.wrt] if isinstance(c.wrt, str) else list(c.wrt), {})
    for s in info["lr"].free_symbols:
        ctx.scalars[s.name] = s
    return ctx
