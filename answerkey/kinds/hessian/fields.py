"""kind: hessian -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

import sympy as sp
from pydantic import Field

from ... import mathobj as mo
from ...expr import Scope
from ..common import Expr, Fields, Name, Number, check_entry_names, function_context, in_domain, point_values


class HessianFields(Fields):
    name: Name = "f"
    function: Expr
    wrt: list[Name] = Field(min_length=1, max_length=6)
    at: dict[Name, Number] | None = None  # a point: the Hessian there, and what it says of the point


def setup(problem):
    """(f, its variables in order, the point as {variable: exact number} or None)."""
    c = problem.fields
    f = problem.expr("function", Scope())
    check_entry_names(problem, f, {})
    free = {str(s) for s in f.free_symbols}
    if len(set(c.wrt)) != len(c.wrt):
        raise problem.error("wrt", "a variable is named twice")
    for name in c.wrt:
        if name not in free:
            raise problem.error("wrt", f"the function does not contain '{name}'",
                                "its variables: " + ", ".join(sorted(free)))
    kinked = sorted({type(e).__name__.lower() for e in f.atoms(sp.Abs, sp.Max, sp.Min, mo.relu, sp.Heaviside)})
    if kinked:
        raise problem.error("function", f"the Hessian needs a function with second derivatives everywhere, and "
                                        f"{', '.join(kinked)} {'has' if len(kinked) == 1 else 'have'} kinks",
                            "write the function without them; the gradient kind states its conventions at kinks")
    variables = [mo.real(n) for n in c.wrt]
    point = point_values(problem, c.at, {n: mo.real(n) for n in c.wrt}) if c.at else None
    if point:
        in_domain(problem, f, point, "at")
    return f, variables, point


def context(problem):
    """The function as the spec gives it, of the variables in wrt; every other name a constant."""
    f, _, _ = setup(problem)
    return function_context(f, problem.fields.name, list(problem.fields.wrt), {})
