"""kind: network_shapes -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, StrictInt, StrictStr, create_model

from ...errors import Diagnostic, SpecError
from ..common import Fields, key_of, keyed_union


Positive = Field(ge=1, le=1_000_000)
TYPES = ("conv", "pool", "flatten", "fc", "deconv")


class Axes(Fields):
    width: StrictInt
    height: StrictInt


def _pair(minimum: int):
    """A size per axis: one whole number for both, or {width, height}; each at least `minimum`."""
    number = Annotated[StrictInt, Field(ge=minimum, le=1_000_000)]
    Pair = create_model(f"AxesFrom{minimum}", __base__=Axes, width=(number, ...), height=(number, ...))
    return Union[number, Pair]


Size, Offset = _pair(1), _pair(0)
Count = Annotated[StrictInt, Positive]


class Conv(Fields):
    """A convolution: `filters` maps of a kernel, with stride, padding and dilation."""

    name: StrictStr | None = None
    filters: Count
    kernel: Size
    stride: Size = 1
    padding: Offset = 0
    dilation: Size = 1
    bias: bool = True


class Deconv(Conv):
    """A transposed convolution; output_padding extends one side of the output."""

    output_padding: Offset = 0


class Pool(Fields):
    """A pooling window (its stride defaults to its kernel: windows side by side)."""

    name: StrictStr | None = None
    kernel: Size
    stride: Size | None = None
    padding: Offset = 0
    type: Literal["max", "avg", "average"] = "max"


class Flatten(Fields):
    name: StrictStr | None = None


class Fc(Fields):
    """A fully connected layer of `units` outputs."""

    name: StrictStr | None = None
    units: Count
    bias: bool = True


class ConvLayer(Fields):
    conv: Conv


class DeconvLayer(Fields):
    deconv: Deconv


class PoolLayer(Fields):
    pool: Pool


class FlattenLayer(Fields):
    flatten: Flatten | None = None


class FcLayer(Fields):
    fc: Fc


LAYERS = {"conv": ConvLayer, "pool": PoolLayer, "flatten": FlattenLayer, "fc": FcLayer, "deconv": DeconvLayer}


Layer = keyed_union(LAYERS, "a layer is one of " + ", ".join(TYPES) + ", with its settings, e.g. conv: "
                            "{filters: 8, kernel: 3}")


class InputShape(Fields):
    channels: StrictInt = Positive
    width: StrictInt = Positive
    height: StrictInt = Positive


class NetworkFields(Fields):
    input: InputShape
    layers: list[Layer]
    rounding: Literal["exact", "floor"] = "exact"


def _axes(value) -> tuple[int, int] | None:
    if value is None:
        return None
    return (value, value) if isinstance(value, int) else (value.width, value.height)


def parse_layers(problem):
    """The layers as (type, settings, index): sizes per axis as (width, height) pairs, defaults filled in;
    names must differ (answers are named by them)."""
    out, diagnostics = [], []
    for i, item in enumerate(problem.fields.layers):
        kind = key_of(item, LAYERS)
        settings = getattr(item, kind) or Flatten()
        cfg = {"name": str(settings.name if settings.name is not None else f"{kind}{i + 1}")}
        for key in ("kernel", "stride", "padding", "dilation", "output_padding"):
            if key in type(settings).model_fields:
                cfg[key] = _axes(getattr(settings, key))
        if kind == "pool":
            cfg["stride"] = cfg["stride"] or cfg["kernel"]
            cfg["dilation"] = (1, 1)
        for key in ("filters", "units"):
            if key in type(settings).model_fields:
                cfg[key] = getattr(settings, key)
        cfg["bias"] = bool(getattr(settings, "bias", True))
        if kind == "deconv" and any(cfg["output_padding"][a] >= max(cfg["stride"][a], cfg["dilation"][a])
                                    for a in range(2)):
            diagnostics.append(Diagnostic(problem.where("layers", i, kind, "output_padding"),
                                          "output_padding must be smaller than the stride or the dilation"))
            continue
        out.append((kind, cfg, i))
    if not problem.fields.layers:
        diagnostics.append(Diagnostic(problem.where("layers"), "the network has no layers"))
    seen = {}
    for kind, cfg, i in out:  # answers are named by the layers: names must differ, and not be the totals'
        label = _label(cfg["name"])
        if label in ("output", "total") or label in seen:
            named = getattr(problem.fields.layers[i], kind)
            diagnostics.append(Diagnostic(problem.where("layers", i, kind, "name") if named is not None and
                                          named.name is not None else problem.where("layers", i),
                                          f"the layer name '{cfg['name']}' is " + (
                                              "taken by the answers output_shape and total_params" if label in
                                              ("output", "total") else f"already the name of layer {seen[label] + 1}"),
                                          "give each layer its own name"))
        seen.setdefault(label, i)
    if diagnostics:
        raise SpecError(diagnostics)
    return out


def _label(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def context(problem):
    from ...reader import Context

    return Context()
