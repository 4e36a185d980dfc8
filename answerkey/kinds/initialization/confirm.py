"""kind: initialization -- the independent confirmation of its answers (no code shared with its solver).

torch.nn.init's documented formulas, written out here on their own: calculate_gain (linear, conv*,
sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2/(1 + negative_slope^2)); selu: 3/4), the fans of a
weight of shape (out, in, *kernel) (fan_in = in * receptive field, fan_out = out * receptive field),
xavier_uniform_: a = gain sqrt(6/(fan_in + fan_out)); xavier_normal_: std = gain sqrt(2/(fan_in +
fan_out)); kaiming_uniform_: bound = sqrt(3) gain/sqrt(fan); kaiming_normal_: std = gain/sqrt(fan);
LeCun: std = 1/sqrt(fan_in). The variance of U(-a, a) by numeric integration (Simpson's rule) of
x^2/(2a) over [-a, a]. Letters are given several values."""
from __future__ import annotations

import math

import sympy as sp

from ...numerics import failure
from .fields import ConvLayer, letter

TRIALS = (dict(), {"shift": 3}, {"shift": 17})  # letters: 7 + shift, 11 + 2 shift, ...


def calculate_gain(nonlinearity, param=None):
    if nonlinearity in ("linear", "conv", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(nonlinearity)


def _uniform_variance(a, steps=2000):
    h = 2 * a / steps
    total = 0.0
    for k in range(steps + 1):
        x = -a + k * h
        w = 1 if k in (0, steps) else 4 if k % 2 else 2
        total += w * x * x / (2 * a)
    return total * h / 3


def _size(v, at):
    if isinstance(v, str):
        return at[v]
    return v


def confirm(problem, solution) -> list[str]:
    c = problem.fields
    answers = solution.answers
    names = sorted({v for v in _sizes(c) if isinstance(v, str)})
    done = []
    for t, trial in enumerate(TRIALS if names else TRIALS[:1]):
        shift = trial.get("shift", 0)
        at = {n: 7 + 4 * i + shift * (i + 1) for i, n in enumerate(names)}
        subs = {letter(n): v for n, v in at.items()}
        if c.layer is not None:
            if isinstance(c.layer, ConvLayer):
                s = c.layer.conv
                k = s.kernel if isinstance(s.kernel, list) else [s.kernel, s.kernel]
                shape = [_size(s.out_channels, at), _size(s.in_channels, at)] + [_size(x, at) for x in k]
            else:
                s = c.layer.linear
                shape = [_size(s.out_features, at), _size(s.in_features, at)]
            receptive = 1
            for d in shape[2:]:
                receptive *= d
            fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
        else:
            fan_in = _size(c.fan_in, at)
            fan_out = _size(c.fan_out, at) if c.fan_out is not None else None
        family = c.scheme.split("_")[0]
        if c.gain is not None:
            gain = float(c.gain)
        elif c.nonlinearity is not None:
            gain = calculate_gain(c.nonlinearity, c.slope)
        else:
            gain = math.sqrt(2.0) if family in ("he", "kaiming") else 1.0
        if family == "xavier":
            std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        elif family in ("he", "kaiming"):
            std = gain / math.sqrt(fan_in if c.mode == "fan_in" else fan_out)
        else:
            std = 1 / math.sqrt(fan_in)
        bound = math.sqrt(3.0) * std
        want = {"variance": std ** 2, "std": std}
        if c.scheme.endswith("uniform"):
            want["bound"] = bound
            integral = _uniform_variance(bound)
            if abs(integral - std ** 2) > 1e-9 * std ** 2:
                raise failure(problem, "bound", f"the integral of x^2/(2a) over [-a, a] is {integral}, not "
                                                f"{std ** 2}")
        if c.layer is not None:
            want["fan_in"], want["fan_out"] = fan_in, fan_out
        if "gain" in answers:
            want["gain"] = gain
        for label, value in want.items():
            got = float(sp.N(sp.sympify(answers[label].expr, strict=True).xreplace(subs), 30))
            if abs(got - value) > 1e-12 * max(1.0, abs(value)):
                where = f" at {', '.join(f'{n} = {v}' for n, v in at.items())}" if at else ""
                raise failure(problem, label, f"the key says {got}{where}; torch.nn.init's formula gives {value}")
    done.append("initialization: " + ", ".join(sorted(want)) + " from torch.nn.init's formulas"
                + (f" at {len(TRIALS)} values of the letters" if names else "")
                + ("; Var(U(-a, a)) by numeric integration" if c.scheme.endswith("uniform") else ""))
    return done


def _sizes(c):
    out = [c.fan_in, c.fan_out]
    if c.layer is not None:
        if isinstance(c.layer, ConvLayer):
            s = c.layer.conv
            out += [s.in_channels, s.out_channels] + (s.kernel if isinstance(s.kernel, list) else [s.kernel])
        else:
            out += [c.layer.linear.in_features, c.layer.linear.out_features]
    return out
