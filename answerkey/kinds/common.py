"""Field types and helpers shared by the kinds."""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import BaseModel, ConfigDict, StrictFloat, StrictInt, StrictStr, StringConstraints

Number = Union[StrictInt, StrictFloat]
Expr = Union[StrictStr, StrictInt, StrictFloat]  # an expression in SymPy syntax (parsed safely)
Name = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=32)]


class Fields(BaseModel):
    """Base of every kind's fields: unknown fields are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)

Length = Union[StrictInt, Name]  # a vector length: a number or a name such as n


def point_values(problem, at: dict, variables: dict) -> dict:
    """`at: {x: 1, y: 2}` or `{x: [1, 2, 3]}` as {symbol or entry: number}; errors at their positions."""
    import sympy as sp

    from .. import mathobj as mo

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
                out[mo.vector(name)[i]] = sp.nsimplify(v) if isinstance(v, float) else sp.Integer(v)
        else:
            if isinstance(value, list):
                raise problem.error(("at", name), f"expected a number for {name}, got a list")
            out[target] = sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)
    missing = sorted(set(variables) - set(at))
    if missing:
        raise problem.error(("at",), f"no value for {', '.join(missing)}")
    return out


def check_sums(problem, f, lengths: dict, field: str = "function") -> None:
    """Every entry a sum reaches lies inside its vector: Sum(x[i], (i, 1, n)) with vectors {x: 4} is an
    error naming both (the sum runs to n, x has 4 entries), as is x[i + 1] running past the end."""
    import sympy as sp

    for total in f.atoms(sp.Sum):
        for var, lo, hi in total.limits:
            for entry in total.function.atoms(sp.Indexed):
                name = str(entry.base.label)
                if name not in lengths or len(entry.indices) != 1 or not entry.indices[0].has(var):
                    continue
                index, length = entry.indices[0], sp.sympify(lengths[name], strict=True)
                first, last = index.subs(var, lo), index.subs(var, hi)
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
