"""kind: minimize -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation).

Three modes: scalar variables (`wrt` one name or several; data vectors of symbolic length in `vectors`),
a vector or matrix variable (`shapes`, as the matrix_gradient kind declares them; the function quadratic
in it), and Newton's method (`newton: {at: ...}`) on scalar variables."""
from __future__ import annotations

import sympy as sp
from pydantic import Field, StrictInt

from ... import mathobj as mo
from ...expr import Scope
from ..common import (Expr, Fields, Length, Name, Number, check_entry_names, check_shape_entries, check_sums,
                      function_context, in_domain, parse_lengths, parse_shapes, point_values)
from ..matrix_gradient.fields import matrix_context


class Newton(Fields):
    at: dict[Name, Number]  # the starting point
    steps: StrictInt = Field(default=1, ge=1, le=5)


class MinimizeFields(Fields):
    name: Name = "f"
    function: Expr
    wrt: Name | list[Name]
    vectors: dict[Name, Length] = {}  # data vectors of the function (x: m): sums over their entries
    shapes: dict[Name, list[Length]] | None = None  # vectors and matrices: the variable is one of them
    newton: Newton | None = None  # Newton's method from a point instead of solving the gradient


def _names(c) -> list[str]:
    return [c.wrt] if isinstance(c.wrt, str) else list(c.wrt)


def setup(problem):
    """The spec as a dict: mode ("scalar", "matrix" or "newton"), f, and for scalar modes vars (symbols),
    lengths, at (Newton's starting point); for the matrix mode wrt (a MatrixSymbol) and shapes."""
    c = problem.fields
    if c.shapes is not None:
        return _matrix(problem)
    wrt = _names(c)
    if not wrt:
        raise problem.error("wrt", "name at least one variable")
    if len(set(wrt)) != len(wrt):
        raise problem.error("wrt", "a variable is named twice")
    lengths = parse_lengths(problem, c.vectors)
    f = mo.rename_clashing_indices(problem.expr("function", Scope(vectors=dict(lengths))))
    check_sums(problem, f, lengths)
    check_entry_names(problem, f, lengths)
    if isinstance(f, sp.MatrixExpr) or not isinstance(f, sp.Expr):
        raise problem.error("function", "the function must be a scalar")
    free = {str(s) for s in f.free_symbols}
    for name in wrt:
        if name in lengths:
            raise problem.error("wrt", f"'{name}' is a data vector", "a vector variable is declared in shapes: "
                                f"{{{name}: [n, 1]}}, with the function in matrix notation")
        if name not in free:
            raise problem.error("wrt", f"the function does not contain '{name}'",
                                "its variables: " + ", ".join(sorted(free - set(lengths))))
    kinked = sorted({type(e).__name__.lower() for e in f.atoms(sp.Abs, sp.Max, sp.Min, mo.relu, sp.Heaviside)})
    if kinked:
        raise problem.error("function", f"stationary points need a function with derivatives everywhere, and "
                                        f"{', '.join(kinked)} {'has' if len(kinked) == 1 else 'have'} kinks",
                            "write the function without them")
    variables = [mo.real(n) for n in wrt]
    at = None
    if c.newton is not None:
        if lengths:
            raise problem.error("newton", "Newton's method here needs numbers: a function without data vectors")
        at = point_values(problem, c.newton.at, {n: mo.real(n) for n in wrt})
        extra = sorted(str(s) for s in f.free_symbols - set(variables))
        if extra:
            raise problem.error("newton", f"Newton's method here needs numbers, and the function has the constant"
                                          f"{'s' if len(extra) > 1 else ''} {', '.join(extra)}",
                                "give the constants values in the function")
        in_domain(problem, f, at, ("newton", "at"))
    return dict(mode="newton" if at else "scalar", f=f, vars=variables, lengths=lengths, at=at)


def _matrix(problem):
    c = problem.fields
    if c.vectors:
        raise problem.error("vectors", "with shapes, declare every vector in shapes ([m, 1] for a column)")
    if c.newton is not None:
        raise problem.error("newton", "Newton's method is for scalar variables; with shapes the minimiser is "
                                      "solved in closed form")
    if not isinstance(c.wrt, str):
        raise problem.error("wrt", "with shapes, the variable is one vector or matrix")
    shapes = parse_shapes(problem, c.shapes)
    if c.wrt not in shapes:
        raise problem.error("wrt", f"'{c.wrt}' has no shape", "declare it in shapes")
    if "I" in shapes:
        raise problem.error(("shapes", "I"), "I is the identity matrix of the key", "rename the matrix")
    check_shape_entries(problem, shapes)
    f = problem.expr("function", Scope(matrices=shapes))
    if isinstance(f, sp.MatrixExpr):
        if f.shape != (1, 1):
            raise problem.error("function", f"the function must be a scalar; it is a {f.shape[0]} x {f.shape[1]} "
                                            "matrix")
    wrt = sp.MatrixSymbol(c.wrt, *shapes[c.wrt])
    if not f.has(wrt):
        raise problem.error("wrt", f"the function does not contain {c.wrt}",
                            "its matrices: " + ", ".join(sorted(m.name for m in f.atoms(sp.MatrixSymbol))))
    if wrt.shape[1] != 1:
        raise problem.error("wrt", f"{c.wrt} is a {wrt.shape[0]} x {wrt.shape[1]} matrix: the minimiser is solved "
                                   "for a column vector", f"declare {c.wrt} with the shape [n, 1]")
    return dict(mode="matrix", f=f, wrt=wrt, shapes=shapes)


def context(problem):
    """Scalar modes: the function of the variables in wrt, every other name a constant, the data vectors;
    the matrix mode: the matrices and vectors of shapes, their entries, the function of the variable."""
    info = setup(problem)
    if info["mode"] != "matrix":
        return function_context(info["f"], problem.fields.name, _names(problem.fields), info["lengths"])
    return matrix_context(info["f"], info["wrt"], problem.fields.name)
