"""Field types and helpers shared by the kinds."""
from __future__ import annotations

from typing import Annotated, Union

import sympy as sp
from pydantic import (BaseModel, ConfigDict, Discriminator, Field, StrictFloat, StrictInt, StrictStr, StringConstraints,
                      Tag)

from .. import mathobj as mo

Finite = Annotated[StrictFloat, Field(allow_inf_nan=False)]  # .nan and .inf are not numbers of a homework
Number = Union[StrictInt, Finite]
Expr = Union[StrictStr, StrictInt, Finite]  # an expression in SymPy syntax (parsed safely)
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
Name = Annotated[StrictStr, StringConstraints(pattern=NAME_PATTERN, max_length=32)]


def key_of(value, models: dict) -> str | None:
    """The key of a one-key mapping ({conv: {...}}), or of the model it was read into."""
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))
    return next((key for key, model in models.items() if isinstance(value, model)), None)


def keyed_union(models: dict, message: str):
    """A field type for a one-key mapping whose key says what it is (a layer: conv: {...} or pool: {...}):
    the union of `models` (key -> a model with that one field), told apart by the key; a mapping with
    another key, or with several, gets `message`."""
    members = tuple(Annotated[model, Tag(key)] for key, model in models.items())
    return Annotated[Union[members], Discriminator(lambda v: key_of(v, models), custom_error_type="layer",
                                                   custom_error_message=message)]


