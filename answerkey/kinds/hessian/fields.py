"""kind: hessian -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

import sympy as sp
from pydantic import Field

from ... import mathobj as mo
from ...expr import Scope
from ..common import (Expr, Fields, Length, Name, Number, check_entry_names, check_shape_entries, function_context,
                      in_domain, parse_shapes, point_values)


class HessianFields(Fields):
    name: Name = "f"
    function: Expr
    wrt: Name | list[Name] = Field(min_length=1, max_length=6)  # scalar variables; or one vector of shapes
    at: dict[Name, Number] | None = None  # a point: the Hessian there, and what it says of the point
    shapes: dict[Name, list[Length]] = {}  # vectors and matrices ({X: [m, n], w: [n, 1]}): wrt is a vector


def setup_matrix(problem):
    """(f, the vector w) of a problem with shapes."""
    c = problem.fields
    shapes = parse_shapes(problem, c.shapes)
    if not isinstance(c.wrt, str):
        raise problem.error("wrt", "with shapes, wrt is one vector", "e.g. wrt: w with shapes: {w: [n, 1]}")
    if c.wrt not in shapes or shapes[c.wrt][1] != 1:
        raise problem.error("wrt", f"'{c.wrt}' is not a vector of shapes", "declare it as [n, 1] in shapes")
    check_shape_entries(problem, shapes)
    if c.at is not None:
        raise problem.error("at", "a point needs scalar variables", "leave out shapes: to use at:")
    f = problem.expr("function", Scope(matrices=shapes))
    if isinstance(f, sp.MatrixExpr) and f.shape != (1, 1):
        raise problem.error("function", f"the function must be a scalar; it is a {f.shape[0]} x {f.shape[1]} matrix")
    w = sp.MatrixSymbol(c.wrt, *shapes[c.wrt])
    if not f.has(w):
        raise problem.error("wrt", f"the function does not contain {c.wrt}")
    return f, w


def setup(problem):
    """(f, its variables in order, the point as {variable: exact number} or None)."""
    c = problem.fields
    if isinstance(c.wrt, str):
        raise problem.error("wrt", "a list of scalar variables", f"wrt: [{c.wrt}]; or declare {c.wrt} in shapes: "
                                                                  "for a vector")
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
    if problem.fields.shapes:
        from ...reader import Context, Function

        f, w = setup_matrix(problem)
        ctx = Context()
        for m in f.atoms(sp.MatrixSymbol) | {w}:
            ctx.matrices[m.name] = m
            ctx.entries[mo.entry_name(m)] = (mo.vector(mo.entry_name(m)), 1 if m.shape[1] == 1 else 2)
            for d in m.shape:
                for s in sp.sympify(d, strict=True).free_symbols:
                    ctx.indices[s.name] = s
        for s in f.free_symbols:
            if isinstance(s, sp.Symbol) and not isinstance(s, sp.MatrixSymbol):
                (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
        ctx.functions[problem.fields.name] = Function([w], f)
        ctx.matrices["z"] = sp.MatrixSymbol("z", *w.shape)  # the quadratic form's vector
        ctx.shape = (w.shape[0], w.shape[0])
        return ctx
    f, _, _ = setup(problem)
    return function_context(f, problem.fields.name, list(problem.fields.wrt), {})
