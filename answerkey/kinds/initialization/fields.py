"""kind: initialization -- its fields, and the spec read into mathematical objects (shared by its solver and
its confirmation).

Schemes as torch.nn.init has them: xavier_normal / xavier_uniform (Glorot: Var = gain^2 2/(fan_in +
fan_out)), he_normal / he_uniform (also kaiming_normal / kaiming_uniform; Var = gain^2/fan, with mode fan_in
or fan_out; the gain of relu, sqrt(2), unless told otherwise), lecun_normal / lecun_uniform (Var =
1/fan_in). The gain is `gain:` or that of `nonlinearity:` (calculate_gain: linear, conv, sigmoid 1, tanh 5/3,
relu sqrt(2), leaky_relu sqrt(2/(1 + slope^2)) with slope 0.01 by default, selu 3/4). The fans are given, or
come from `layer:` -- linear: {in_features, out_features}; conv: {in_channels, out_channels, kernel} with
fan_in = C_in k_h k_w and fan_out = C_out k_h k_w. Sizes are numbers or letters (n_in)."""
from __future__ import annotations

from typing import Literal, Union

import sympy as sp
from pydantic import StrictInt

from ..common import Fields, Name, Number, _exact, keyed_union

Size = Union[StrictInt, Name]
SCHEMES = ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "kaiming_normal", "kaiming_uniform",
           "lecun_normal", "lecun_uniform")
NONLINEARITIES = ("linear", "conv", "sigmoid", "tanh", "relu", "leaky_relu", "selu")


class ConvShape(Fields):
    in_channels: Size
    out_channels: Size
    kernel: Union[Size, list[Size]]


class LinearShape(Fields):
    in_features: Size
    out_features: Size


class ConvLayer(Fields):
    conv: ConvShape


class LinearLayer(Fields):
    linear: LinearShape


Layer = keyed_union({"conv": ConvLayer, "linear": LinearLayer}, "a layer is {conv: {in_channels, out_channels, "
                                                                "kernel}} or {linear: {in_features, out_features}}")


class InitFields(Fields):
    scheme: Literal["xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "kaiming_normal",
                    "kaiming_uniform", "lecun_normal", "lecun_uniform"]
    fan_in: Size | None = None
    fan_out: Size | None = None
    layer: Layer | None = None
    gain: Number | None = None
    nonlinearity: Literal["linear", "conv", "sigmoid", "tanh", "relu", "leaky_relu", "selu"] | None = None
    slope: Number | None = None
    mode: Literal["fan_in", "fan_out"] = "fan_in"


def letter(name: str) -> sp.Symbol:
    """A size's letter as the page writes it: n_in is n_{in}."""
    base, _, sub = name.partition("_")
    return sp.Symbol(f"{base}_{{{sub}}}" if sub else base, integer=True, positive=True)


def size(problem, value, field, minimum=1):
    if isinstance(value, str):
        return letter(value)
    if value < minimum:
        raise problem.error(field, f"expected a size >= {minimum}, got {value}")
    return sp.Integer(value)


N_IN, N_OUT, C_IN, C_OUT, K_H, K_W = (sp.Symbol(s, integer=True, positive=True)  # sizes: positive integers
                                      for s in ("n_{in}", "n_{out}", "C_{in}", "C_{out}", "k_h", "k_w"))
G, A, SLOPE = sp.Symbol("g", positive=True), sp.Symbol("a", positive=True), sp.Symbol("alpha", positive=True)


