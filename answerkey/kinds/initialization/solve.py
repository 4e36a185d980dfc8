"""kind: initialization -- the fans (from the layer when given), the gain, the scheme's variance in its own
letters then in numbers, the standard deviation, the bound of the uniform variant with Var(U(-a, a)) = a^2/3
shown equal to the variance, and the reason: Var(y) = n_in sigma_w^2 sigma_x^2 for zero-mean independent
inputs, kept at sigma_x^2 by sigma_w^2 = 1/n_in; a ReLU halves the second moment, hence He's 2."""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...printer import tex
from .fields import A, C_IN, C_OUT, G, K_H, K_W, N_IN, N_OUT, SLOPE, setup
from .rules import (CONV_FAN_IN, CONV_FAN_OUT, GAIN_GIVEN, GAIN_OF, GLOROT_BOUND, GLOROT_VARIANCE, HE_BOUND,
                    HE_VARIANCE, KEPT_VARIANCE, LECUN_BOUND, LECUN_VARIANCE, LINEAR_FAN_IN, LINEAR_FAN_OUT,
                    PRODUCT_VARIANCE, RELU_HALVES, ROUNDED, STD_ROOT, SUM_VARIANCE, UNIFORM_VARIANCE)
from ...rules import then

SIGMA_W, SIGMA_X, SIGMA_Z = (sp.Symbol(f"sigma_{s}", positive=True) for s in ("w", "x", "z"))
NAMES = {"xavier": "Xavier (Glorot)", "he": "He (Kaiming)", "lecun": "LeCun"}


def _root(e):
    return sp.Pow(e, sp.Rational(1, 2), evaluate=False)


def _frac(top, bottom):
    if top == 1:
        return sp.Pow(bottom, -1, evaluate=False)
    return sp.Mul(top, sp.Pow(bottom, -1, evaluate=False), evaluate=False)


