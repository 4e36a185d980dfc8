"""kind: jacobian -- its fields (the outputs, each a name and its expression, and the variables), and the
spec read into mathematical objects (shared by its solver and its confirmation)."""
from __future__ import annotations

import sympy as sp
from pydantic import Field

from ... import mathobj as mo
from ...expr import Scope
from ..common import Expr, Fields, Name, Number, check_entry_names, in_domain, point_values


class JacobianFields(Fields):
    outputs: dict[Name, Expr] = Field(min_length=1, max_length=8)  # y_1, y_2, ...: each a function of wrt
    wrt: list[Name] = Field(min_length=1, max_length=8)
    at: dict[Name, Number] | None = None  # a point: the Jacobian there (and its determinant when square)


def setup(problem):
    """({output symbol: expression}, the variables in order, the point or None)."""
    c = problem.fields
    outputs = {}
    for name in c.outputs:
        f = problem.expr(("outputs", name), Scope())
        check_entry_names(problem, f, {}, f"outputs.{name}")
        outputs[sp.Symbol(name)] = f
    if len(set(c.wrt)) != len(c.wrt):
        raise problem.error("wrt", "a variable is named twice")
    free = {str(s) for f in outputs.values() for s in f.free_symbols}
    for name in c.wrt:
        if name not in free:
            raise problem.error("wrt", f"no output contains '{name}'", "their names: " + ", ".join(sorted(free)))
        if name in c.outputs:
            raise problem.error("wrt", f"'{name}' is an output and a variable")
    variables = [mo.real(n) for n in c.wrt]
    point = point_values(problem, c.at, {n: mo.real(n) for n in c.wrt}) if c.at else None
    if point:
        for name, f in zip(c.outputs, outputs.values()):
            in_domain(problem, f, point, "at", f"the point (for {name})")
    return outputs, variables, point


def context(problem):
    """Each output a function of the variables, as the spec gives it; every other name a constant."""
    from ...reader import Context, Function

    outputs, variables, _ = setup(problem)
    ctx = Context()
    for f in outputs.values():
        for s in f.free_symbols:
            (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
    for name, f in outputs.items():
        ctx.functions[name.name] = Function(list(variables), f)
    return ctx
