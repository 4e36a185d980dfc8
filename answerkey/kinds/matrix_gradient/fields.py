"""kind: matrix_gradient -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...expr import Scope
from ..common import Expr, Fields, Length, Name, check_shape_entries, parse_shapes


class MatrixGradientFields(Fields):
    name: Name = "f"
    function: Expr
    shapes: dict[Name, list[Length]]
    wrt: Name
    symmetric: list[Name] = []  # refused: see setup()


def setup(problem):
    c = problem.fields
    if c.symmetric:
        raise problem.error("symmetric", "symmetric matrices are not supported: the gradient with respect to a "
                                         "symmetric X is G + G^T - diag(G), not the general G derived here",
                            "declare the matrix without symmetric, or write the symmetry into the function")
    shapes = parse_shapes(problem, c.shapes)
    if c.wrt not in shapes:
        raise problem.error("wrt", f"'{c.wrt}' has no shape", "declare it in shapes")
    check_shape_entries(problem, shapes)  # the key writes a matrix W's entries w_ij and a vector x's x_i
    f = problem.expr("function", Scope(matrices=shapes))
    if isinstance(f, sp.MatrixExpr):
        if f.shape != (1, 1):
            raise problem.error("function", f"the function must be a scalar; it is a {f.shape[0]} x {f.shape[1]} "
                                            "matrix")
    wrt = sp.MatrixSymbol(c.wrt, *shapes[c.wrt])
    if not f.has(wrt):
        raise problem.error("wrt", f"the function does not contain {c.wrt}")
    return f, wrt


def context(problem):
    """The matrices and vectors of the spec's shapes, their entries (W: w_kl, x: x_k), the function."""
    f, wrt = setup(problem)
    return matrix_context(f, wrt, problem.fields.name)


def matrix_context(f, wrt, name: str):
    """What the names of a page about f(wrt) mean: the matrices and vectors of f, their entries, the
    integer sizes, the constants, and f itself (shared with the kinds whose variable is a matrix)."""
    from ...reader import Context, Function

    ctx = Context()
    for m in f.atoms(sp.MatrixSymbol) | {wrt}:
        ctx.matrices[m.name] = m
        entry = mo.entry_name(m)
        ctx.entries[entry] = (mo.vector(entry), 1 if m.shape[1] == 1 else 2)
        for d in m.shape:
            for s in sp.sympify(d, strict=True).free_symbols:
                ctx.indices[s.name] = s
    for s in f.free_symbols:
        if isinstance(s, sp.Symbol) and not isinstance(s, sp.MatrixSymbol):
            (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
    ctx.functions[name] = Function([wrt], f)
    ctx.shape = wrt.shape
    return ctx
