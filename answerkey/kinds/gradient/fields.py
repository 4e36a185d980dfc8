"""kind: gradient -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...expr import Scope, parse_length
from ..common import (Expr, Fields, Length, Name, Number, check_entry_names, check_sums, function_context, in_domain,
                      parse_lengths, point_values)


class GradientFields(Fields):
    name: Name = "f"
    function: Expr
    vectors: dict[Name, Length] = {}
    wrt: Name | list[Name]
    at: dict[Name, Number | list[Number]] | None = None


def setup(problem, fields):
    """Parse the function and the variables: (f, variables in order, display arguments, scope info).

    Returns a dict with f, vars (SymPy symbols or entries), args (what f is applied to in the display),
    and, for one vector of symbolic length, vector=(x, n)."""
    lengths = parse_lengths(problem, fields.vectors)
    f = mo.rename_clashing_indices(problem.expr("function", Scope(vectors=dict(lengths))))
    check_sums(problem, f, lengths)
    check_entry_names(problem, f, lengths)
    wrt = [fields.wrt] if isinstance(fields.wrt, str) else list(fields.wrt)
    if not wrt:
        raise problem.error("wrt", "name at least one variable")
    variables, order, args = {}, [], []
    free = {str(s) for s in f.free_symbols}
    for name in wrt:
        if name in lengths:
            length = lengths[name]
            if not length.is_number:
                if len(wrt) != 1:
                    raise problem.error("wrt", f"the vector {name} of length {length} must be the only variable")
                if fields.at is not None:
                    raise problem.error("at", f"a point needs vectors of given length, and {name} has length "
                                              f"{length}", f"declare vectors: {{{name}: 3}} (a number) to "
                                                           "evaluate the gradient at a point")
                return dict(f=f, vector=(mo.vector(name), length), args=[mo.vector(name)], at=None,
                            lengths=lengths)
            entries = [mo.vector(name)[i] for i in range(1, int(length) + 1)]
            order.extend(entries)
            variables[name] = (name, int(length))
            args.append(mo.vector(name))
        else:
            if name not in free:
                raise problem.error("wrt", f"the function does not contain '{name}'",
                                    "its variables: " + ", ".join(sorted(free) + sorted(lengths)))
            order.append(mo.real(name))
            variables[name] = mo.real(name)
            args.append(mo.real(name))
    given = f
    f = f.doit() if f.has(sp.Sum) else f
    at = point_values(problem, fields.at, variables) if fields.at else None
    if at:
        in_domain(problem, f, at, "at")
    return dict(f=f, given=given, vars=order, args=args, at=at, lengths=lengths)


def context(problem):
    """What the names on the page mean: the function as the spec gives it, of the variables in wrt;
    every other name a constant; vectors and their lengths."""

    fields = problem.fields
    lengths = {name: parse_length(length) for name, length in fields.vectors.items()}
    f = mo.rename_clashing_indices(problem.expr("function", Scope(vectors=dict(lengths))))
    return function_context(f, fields.name, [fields.wrt] if isinstance(fields.wrt, str) else list(fields.wrt),
                            lengths)
