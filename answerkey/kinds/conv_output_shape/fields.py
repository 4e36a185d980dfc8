"""kind: conv_output_shape -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

from typing import Literal, Union

import sympy as sp
from pydantic import Field, StrictInt

from ..common import Fields


class Size(Fields):
    width: StrictInt = Field(ge=1, le=1_000_000)
    height: StrictInt = Field(ge=1, le=1_000_000)


class Padding(Fields):
    width: StrictInt = Field(ge=0, le=1_000_000)
    height: StrictInt = Field(ge=0, le=1_000_000)


class InputSize(Size):
    channels: StrictInt | None = Field(default=None, ge=1, le=1_000_000)


class ConvFields(Fields):
    input: InputSize
    filters: StrictInt = Field(ge=1, le=1_000_000)
    kernel: Union[StrictInt, Size]
    stride: Union[StrictInt, Size] = 1
    padding: Union[StrictInt, Padding] = 0
    dilation: Union[StrictInt, Size] = 1
    rounding: Literal["exact", "floor"] = "exact"


def _axes(value, name, problem, minimum):
    if isinstance(value, int):
        w = h = value
    else:
        w, h = value.width, value.height
    for axis, v in (("width", w), ("height", h)):
        if v < minimum:
            raise problem.error(name if isinstance(value, int) else f"{name}.{axis}",
                                f"expected a number >= {minimum}, got {v}")
    return {"width": w, "height": h}


W, F, P, S, D, Fe = (sp.Symbol(s, positive=True) for s in ("W", "F", "P", "S", "D", "F'"))


def context(problem):
    """The letters of the formulas (W, F, P, S, D, F', K, C, F_w, F_h); their values are the line's."""
    from ...reader import Context

    ctx = Context()
    for s in (W, F, P, S, D, Fe, *(sp.Symbol(n, positive=True) for n in ("K", "C", "F_w", "F_h"))):
        ctx.scalars[s.name] = s
    return ctx
