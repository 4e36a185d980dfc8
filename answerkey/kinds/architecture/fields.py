"""kind: architecture -- its fields, and the spec read into mathematical objects (shared by its solver and its
confirmation): the input's axes and every layer's settings, each size a number or a letter (a SymPy symbol)."""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

import sympy as sp
from pydantic import Field, StrictBool, StrictInt, StrictStr, create_model

from ...errors import Diagnostic, SpecError
from ..common import Fields, Name, key_of, keyed_union

Count = Annotated[StrictInt, Field(ge=1, le=10_000_000)]
Offset = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
Size = Union[Count, Name]  # a size: a positive whole number, or a letter (B, T, d_model)
OffsetSize = Union[Offset, Name]


class Embedding(Fields):
    """A lookup table of `vocab` rows of `dim` numbers (token ids in, vectors out)."""

    name: StrictStr | None = None
    vocab: Size
    dim: Size


class Recurrent(Fields):
    """rnn, gru or lstm (PyTorch's nn.RNN, nn.GRU, nn.LSTM with batch_first=True)."""

    name: StrictStr | None = None
    hidden: Size
    layers: Annotated[StrictInt, Field(ge=1, le=50)] = 1
    bidirectional: StrictBool = False
    biases: Literal["two", "one", "none"] = "two"  # two: PyTorch's b_ih and b_hh; one: the textbook's


class Rnn(Recurrent):
    nonlinearity: Literal["tanh", "relu"] = "tanh"


class Attention(Fields):
    """Multi-head self-attention (nn.MultiheadAttention, batch_first): Q, K, V and output projections."""

    name: StrictStr | None = None
    heads: Size
    d_model: Size | None = None  # default: the input's features
    bias: StrictBool = True


class Transformer(Attention):
    """One encoder block (nn.TransformerEncoderLayer): self-attention, a feed-forward net of width d_ff, two
    LayerNorms."""

    d_ff: Size = 2048
    norm: Literal["post", "pre"] = "post"  # where the LayerNorms sit: no change to the counts
    blocks: Annotated[StrictInt, Field(ge=1, le=100)] = 1  # an encoder of identical blocks


class Norm(Fields):
    name: StrictStr | None = None
    affine: StrictBool = True


class Linear(Fields):
    name: StrictStr | None = None
    units: Size
    bias: StrictBool = True


class Conv(Fields):
    name: StrictStr | None = None
    filters: Size
    kernel: Size
    stride: Size = 1
    padding: OffsetSize = 0
    bias: StrictBool = True


class Pool(Fields):
    name: StrictStr | None = None
    kernel: Size
    stride: Size | None = None  # default: the kernel
    padding: OffsetSize = 0


class Flatten(Fields):
    name: StrictStr | None = None


def _layer(key, model):
    """The one-key mapping {key: settings} (flatten's settings may be left out)."""
    field = (Optional[model], None) if model is Flatten else (model, ...)
    return create_model(f"{key.capitalize()}Layer", __base__=Fields, **{key: field})


MODELS = {"embedding": Embedding, "rnn": Rnn, "gru": Recurrent, "lstm": Recurrent, "attention": Attention,
          "transformer": Transformer, "layernorm": Norm, "batchnorm": Norm, "linear": Linear, "conv": Conv,
          "pool": Pool, "flatten": Flatten}
LAYERS = {key: _layer(key, model) for key, model in MODELS.items()}

Layer = keyed_union(LAYERS, "a layer is one of " + ", ".join(LAYERS) + ", with its settings, e.g. lstm: "
                            "{hidden: 256}")


class Input(Fields):
    """The input's axes: a sequence {batch, length, features}, token ids {batch, length} (an embedding
    first), a vector {batch, features}, or an image {batch, channels, height, width}; batch optional."""

    batch: Size | None = None
    length: Size | None = None
    features: Size | None = None
    channels: Size | None = None
    height: Size | None = None
    width: Size | None = None


Ask = Literal["params", "shapes", "macs", "valid"]


class ArchitectureFields(Fields):
    input: Input
    layers: list[Layer]
    ask: Union[Ask, list[Ask]] = ["params", "shapes"]


def size(value):
    """A size of the spec as SymPy: a number, or its letter (a positive symbol)."""
    if value is None:
        return None
    return sp.Integer(value) if isinstance(value, int) else sp.Symbol(value, positive=True)


def asked(problem) -> set:
    a = problem.fields.ask
    return {a} if isinstance(a, str) else set(a)


def label(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def input_axes(problem):
    """(layout, {axis: size}) of the input: layout one of image, sequence, tokens, vector; errors at input."""
    i = problem.fields.input
    given = {k for k in ("length", "features", "channels", "height", "width") if getattr(i, k) is not None}
    layouts = {"image": {"channels", "height", "width"}, "sequence": {"length", "features"},
               "tokens": {"length"}, "vector": {"features"}}
    for layout, axes in layouts.items():
        if given == axes:
            return layout, {k: size(getattr(i, k)) for k in ("batch", *sorted(axes))}
    raise problem.error("input", "the input is a sequence {batch, length, features}, token ids {batch, length}, "
                                 "a vector {batch, features} or an image {batch, channels, height, width}, not "
                                 "{" + ", ".join(sorted(given)) + "}", "batch is optional")


def parse_layers(problem):
    """The layers as (type, settings, index, name): names must differ (answers are named by them)."""
    out, diagnostics, seen = [], [], {}
    if not problem.fields.layers:
        raise SpecError([Diagnostic(problem.where("layers"), "the network has no layers")])
    for i, item in enumerate(problem.fields.layers):
        kind = key_of(item, LAYERS)
        settings = getattr(item, kind) or Flatten()
        name = str(settings.name) if settings.name is not None else f"{kind}{i + 1}"
        tag = label(name)
        if tag in ("output", "total", "valid") or tag in seen:
            diagnostics.append(Diagnostic(problem.where("layers", i, kind, "name") if settings.name is not None
                                          else problem.where("layers", i),
                                          f"the layer name '{name}' is " + (
                                              f"already the name of layer {seen[tag] + 1}" if tag in seen else
                                              "taken by the answers output_shape, total_params and valid"),
                                          "give each layer its own name"))
        seen.setdefault(tag, i)
        out.append((kind, settings, i, name))
    if diagnostics:
        raise SpecError(diagnostics)
    return out


def letters(problem) -> set[str]:
    """The names of the letters the spec uses for sizes."""
    names = {v for v in problem.fields.input.model_dump().values() if isinstance(v, str)}
    for item in problem.fields.layers:
        kind = key_of(item, LAYERS)
        settings = getattr(item, kind)
        if settings is not None:
            names |= {v for k, v in settings.model_dump().items()
                      if isinstance(v, str) and k not in ("name", "biases", "nonlinearity", "norm")}
    return names


GENERIC = ("B", "T", "d", "h", "V", "d_model", "d_ff", "heads", "m", "C", "H", "W", "F", "K", "S", "P")


def context(problem):
    """The letters of the page: the spec's own, and the usual ones of the formulas (d, h, B, T, ...; primed
    where the spec took the letter for something else); their values are the lines'."""
    from ...reader import Context

    ctx = Context()
    taken = letters(problem)
    for name in (*taken, *GENERIC, "H'", "W'", *(g + "'" * n for g in GENERIC if g in taken for n in (1, 2, 3))):
        ctx.scalars[name] = sp.Symbol(name, positive=True)
    return ctx
