"""kind: conv_output_shape -- the output shape of a convolution layer.

Per axis: out = (W - F' + 2P)/S + 1 with the effective kernel F' = D(F - 1) + 1 for dilation D; the
substitution; the result as (number of filters, width, height), as the homework writes it; the parameter
count (weights + biases) when the input's channels are given. `rounding: exact` refuses a configuration
whose size is not an integer (with the arithmetic that shows why); `floor` rounds down as frameworks do.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...rules import AS_GIVEN, WEIGHTS_PLUS_BIASES
from .fields import D, F, Fe, P, S, W, _axes
from .rules import DILATION_SPREADS_FILTER, ONE_BIAS_PER_FILTER, ONE_FILTER_PER_MAP, OUTPUT_SIZE, ROUNDED_DOWN


FORMULA = {"exact": (W - Fe + 2 * P) / S + 1, "floor": sp.floor((W - Fe + 2 * P) / S) + 1}


def _shown(w, fe, p, s, rounding):
    w, fe, p, s = (sp.sympify(v, strict=True) for v in (w, fe, p, s))
    minus_fe = sp.Mul(-1, fe, evaluate=False) if fe.is_Symbol else -fe
    top = sp.Add(w, minus_fe, sp.Mul(2, p, evaluate=False), evaluate=False)
    frac = sp.Mul(top, sp.Pow(s, -1, evaluate=False), evaluate=False)
    if rounding == "floor":
        frac = sp.floor(frac, evaluate=False)
    return mo.Shown(sp.Add(frac, 1, evaluate=False))


def solve(problem) -> Solution:
    c = problem.fields
    kernel = _axes(c.kernel, "kernel", problem, 1)
    stride = _axes(c.stride, "stride", problem, 1)
    padding = _axes(c.padding, "padding", problem, 0)
    dilation = _axes(c.dilation, "dilation", problem, 1)
    size = {"width": c.input.width, "height": c.input.height}
    part = Part()
    part.add(mo.text("number of filters"), sp.Integer(c.filters), rule=AS_GIVEN, value=sp.Integer(c.filters))
    out = {}
    for axis in ("width", "height"):
        fe = dilation[axis] * (kernel[axis] - 1) + 1
        if dilation[axis] != 1:
            shown = mo.Shown(sp.Add(sp.Mul(dilation[axis], sp.Add(kernel[axis], -1, evaluate=False),
                                           evaluate=False), 1, evaluate=False))
            part.add(mo.text(f"effective filter {axis}"), D * (F - 1) + 1, chain=[shown, sp.Integer(fe)],
                     rule=DILATION_SPREADS_FILTER, value=D * (F - 1) + 1,
                     assume={D: dilation[axis], F: kernel[axis]})
        if fe > size[axis] + 2 * padding[axis]:
            raise problem.error("kernel", f"the filter {axis} {fe} is larger than the padded input "
                                          f"{size[axis]} + 2*{padding[axis]} = {size[axis] + 2 * padding[axis]}")
        exact = sp.Rational(size[axis] - fe + 2 * padding[axis], stride[axis]) + 1
        if c.rounding == "exact" and not exact.is_integer:
            raise problem.error("stride", f"the output {axis} ({size[axis]} - {fe} + 2*{padding[axis]})/"
                                          f"{stride[axis]} + 1 = {exact} is not an integer",
                                "change stride or padding, or set rounding: floor")
        value = sp.floor(exact - 1) + 1 if c.rounding == "floor" else exact
        assume = {W: size[axis], Fe: fe, P: padding[axis], S: stride[axis]}
        formula = FORMULA[c.rounding]
        shown = _shown(size[axis], fe, padding[axis], stride[axis], c.rounding)
        fsym = Fe if dilation[axis] != 1 else F
        part.add(mo.text(f"output map {axis}"), _shown(W, fsym, P, S, c.rounding), chain=[shown, value],
                 rule=OUTPUT_SIZE if c.rounding == "exact" else ROUNDED_DOWN, value=formula.xreplace({Fe: fsym}),
                 assume={**assume, F: fe})
        out[axis] = int(value)
    answers = {"filters": Answer(sp.Integer(c.filters)), "width": Answer(sp.Integer(out["width"])),
               "height": Answer(sp.Integer(out["height"]))}
    if c.input.channels is not None:
        K, C, Fw, Fh = (sp.Symbol(s, positive=True) for s in ("K", "C", "F_w", "F_h"))
        weights = c.filters * kernel["width"] * kernel["height"] * c.input.channels
        assume = {K: c.filters, C: c.input.channels, Fw: kernel["width"], Fh: kernel["height"]}
        part.add(mo.text("weights"), mo.Times(K, Fw, Fh, C),
                 chain=[mo.Times(c.filters, kernel["width"], kernel["height"], c.input.channels),
                        sp.Integer(weights)], rule=ONE_FILTER_PER_MAP,
                 value=K * Fw * Fh * C, assume=assume)
        part.add(mo.text("biases"), K, chain=[sp.Integer(c.filters)], rule=ONE_BIAS_PER_FILTER, value=K,
                 assume=assume)
        part.add(mo.text("parameters"), mo.Shown(sp.Add(sp.Integer(weights), sp.Integer(c.filters),
                                                        evaluate=False)),
                 chain=[sp.Integer(weights + c.filters)], rule=WEIGHTS_PLUS_BIASES,
                 value=sp.Integer(weights + c.filters), therefore=False)
        answers["params"] = Answer(sp.Integer(weights + c.filters))
    part.add(mo.text("(number of filters, output map width, output map height)"),
             sp.Tuple(c.filters, out["width"], out["height"]), therefore=True,
             value=sp.Tuple(c.filters, out["width"], out["height"]))
    part.intro = "W: input size, F: filter size, P: padding, S: stride, along each axis" + (
        "; K: number of filters, C: input channels, F_w, F_h: filter width and height." if c.input.channels
        is not None else ".")
    return Solution([part], answers)


def describe(problem) -> str:
    c = problem.fields

    def size(v):
        return f"{v}" if isinstance(v, int) else f"{v.width} \\times {v.height}"

    k = c.kernel if isinstance(c.kernel, int) else None
    kernel = f"{k} \\times {k}" if k else size(c.kernel)
    channels = f" with {c.input.channels} channels" if c.input.channels else ""
    text = (f"A convolution layer takes a ${c.input.width} \\times {c.input.height}$ input{channels} and applies "
            f"{c.filters} filter{'s' if c.filters != 1 else ''} of size ${kernel}$ with stride ${size(c.stride)}$ and padding ${size(c.padding)}$")
    if c.dilation != 1:
        text += f" and dilation ${size(c.dilation)}$"
    text += (". What is the shape of its output, written as (number of filters, output map width, output map "
             "height)" + ("; and how many parameters does it have?" if c.input.channels else "?"))
    if c.rounding == "floor":
        text += " Round a fractional size down."
    return text