class Fields(BaseModel):
    """Base of every kind's fields: unknown fields are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

Length = Union[StrictInt, Name]  # a vector length: a number or a name such as n


def point_values(problem, at: dict, variables: dict) -> dict:
    """`at: {x: 1, y: 2}` or `{x: [1, 2, 3]}` as {symbol or entry: number}; errors at their positions."""
    out = {}
    for name, value in at.items():
        if name not in variables:
            raise problem.error(("at", name), f"'{name}' is not a variable of the function",
                                "variables: " + ", ".join(sorted(variables)))
        target = variables[name]
        if isinstance(target, tuple):  # a vector of given length
            length = target[1]
            if not isinstance(value, list) or len(value) != length:
                raise problem.error(("at", name), f"expected a list of {length} numbers for the vector {name}")
            for i, v in enumerate(value, start=1):
                out[mo.vector(name)[i]] = _exact(v)
        else:
            if isinstance(value, list):
                raise problem.error(("at", name), f"expected a number for {name}, got a list")
            out[target] = _exact(value)
    missing = sorted(set(variables) - set(at))
    if missing:
        raise problem.error(("at",), f"no value for {', '.join(missing)}")
    return out


def _exact(value):
    """A number of the spec as an exact one: 1e-300 as 10^-300 (nsimplify would make it 0), 0.1 as 1/10."""
    return sp.Rational(repr(value)) if isinstance(value, float) else sp.Integer(value)


def parse_lengths(problem, vectors: dict) -> dict:
    """`vectors:` as {name: length} (a positive integer or a size symbol), each error at its entry."""
    from ..expr import ExprError, parse_length

    lengths = {}
    for name, length in vectors.items():
        try:
            lengths[name] = parse_length(length)
        except ExprError as exc:
            raise problem.error(("vectors", name), exc.message) from None
    return lengths


def parse_shapes(problem, shapes: dict) -> dict:
    """`shapes:` as {name: (rows, cols)}, each error at its entry."""
    from ..expr import ExprError, parse_length

    out = {}
    for name, dims in shapes.items():
        if len(dims) != 2:
            raise problem.error(("shapes", name), "a shape is [rows, columns]")
        try:
            out[name] = tuple(parse_length(d) for d in dims)
        except ExprError as exc:
            raise problem.error(("shapes", name), exc.message) from None
    return out


def check_entry_names(problem, f, lengths: dict, field: str = "function") -> None:
    """A name that prints like an entry of a vector (x1 or x_1 beside the vector x: both are x_1 on the
    page) is an error naming both."""
    import re

    from ..printer import tex

    printed = {}
    for s in sorted(f.free_symbols, key=str):
        if not s.is_integer:
            other = printed.setdefault(tex(s), s)
            if other != s:
                raise problem.error(field, f"'{other}' and '{s}' print alike ({tex(s)})", "rename one of them")
    for s in f.free_symbols:
        m = re.fullmatch(r"([A-Za-z]+)_?(\w+)", s.name)
        if m and m.group(1) in lengths and not s.is_integer:
            raise problem.error(field, f"'{s.name}' would print as {m.group(1)}_{m.group(2)}, an entry of the vector "
                                       f"{m.group(1)}", f"rename it, e.g. to {m.group(1).upper()}{m.group(2)}")


def check_shape_entries(problem, shapes: dict) -> None:
    """A matrix W's entries print w_ij and a vector w's w_i: a spec of shapes with both is an error naming them
    (their entries would be one letter on the page), with a free name to rename to."""
    entries: dict[str, str] = {}
    for name, (rows, cols) in shapes.items():
        entry = name if cols == 1 else name.lower()
        if entry in entries:
            taken = {n.lower() for n in shapes}
            free = next((c for c in "yzuvabcdpqrst" if c not in taken), None)
            raise problem.error(("shapes", name), f"'{name}' and '{entries[entry]}' would both have entries "
                                                  f"named {entry}: the key writes a matrix's entries in lower case",
                                "rename one of them" + (f", e.g. the vector to {free}" if free else ""))
        entries[entry] = name


def check_sums(problem, f, lengths: dict, field: str = "function") -> None:
    """Every entry a sum reaches lies inside its vector: Sum(x[i], (i, 1, n)) with vectors {x: 4} is an
    error naming both (the sum runs to n, x has 4 entries), as is x[i + 1] running past the end."""
    for total in f.atoms(sp.Sum):
        for var, lo, hi in total.limits:
            for entry in total.function.atoms(sp.Indexed):
                name = str(entry.base.label)
                if name not in lengths or len(entry.indices) != 1 or not entry.indices[0].has(var):
                    continue
                index, length = entry.indices[0], sp.sympify(lengths[name], strict=True)
                first, last = index.subs(var, lo), index.subs(var, hi)
                slope = sp.expand(index).coeff(var)
                if slope.is_number and slope < 0:  # x[n + 1 - i]: the index runs down
                    first, last = last, first
                outer = {lim[0]: lim[2] for other in f.atoms(sp.Sum) for lim in other.limits if lim[0] != var}
                last = last.xreplace(outer)  # an upper limit that is an outer sum's index: at its largest
                below, beyond = sp.expand(first - 1), sp.expand(length - last)
                shown = f"{name}[{index}] for {var} = {lo}..{hi}"
                if below.is_number and below < 0:
                    raise problem.error(field, f"the sum reaches {name}[{first}], before the first entry of "
                                               f"{name} ({shown}; entries are numbered from 1)")
                if beyond.is_number and beyond < 0:
                    raise problem.error(field, f"the sum reaches {name}[{last}], past the last entry of {name}, "
                                               f"which has length {length} ({shown})")
                if not beyond.is_number:
                    raise problem.error(field, f"the sum runs to {hi}, but {name} has length {length}",
                                        f"write the sum's upper limit in terms of {length}, or declare "
                                        f"vectors: {{{name}: {hi}}}")


def undefined_at(problem, gradient, point: dict, field: str, what: str = "the point") -> None:
    """A gradient that has no value at the point (sqrt(x^2 + y^2) at the origin: 0/0) is an error at the
    field that gives the point: the function is not differentiable there."""
    bad = [e for e in gradient if isinstance(e, sp.Basic) and (e.has(sp.nan, sp.zoo, sp.oo, -sp.oo)
                                                               or (e.is_number and not e.is_real))]
    if bad and problem is not None:
        shown = ", ".join(f"{k} = {v}" for k, v in point.items())
        raise problem.error(field, f"the function is not differentiable at {what} ({shown}): its gradient "
                                   "has no value there", "choose another point")


def in_domain(problem, f, point: dict, field: str, what: str = "the point") -> None:
    """The function is defined (finite and real) at the point: a log of a non-positive number, a division
    by zero or a root of a negative number there is an error at the field that gives the point, naming
    the part at fault (also when constants are left in the rest of the function)."""
    shown = ", ".join(f"{k} = {v}" for k, v in point.items())

    def fail(why):
        raise problem.error(field, f"{what} ({shown}) is outside the domain of the function: {why}")

    for e in sp.postorder_traversal(f):
        if isinstance(e, sp.log):
            a = e.args[0].xreplace(point)
            if a.is_number and (a.is_real is False or a.is_nonpositive):
                fail(f"log({_num(a)}) is undefined")
        elif isinstance(e, sp.Pow):
            base, exp = e.args[0].xreplace(point), e.args[1].xreplace(point)
            if base.is_number and base.is_zero and exp.is_number and exp.is_negative:
                fail(f"{sp.sstr(e.args[0])} = 0 divides")
            if base.is_number and base.is_negative and exp.is_number and not exp.is_integer:
                fail(f"a root of the negative number {_num(base)}")
    value = f.xreplace(point) if isinstance(f, sp.Basic) else f
    if value.free_symbols:
        return
    try:
        number = sp.N(value, 30)
    except (TypeError, ValueError, ZeroDivisionError):
        number = sp.nan
    if number.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not number.is_real:
        fail("it is undefined there" if number.has(sp.nan, sp.zoo) or not number.is_number
             else "it is not a real number there")


def _num(v) -> str:
    v = sp.sympify(v, strict=True)
    return str(v) if v.is_Rational else str(sp.N(v, 6))


def function_context(f, fname: str, wrt: list, lengths: dict):
    from ..reader import Context, Function

    ctx = Context()
    for name, n in lengths.items():
        ctx.vectors[name] = (mo.vector(name), n)
        for s in sp.sympify(n, strict=True).free_symbols:
            ctx.indices[s.name] = s
    for s in f.free_symbols:
        if s.name not in lengths:  # a vector's label is no scalar
            (ctx.indices if s.is_integer else ctx.scalars)[s.name] = s
    params = [(mo.vector(name), lengths[name]) if name in lengths else mo.real(name) for name in wrt]
    ctx.functions[fname] = Function(params, f)
    names = mo.names_in(f) | set(lengths)
    if "e" not in names and len(lengths) == 1:
        ctx.unit_length = next(iter(lengths.values()))
    vectors = [name for name in wrt if name in lengths]
    if len(vectors) == 1:  # [g_k]_k: a vector of the variable's length
        ctx.shape = (lengths[vectors[0]], sp.Integer(1))
    return ctx