"""kind: receptive_field -- its fields (the layers, a union on their key: conv or pool), and the layers
read in order with their names (shared by its solver and its confirmation)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import sympy as sp
from pydantic import Field, StrictInt

from ..common import Fields, Name, key_of, keyed_union


Size = Annotated[StrictInt, Field(ge=1, le=1000)]


class Conv(Fields):
    name: Name | None = None
    kernel: Size
    stride: Size = 1
    dilation: Size = 1


class Pool(Fields):
    name: Name | None = None
    kernel: Size
    stride: Size | None = None  # default: the kernel size (non-overlapping windows, as frameworks default)
    dilation: Size = 1


class ConvLayer(Fields):
    conv: Conv


class PoolLayer(Fields):
    pool: Pool


LAYERS = {"conv": ConvLayer, "pool": PoolLayer}
Layer = keyed_union(LAYERS, "expected one layer: conv: {kernel, stride, dilation} or pool: {kernel, stride, "
                            "dilation}")


class ReceptiveFieldFields(Fields):
    layers: list[Layer] = Field(min_length=1, max_length=100)


@dataclass(frozen=True)
class Step:
    """One layer as the spec gives it: its type, name (given, or conv1, pool1, ... by position), kernel,
    stride and dilation."""

    type: str
    name: str
    kernel: int
    stride: int
    dilation: int
    stride_given: bool = True  # False: a pool's stride taken from its kernel


def layers(problem) -> list[Step]:
    """The layers in order; two layers of one name are an error at the second."""
    out, seen, counts = [], {}, {}
    for i, item in enumerate(problem.fields.layers):
        kind = key_of(item, LAYERS)
        cfg = getattr(item, kind)
        counts[kind] = counts.get(kind, 0) + 1
        name = cfg.name or f"{kind}{counts[kind]}"
        if name in seen:
            raise problem.error(("layers", i, kind, "name") if cfg.name else ("layers", i),
                                f"two layers are called {name}", f"layer {seen[name] + 1} is {name} too; name them apart")
        seen[name] = i
        stride = cfg.stride if cfg.stride is not None else cfg.kernel
        out.append(Step(kind, name, cfg.kernel, stride, cfg.dilation, cfg.stride is not None))
    return out


# The letters of the formulas: R and J before the layer, its kernel F (F' with dilation D) and stride S.
R, J, F, S, D, Fe = (sp.Symbol(s, positive=True) for s in ("R", "J", "F", "S", "D", "F'"))


def context(problem):
    """The letters of the formulas; their values are each line's."""
    from ...reader import Context

    ctx = Context()
    for s in (R, J, F, S, D, Fe):
        ctx.scalars[s.name] = s
    return ctx
