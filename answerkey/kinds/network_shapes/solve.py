"""kind: network_shapes -- the output shape and parameter count of every layer of a network, and the
totals: convolution, pooling, flatten, fully connected, and transposed convolution (with output padding).

Each layer's arithmetic is shown and checked; the result is a table of every layer's output shape and
parameters. Sizes per axis:
  conv, pool:   out = (W + 2P - D(K - 1) - 1)/S + 1        (rounding: exact refuses a fraction; floor)
  deconv:       out = (W - 1)S - 2P + D(K - 1) + output_padding + 1
"""
from __future__ import annotations

from typing import Union

import sympy as sp
from pydantic import StrictInt, StrictStr

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...rules import WEIGHTS_PLUS_BIASES
from .fields import _label, parse_layers
from .rules import CONV_SIZE, DECONV_SIZE, FLATTEN, POOL_SIZE


Size = Union[StrictInt, dict[StrictStr, StrictInt]]


W, K, S, P, D, OP = (sp.Symbol(n, positive=True) for n in ("W", "K", "S", "P", "D", "O"))
SIZE_RULE = {"conv": CONV_SIZE, "deconv": DECONV_SIZE, "pool": POOL_SIZE}  # the rule of a layer's output size


def _fraction(top, bottom):
    return sp.Mul(top, sp.Pow(bottom, -1, evaluate=False), evaluate=False)


def axis_size(kind, size, k, s, p, d, op, rounding):
    """(shown formula with numbers, value, exact quotient) of one axis."""
    n = sp.Integer
    if kind == "deconv":
        shown = sp.Add(sp.Mul(sp.Add(n(size), n(-1), evaluate=False), n(s), evaluate=False),
                       sp.Mul(-2, n(p), evaluate=False), sp.Mul(n(d), sp.Add(n(k), n(-1), evaluate=False),
                                                                 evaluate=False), n(op), n(1), evaluate=False)
        value = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
        return mo.Shown(shown), n(value), None
    span = sp.Add(n(k), n(-1), evaluate=False)
    if d != 1:
        span = sp.Mul(n(d), span, evaluate=False)
    top = sp.Add(n(size), sp.Mul(2, n(p), evaluate=False), sp.Mul(-1, span, evaluate=False), n(-1), evaluate=False)
    quotient = sp.Rational(size + 2 * p - d * (k - 1) - 1, s)
    frac = _fraction(top, n(s))
    if rounding == "floor":
        frac = sp.floor(frac, evaluate=False)
        value = sp.floor(quotient) + 1
    else:
        value = quotient + 1
    return mo.Shown(sp.Add(frac, 1, evaluate=False)), value, quotient


