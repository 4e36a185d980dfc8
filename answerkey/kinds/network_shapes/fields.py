"""kind: network_shapes -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation)."""
from __future__ import annotations
from typing import Literal, Union
from pydantic import Field, StrictInt, StrictStr
from ...errors import Diagnostic, SpecError
from ..common import Fields


Positive = Field(ge=1, le=1_000_000)
TYPES = ("conv", "pool", "flatten", "fc", "deconv")


PARAMS = {
    "conv": {"filters", "kernel", "stride", "padding", "dilation", "bias", "name"},
    "deconv": {"filters", "kernel", "stride", "padding", "dilation", "output_padding", "bias", "name"},
    "pool": {"kernel", "stride", "padding", "name", "type"},
    "flatten": {"name"},
    "fc": {"units", "bias", "name"},
}


REQUIRED = {"conv": {"filters", "kernel"}, "deconv": {"filters", "kernel"}, "pool": {"kernel"}, "fc": {"units"},
            "flatten": set()}


class InputShape(Fields):
    channels: StrictInt = Positive
    width: StrictInt = Positive
    height: StrictInt = Positive


class NetworkFields(Fields):
    input: InputShape
    layers: list[dict[StrictStr, Union[dict[StrictStr, Union[StrictInt, StrictStr, bool, dict]], None]]]
    rounding: Literal["exact", "floor"] = "exact"


def _axes(problem, where, value, name, minimum):
    if value is None:
        return None
    if isinstance(value, bool):
        raise problem.error(where + (name,), "expected a number or {width, height}")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, dict) and set(value) == {"width", "height"}:
        pair = (value["width"], value["height"])
    else:
        raise problem.error(where + (name,), "expected a number or {width: ..., height: ...}")
    if any(not isinstance(v, int) or isinstance(v, bool) or v < minimum for v in pair):
        raise problem.error(where + (name,), f"expected whole numbers >= {minimum}")
    return pair


def parse_layers(problem):
    """The layers as (type, name, settings); every error located at its layer."""
    out, diagnostics = [], []
    for i, item in enumerate(problem.fields.layers):
        where = ("layers", i)
        if len(item) != 1 or next(iter(item)) not in TYPES:
            diagnostics.append(Diagnostic(problem.where(*where), "a layer is one of "
                                          + ", ".join(TYPES) + ", with its settings, e.g. conv: {filters: 8, kernel: 3}"))
            continue
        kind, settings = next(iter(item.items()))
        settings = settings or {}
        unknown = set(settings) - PARAMS[kind]
        missing = REQUIRED[kind] - set(settings)
        if unknown or missing:
            what = (f"unknown setting(s) {', '.join(sorted(unknown))}" if unknown else
                    f"missing {', '.join(sorted(missing))}")
            diagnostics.append(Diagnostic(problem.where(*where, kind), f"{kind}: {what}",
                                          f"{kind} takes " + ", ".join(sorted(PARAMS[kind]))))
            continue
        try:
            cfg = {"name": str(settings.get("name", f"{kind}{i + 1}"))}
            for key, minimum, default in (("kernel", 1, None), ("stride", 1, None), ("padding", 0, 0),
                                          ("dilation", 1, 1), ("output_padding", 0, 0)):
                if key in PARAMS[kind]:
                    value = _axes(problem, where + (kind,), settings.get(key, default), key, minimum)
                    cfg[key] = value
            if kind in ("conv", "deconv"):
                cfg["stride"] = cfg["stride"] or (1, 1)
            if kind == "pool":
                cfg["stride"] = cfg["stride"] or cfg["kernel"]
                cfg["dilation"] = (1, 1)
            for key in ("filters", "units"):
                if key in settings:
                    if not isinstance(settings[key], int) or isinstance(settings[key], bool) or settings[key] < 1:
                        raise problem.error(where + (kind, key), "expected a whole number >= 1")
                    cfg[key] = settings[key]
            cfg["bias"] = bool(settings.get("bias", True))
            if kind == "deconv":
                for a in range(2):
                    if cfg["output_padding"][a] >= max(cfg["stride"][a], cfg["dilation"][a]):
                        raise problem.error(where + (kind, "output_padding"),
                                            "output_padding must be smaller than the stride or the dilation")
        except SpecError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        out.append((kind, cfg, i))
    if not problem.fields.layers:
        diagnostics.append(Diagnostic(problem.where("layers"), "the network has no layers"))
    seen = {}
    for kind, cfg, i in out:  # answers are named by the layers: names must differ, and not be the totals'
        label = _label(cfg["name"])
        if label in ("output", "total") or label in seen:
            diagnostics.append(Diagnostic(problem.where("layers", i, kind, "name") if "name" in
                                          (problem.fields.layers[i][kind] or {}) else problem.where("layers", i),
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