def _short(v) -> bool:
    """v prints exactly (an integer, a short decimal): no rounded line after it."""
    v = sp.nsimplify(v)
    if not v.is_Rational:
        return False
    q = int(v.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1 and len(str(sp.Float(v, 15)).rstrip("0")) <= 10


def _line(part, lhs, letters, numbers, value, rule, vals, numeric, therefore=False, meaning=None, rounded=True):
    """lhs = the formula in letters = the numbers in it = the value; a rounded line after a long value."""
    chain = []
    if numeric:
        if numbers is not None:
            chain.append(mo.Shown(numbers))
        chain.append(value)
    elif tex(value) != tex(letters):  # the letters that have numbers (the gain) put in
        chain.append(value)
    part.add(lhs, letters, chain=chain, rule=rule, value=letters if meaning is None else meaning, assume=vals,
             therefore=therefore and (not numeric or _short(value)))
    if numeric and rounded and not _short(value):
        part.add(lhs, sp.Float(sp.N(value, 30), 30), rule=ROUNDED, value=value, approx=True, assume=vals,
                 therefore=therefore)


def solve(problem) -> Solution:
    info = setup(problem)
    family, dist, fan_in, fan_out, gain, how = (info[k] for k in ("family", "dist", "fan_in", "fan_out", "gain",
                                                                  "how"))
    answers = {}
    vals = {N_IN: fan_in, G: gain}
    if fan_out is not None:
        vals[N_OUT] = fan_out
    if info["slope"] is not None:
        vals[SLOPE] = info["slope"]
    parts = []
    if info["layer"] is not None:
        kind, values = info["layer"]
        vals.update(values)
        fans = Part(intro="The fans from the layer's shape" + (
            ": its weight has shape $C_{out} \\times C_{in} \\times k_h \\times k_w$." if kind == "conv" else "."))
        if kind == "conv":
            numeric = all(v.is_number for v in values.values())
            fans.add(N_IN, C_IN * K_H * K_W, chain=[mo.Times(values[C_IN], values[K_H], values[K_W]), fan_in]
                     if numeric else [], rule=CONV_FAN_IN, value=C_IN * K_H * K_W, assume=dict(vals))
            fans.add(N_OUT, C_OUT * K_H * K_W, chain=[mo.Times(values[C_OUT], values[K_H], values[K_W]), fan_out]
                     if numeric else [], rule=CONV_FAN_OUT, value=C_OUT * K_H * K_W, assume=dict(vals))
        else:
            fans.add(N_IN, fan_in, rule=LINEAR_FAN_IN, value=N_IN, assume=dict(vals))
            fans.add(N_OUT, fan_out, rule=LINEAR_FAN_OUT, value=N_OUT, assume=dict(vals))
        parts.append(fans)
        answers["fan_in"] = Answer(fan_in)
        answers["fan_out"] = Answer(fan_out)
    fan = N_OUT if family == "he" and info["mode"] == "fan_out" else N_IN
    numeric = all(v.is_number for v in vals.values())
    show_gain = how is not None and family != "lecun"
    scheme = Part(intro=f"{NAMES[family]} {dist} initialisation, " + (
        "as torch.nn.init defines it" if family != "lecun" else
        "as Keras defines it (in torch.nn.init: kaiming with the linear gain, mode fan_in)")
                  + (f", with the gain $g$ of {how}" if show_gain and how != "given" else
                     ", with the gain $g$ given" if how == "given" else "") + ".")
    if show_gain:
        if how == "leaky_relu":
            letters = _root(_frac(2, 1 + SLOPE ** 2))
            numbers = _root(_frac(2, sp.Add(1, sp.Pow(info["slope"], 2, evaluate=False), evaluate=False)))
            _line(scheme, G, letters, numbers, gain, GAIN_OF.at(nonlinearity=how), vals, True)
        else:
            scheme.add(G, gain, rule=GAIN_GIVEN if how == "given" else GAIN_OF.at(nonlinearity=how), value=gain,
                       assume=vals)
        answers["gain"] = Answer(gain)
    g2 = G ** 2 if show_gain else sp.Integer(1)
    gshown = sp.Pow(gain, 2, evaluate=False) if show_gain else None

    def times_gain(e):
        return e if gshown is None else sp.Mul(gshown, e, evaluate=False)

    fan_value = vals[fan]
    if family == "xavier":
        var_letters = g2 * _frac(2, N_IN + N_OUT) if show_gain else _frac(2, N_IN + N_OUT)
        var_numbers = times_gain(_frac(2, sp.Add(fan_in, fan_out, evaluate=False)))
        rule = GLOROT_VARIANCE
    elif family == "he":
        var_letters = _frac(g2, fan)
        var_numbers = _frac(gshown if gshown is not None else 1, fan_value)
        rule = HE_VARIANCE.at(mode=info["mode"].replace("_", " "))
    else:
        var_letters, var_numbers, rule = _frac(1, N_IN), _frac(1, fan_in), LECUN_VARIANCE
    var_formula = var_letters.doit() if hasattr(var_letters, "doit") else var_letters
    variance = sp.simplify(var_formula.xreplace(vals))
    var_label = mo.text("Var(W)")
    _line(scheme, var_label, var_letters, var_numbers, variance, rule, vals, numeric,
          therefore=dist == "normal")
    std = sp.sqrt(variance)
    _line(scheme, mo.text("std"), _root(var_letters), None, std, STD_ROOT, vals, numeric,
          therefore=dist == "normal")
    answers["variance"] = Answer(variance)
    answers["std"] = Answer(std)
    if dist == "uniform":
        if family == "xavier":
            b_letters = _root(_frac(6, N_IN + N_OUT))
            b_numbers = _root(_frac(6, sp.Add(fan_in, fan_out, evaluate=False)))
            rule = GLOROT_BOUND
        elif family == "he":
            b_letters, b_numbers, rule = _root(_frac(3, fan)), _root(_frac(3, fan_value)), HE_BOUND
        else:
            b_letters, b_numbers, rule = _root(_frac(3, N_IN)), _root(_frac(3, fan_in)), LECUN_BOUND
        if show_gain:
            b_letters = sp.Mul(G, b_letters, evaluate=False)
            b_numbers = sp.Mul(gain, b_numbers, evaluate=False)
        bound = sp.simplify(b_letters.doit().xreplace(vals))
        with_a = {**vals, A: bound}
        _line(scheme, A, b_letters, b_numbers, bound, rule, with_a, numeric, therefore=True)
        _line(scheme, mo.text("Var(U)"), _frac(A ** 2, 3), None, variance, UNIFORM_VARIANCE, with_a, numeric, meaning=var_formula,
              rounded=False)
        answers["bound"] = Answer(bound)
    parts.append(scheme)
    parts.append(_reason(family, how, info["mode"]))
    return Solution(parts, answers)


def _reason(family, how, mode) -> Part:
    relu = family == "he" and how in ("relu", "leaky_relu")
    part = Part(intro="Why: one unit computes $y = \\sum_{j=1}^{n_{in}} w_j x_j$ with the $w_j$ and the inputs "
                      "independent, and the $w_j$ of zero mean and variance $\\sigma_w^2$" +
                      (". Its input $x_j = \\mathrm{relu}(z_j)$ comes from a previous unit $z_j$ of zero mean, "
                       "symmetric, of variance $\\sigma_z^2$; $\\mu_2$ is its second moment $E[x_j^2]$." if relu else
                       ", the $x_j$ of zero mean and variance $\\sigma_x^2$.") + (
                          " Glorot asks the same of the gradients flowing back, $n_{out} \\sigma_w^2 = 1$, and "
                          "takes $\\sigma_w^2 = 2/(n_{in} + n_{out})$ between the two." if family == "xavier" else
                          " Mode fan_out makes the same argument for the gradients flowing back, with "
                          "$n_{out}$." if family == "he" and mode == "fan_out" else ""))
    var_y = mo.text("Var(y)")
    if relu:
        moment = sp.Symbol("\\mu_{2}")
        part.add(moment, _frac(SIGMA_Z ** 2, 2), rule=RELU_HALVES, value=SIGMA_Z ** 2 / 2)
        part.add(var_y, mo.Times(N_IN, SIGMA_W ** 2, moment), chain=[N_IN * SIGMA_W ** 2 * SIGMA_Z ** 2 / 2],
                 rule=then(PRODUCT_VARIANCE, SUM_VARIANCE), value=N_IN * SIGMA_W ** 2 * SIGMA_Z ** 2 / 2,
                 assume={moment: SIGMA_Z ** 2 / 2})
        kept = {SIGMA_W: sp.sqrt(2 / N_IN)}
        part.add(var_y, mo.Times(N_IN, _frac(2, N_IN), _frac(SIGMA_Z ** 2, 2)), chain=[SIGMA_Z ** 2],
                 rule=KEPT_VARIANCE.at(variance="2/n_{in}"), value=N_IN * SIGMA_W ** 2 * SIGMA_Z ** 2 / 2,
                 assume=kept, note="With $\\sigma_w^2 = 2/n_{in}$:", therefore=True)
    else:
        part.add(var_y, N_IN * SIGMA_W ** 2 * SIGMA_X ** 2, rule=then(PRODUCT_VARIANCE, SUM_VARIANCE),
                 value=N_IN * SIGMA_W ** 2 * SIGMA_X ** 2)
        kept = {SIGMA_W: sp.sqrt(1 / N_IN)}
        part.add(var_y, mo.Times(N_IN, _frac(1, N_IN), SIGMA_X ** 2), chain=[SIGMA_X ** 2],
                 rule=KEPT_VARIANCE.at(variance="1/n_{in}"), value=N_IN * SIGMA_W ** 2 * SIGMA_X ** 2,
                 assume=kept, note="With $\\sigma_w^2 = 1/n_{in}$:", therefore=True)
    return part


def describe(problem) -> str:
    info = setup(problem)
    c = problem.fields
    if info["layer"] is not None:
        kind, values = info["layer"]
        if kind == "conv":
            shape = (f"a convolution layer with ${tex(values[C_IN])}$ input channels, ${tex(values[C_OUT])}$ "
                     f"output channels and a ${tex(values[K_H])} \\times {tex(values[K_W])}$ kernel")
        else:
            shape = (f"a linear layer with ${tex(info['fan_in'])}$ input and ${tex(info['fan_out'])}$ output "
                     "features")
    else:
        shape = f"a layer with fan\\_in ${tex(info['fan_in'])}$" + (
            f" and fan\\_out ${tex(info['fan_out'])}$" if info["fan_out"] is not None else "")
    gain = ""
    if c.nonlinearity is not None:
        gain = f" for a {c.nonlinearity.replace('_', ' ')} nonlinearity" + (
            f" (negative slope {tex(info['slope'])})" if info["slope"] is not None else "")
    elif c.gain is not None:
        gain = f" with gain ${tex(info['gain'])}$"
    ask = "the variance and the standard deviation" + (" and the bound $a$ of $U(-a, a)$"
                                                       if info["dist"] == "uniform" else "")
    mode = f" (mode {c.mode.replace('_', chr(92) + '_')})" if info["family"] == "he" else ""
    return (f"Initialise the weights of {shape} with {NAMES[info['family']]} {info['dist']} initialisation"
            f"{mode}{gain}: find {ask}. Show why the scheme keeps the variance of a unit's output, "
            "$\\mathrm{Var}(y) = n_{in} \\mathrm{Var}(w) \\mathrm{Var}(x)$, at the variance of its inputs.")