def solve(problem) -> Solution:
    c = problem.fields
    layers = parse_layers(problem)
    shape = (c.input.channels, c.input.width, c.input.height)  # (C, W, H); flat: (N,)
    steps = Part(intro="Per layer and axis: $W' = (W + 2P - D(K - 1) - 1)/S + 1$ for convolution and "
                       "pooling, $W' = (W - 1)S - 2P + D(K - 1) + O + 1$ for a transposed convolution "
                       "($O$: output padding); parameters: weights and biases.",
                 columns=["quantity", "arithmetic", "value"])
    summary = Part(intro="Every layer's output shape (channels, width, height) and parameters.",
                   columns=["layer", "output shape", "parameters"])
    answers, total = {}, 0
    summary.add(mo.text("input"), sp.Tuple(*shape), chain=[sp.Integer(0)], check=False,
                each=[sp.Tuple(*shape), sp.Integer(0)])
    for kind, cfg, i in layers:
        name = cfg["name"]
        params = 0
        where = ("layers", i, kind)
        if kind in ("conv", "deconv", "pool"):
            if len(shape) != 3:
                raise problem.error(where, f"{kind} needs an image input (channels, width, height), not a "
                                           "flat vector: it cannot follow flatten or fc")
            channels, width, height = shape
            sizes = []
            for a, (axis, size) in enumerate((("width", width), ("height", height))):
                k, s, p, d, op = cfg["kernel"][a], cfg["stride"][a], cfg["padding"][a], cfg["dilation"][a], \
                    cfg["output_padding"][a] if kind == "deconv" else 0
                shown, value, quotient = axis_size(kind, size, k, s, p, d, op, c.rounding)
                if kind != "deconv" and size + 2 * p < d * (k - 1) + 1:
                    raise problem.error(where, f"{name}: the kernel ({d * (k - 1) + 1} with dilation) is larger "
                                               f"than the padded {axis} {size} + 2*{p} = {size + 2 * p}")
                if c.rounding == "exact" and not value.is_integer:
                    raise problem.error(where, f"{name}: the output {axis} ({size} + 2*{p} - {d}*({k} - 1) - 1)/{s}"
                                               f" + 1 = {value} is not an integer",
                                        "change stride or padding, or set rounding: floor")
                if value < 1:
                    raise problem.error(where, f"{name}: the output {axis} would be {value}")
                steps.add(mo.text(f"{name} {axis}"), shown, chain=[value], rule=SIZE_RULE[kind], value=value)
                sizes.append(int(value))
            out_channels = cfg.get("filters", channels)
            if kind in ("conv", "deconv"):
                kw, kh = cfg["kernel"]
                weights = kw * kh * channels * out_channels
                biases = out_channels if cfg["bias"] else 0
                params = weights + biases
                factors = [kw, kh, channels, out_channels]
                shown = mo.Times(*factors) if not biases else sp.Add(mo.Times(*factors), biases, evaluate=False)
                steps.add(mo.text(f"{name} parameters"), shown, chain=[sp.Integer(params)],
                          rule=WEIGHTS_PLUS_BIASES, value=sp.Integer(params))
            shape = (out_channels, sizes[0], sizes[1])
        elif kind == "flatten":
            n = shape[0] * shape[1] * shape[2] if len(shape) == 3 else shape[0]
            if len(shape) == 3:
                steps.add(mo.text(f"{name} length"), mo.Times(*shape), chain=[sp.Integer(n)], rule=FLATTEN,
                          value=sp.Integer(n))
            shape = (n,)
        elif kind == "fc":
            if len(shape) != 1:
                raise problem.error(where, f"{name}: a fully connected layer needs a flat input: add flatten first")
            units = cfg["units"]
            params = shape[0] * units + (units if cfg["bias"] else 0)
            shown = sp.Add(mo.Times(shape[0], units), units, evaluate=False) if cfg["bias"] else mo.Times(shape[0], units)
            steps.add(mo.text(f"{name} parameters"), shown, chain=[sp.Integer(params)], rule=WEIGHTS_PLUS_BIASES,
                      value=sp.Integer(params))
            shape = (units,)
        total += params
        summary.add(mo.text(name), sp.Tuple(*shape), chain=[sp.Integer(params)], check=False,
                    each=[sp.Tuple(*shape), sp.Integer(params)])
        answers[f"{_label(name)}_shape"] = Answer(sp.Tuple(*shape))
        answers[f"{_label(name)}_params"] = Answer(sp.Integer(params))
    summary.add(mo.text("total"), sp.Tuple(*shape), chain=[sp.Integer(total)], check=False,
                each=[sp.Tuple(*shape), sp.Integer(total)])
    answers["output_shape"] = Answer(sp.Tuple(*shape))
    answers["total_params"] = Answer(sp.Integer(total))
    result = Part()
    result.add(mo.text("total parameters"), sp.Integer(total), therefore=True, value=sp.Integer(total))
    return Solution([steps, summary, result], answers, data={"layers": len(layers)})


def describe(problem) -> str:
    c = problem.fields
    return (f"A network takes an input of {c.input.channels} channels of ${c.input.width} \\times "
            f"{c.input.height}$ and applies the layers listed. Give every layer's output shape and parameter "
            "count, and the total.")