def setup(problem) -> dict:
    """{family: xavier | he | lecun, dist: normal | uniform, fan_in, fan_out (numbers or letters), layer:
    None or (kind, {letter: value}), gain: (its value, how: 'given' | a nonlinearity | None), slope, mode}."""
    c = problem.fields
    family = {"xavier": "xavier", "he": "he", "kaiming": "he", "lecun": "lecun"}[c.scheme.split("_")[0]]
    dist = c.scheme.split("_")[1]
    layer = None
    if c.layer is not None:
        for f in ("fan_in", "fan_out"):
            if getattr(c, f) is not None:
                raise problem.error(f, f"give {f} or layer, not both", "the layer's shape gives the fans")
        if isinstance(c.layer, ConvLayer):
            s = c.layer.conv
            k = s.kernel if isinstance(s.kernel, list) else [s.kernel, s.kernel]
            if len(k) != 2:
                raise problem.error(("layer", "conv", "kernel"), "a kernel is a size or [height, width]")
            values = {C_IN: size(problem, s.in_channels, ("layer", "conv", "in_channels")),
                      C_OUT: size(problem, s.out_channels, ("layer", "conv", "out_channels")),
                      K_H: size(problem, k[0], ("layer", "conv", "kernel")),
                      K_W: size(problem, k[1], ("layer", "conv", "kernel"))}
            fan_in = values[C_IN] * values[K_H] * values[K_W]
            fan_out = values[C_OUT] * values[K_H] * values[K_W]
            layer = ("conv", values)
        else:
            s = c.layer.linear
            fan_in = size(problem, s.in_features, ("layer", "linear", "in_features"))
            fan_out = size(problem, s.out_features, ("layer", "linear", "out_features"))
            layer = ("linear", {N_IN: fan_in, N_OUT: fan_out})
    else:
        if c.fan_in is None:
            raise problem.error("scheme", "fan_in is missing", "give fan_in (and fan_out for Xavier), or layer:")
        fan_in = size(problem, c.fan_in, "fan_in")
        if c.fan_out is None and (family == "xavier" or (family == "he" and c.mode == "fan_out")):
            raise problem.error("fan_in", f"{c.scheme}" + (" with mode fan_out" if family == "he" else "")
                                + " needs fan_out too")
        fan_out = size(problem, c.fan_out, "fan_out") if c.fan_out is not None else None
    for f, v in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(v, sp.Symbol) and v in (G, A):
            raise problem.error(f, f"the letter {v} is the page's {'gain' if v == G else 'bound'}",
                                "name the size another way, e.g. n_in")
    if c.mode == "fan_out" and family != "he":
        raise problem.error("mode", f"mode is He/Kaiming's; {c.scheme} uses " +
                            ("both fans" if family == "xavier" else "fan_in"))
    if c.gain is not None and c.nonlinearity is not None:
        raise problem.error("gain", "give gain or nonlinearity, not both", "nonlinearity gives PyTorch's gain")
    if c.slope is not None and c.nonlinearity != "leaky_relu":
        raise problem.error("slope", "slope is leaky_relu's negative slope: set nonlinearity: leaky_relu")
    slope = None
    if c.gain is not None:
        if c.gain <= 0:
            raise problem.error("gain", f"the gain must be positive, got {c.gain}")
        gain, how = _exact(c.gain), "given"
    elif c.nonlinearity is not None:
        how = c.nonlinearity
        if how == "leaky_relu":
            slope = _exact(c.slope if c.slope is not None else 0.01)
            if slope < 0:
                raise problem.error("slope", f"the negative slope cannot be negative, got {c.slope}")
        gain = GAINS[how](slope)
    elif family == "he":
        gain, how = sp.sqrt(2), "relu"
    else:
        gain, how = sp.Integer(1), None
    if family == "lecun" and how is not None and how != "linear" and how != "conv":
        raise problem.error("gain" if c.gain is not None else "nonlinearity",
                            "LeCun's scheme has no gain (Var = 1/fan_in); choose a He or Xavier scheme for a gain")
    return dict(family=family, dist=dist, fan_in=fan_in, fan_out=fan_out, layer=layer, gain=gain, how=how,
                slope=slope, mode=c.mode)


GAINS = {"linear": lambda a: sp.Integer(1), "conv": lambda a: sp.Integer(1), "sigmoid": lambda a: sp.Integer(1),
         "tanh": lambda a: sp.Rational(5, 3), "relu": lambda a: sp.sqrt(2),
         "leaky_relu": lambda a: sp.sqrt(2 / (1 + a ** 2)), "selu": lambda a: sp.Rational(3, 4)}


def context(problem):
    """The letters of the formulas (n_in, n_out, C_in, C_out, k_h, k_w, g, a, alpha, sigma_w, sigma_x,
    sigma_z) and the letters the spec gives sizes in; their values are each line's."""
    from ...reader import Context

    info = setup(problem)
    ctx = Context()
    names = [N_IN, N_OUT, C_IN, C_OUT, K_H, K_W, G, A, SLOPE] + [sp.Symbol(f"sigma_{s}", positive=True)
                                                                 for s in ("w", "x", "z")]
    for v in (info["fan_in"], info["fan_out"], *(info["layer"][1].values() if info["layer"] else ())):
        if isinstance(v, sp.Basic):
            names += sorted(v.free_symbols, key=str)
    for s in names:
        ctx.scalars[s.name] = s
    return ctx
