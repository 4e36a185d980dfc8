"""kind: tensor_op -- a correlation, convolution or pooling of given arrays, window by window.

The output size along each axis by conv_output_shape's rule, (W - F' + 2P)/S + 1 with F' = D(F - 1) + 1;
the padded input when there is padding; for a convolution the flipped kernel; the first `show` windows
entry by entry (y_{11} = x_{11} k_{11} + x_{12} k_{12} + ... = 1 \\times 2 + ... = 7: the padding's zeros add
nothing, so only the input's own entries are written); then the whole output, one matrix per output map.
Conventions are PyTorch's: a correlation is conv2d; a convolution flips the kernel in both axes; the
default stride of a pooling is its kernel; max pooling never takes a padding cell; average pooling counts
the padding's zeros in the mean.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...printer import tex
from ..conv_output_shape.rules import DILATION_SPREADS_FILTER, OUTPUT_SIZE, ROUNDED_DOWN
from ..conv_output_shape.solve import FORMULA, _shown
from .fields import D, F, Fe, P, S, W, b_entry, entry_values, k_entry, setup, x_entry
from .rules import (CHANNELS_ADDED, CHANNELS_ADDED_BIAS, FLIPPED_KERNEL, FLIPPED_KERNEL_1D, IN_NUMBERS, WHOLE_OUTPUT, WINDOW_MAX, WINDOW_MEAN, WINDOW_PRODUCTS,
                    WINDOW_PRODUCTS_FLIPPED, ZERO_PADDING)

Y = sp.IndexedBase("y")
S_ = sp.IndexedBase("s")  # a channel's part of an output entry
AXES = {"height": 1, "width": 2}  # the axis of a channel's rows x columns


def output_size(problem, s, part: Part | None = None) -> dict:
    """The output's {height, width}, each by the formula (its lines added to `part`); errors for a kernel
    larger than the padded input and for a size that is not an integer (unless rounding: floor)."""
    rounding = problem.fields.rounding
    rows, cols = len(s.x[0]), len(s.x[0][0])
    size = {"height": rows, "width": cols}
    out = {}
    for axis in ("height", "width") if s.dims == 2 else ("width",):
        name = "length" if s.dims == 1 else axis
        k, st, p, d = s.size[axis], s.stride[axis], s.padding[axis], s.dilation[axis]
        fe = d * (k - 1) + 1
        if fe > size[axis] + 2 * p:
            what = "kernel" if s.dims == 1 else f"kernel {axis}"
            raise problem.error("kernel", f"the {what} {fe}{' (dilated)' if d != 1 else ''} is larger than the "
                                          f"padded input: {size[axis]} + 2*{p} = {size[axis] + 2 * p}",
                                "a smaller kernel or dilation, or more padding")
        exact = sp.Rational(size[axis] - fe + 2 * p, st) + 1
        if rounding == "exact" and not exact.is_integer:
            raise problem.error("stride", f"the output {name} ({size[axis]} - {fe} + 2*{p})/{st} + 1 = {exact} is "
                                          "not an integer", "change stride or padding, or set rounding: floor")
        value = sp.floor(exact - 1) + 1 if rounding == "floor" else exact
        out[axis] = int(value)
        if part is None:
            continue
        if d != 1:
            shown = mo.Shown(sp.Add(sp.Mul(d, sp.Add(k, -1, evaluate=False), evaluate=False), 1, evaluate=False))
            part.add(mo.text(f"dilated kernel {name}"), D * (F - 1) + 1, chain=[shown, sp.Integer(fe)],
                     rule=DILATION_SPREADS_FILTER, value=D * (F - 1) + 1, assume={D: d, F: k})
        fsym = Fe if d != 1 else F
        part.add(mo.text(f"output {name}"), _shown(W, fsym, P, S, rounding),
                 chain=[_shown(size[axis], fe, p, st, rounding), value],
                 rule=OUTPUT_SIZE if rounding == "exact" else ROUNDED_DOWN,
                 value=FORMULA[rounding].xreplace({Fe: fsym}), assume={W: size[axis], Fe: fe, F: fe, P: p, S: st})
    if s.dims == 1:
        out["height"] = 1
    return out


def _matrix(rows) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(rows)


class WindowMax(mo.Display):
    """max(a, b, ...) of a window's entries in the window's order, repeats kept (SymPy's Max sorts them and
    drops repeats); its value is the largest."""

    def value(self):
        return sp.Max(*self.args)

    def _latex(self, printer):
        return "\\max\\left(" + ", ".join(printer._print(a) for a in self.args) + "\\right)"


def padded(s, channel) -> list:
    """A channel with its zero padding, as rows."""
    ph, pw = s.padding["height"], s.padding["width"]
    width = len(channel[0]) + 2 * pw
    zero = [sp.Integer(0)] * width
    return [list(zero) for _ in range(ph)] + [[sp.Integer(0)] * pw + list(r) + [sp.Integer(0)] * pw
                                              for r in channel] + [list(zero) for _ in range(ph)]


def y_entry(s, m: int, i: int, j: int):
    """The page's name of output entry (map m, row i, column j), from 0: y_{ij}, y_{mij}, y_j."""
    several = s.filters_given if s.k is not None else s.channels_given
    index = ([m + 1] if several else []) + ([i + 1] if s.dims == 2 else []) + [j + 1]
    return Y[tuple(index)]


def taps(s, i: int, j: int):
    """The input cells (row, column) that output (i, j)'s window covers and the kernel cell of each:
    ((input row, input column) or None for a padding cell, (kernel row, kernel column))."""
    out = []
    for a in range(s.size["height"]):
        for b in range(s.size["width"]):
            r = i * s.stride["height"] + a * s.dilation["height"] - s.padding["height"]
            c = j * s.stride["width"] + b * s.dilation["width"] - s.padding["width"]
            inside = 0 <= r < len(s.x[0]) and 0 <= c < len(s.x[0][0])
            out.append(((r, c) if inside else None, (a, b)))
    return out


def window(s, m: int, i: int, j: int):
    """Output (m, i, j) of a pooling: (its form in entries, its form in numbers, its value); of a correlation
    or convolution: per input channel (the products in entries, the products in numbers, their sum)."""
    values = entry_values(s)
    cells = taps(s, i, j)
    if s.op in ("max_pool", "avg_pool"):
        names = [x_entry(s, m, *cell) for cell, _ in cells if cell is not None]
        if not names:
            raise CannotPool(i, j)
        nums = [values[n] for n in names]
        if s.op == "max_pool":
            return (WindowMax(*names) if len(names) > 1 else names[0],
                    WindowMax(*nums) if len(nums) > 1 else nums[0], max(nums))
        count = s.size["height"] * s.size["width"]
        return (mo.Shown(sp.Mul(sp.Add(*names, evaluate=False), sp.Pow(count, -1, evaluate=False), evaluate=False)),
                mo.Shown(sp.Mul(sp.Add(*nums, evaluate=False), sp.Pow(count, -1, evaluate=False), evaluate=False)),
                sp.Add(*nums) / count)
    kh, kw = s.size["height"], s.size["width"]
    sums = []
    for c in range(s.channels):
        named, numbers, total = [], [], sp.Integer(0)
        for cell, (a, b) in cells:
            if cell is None:
                continue
            if s.op == "convolve":  # the flipped kernel's (a, b) is the kernel's (kh - 1 - a, kw - 1 - b)
                a, b = kh - 1 - a, kw - 1 - b
            xe, ke = x_entry(s, c, *cell), k_entry(s, m, c, a, b)
            named.append(sp.Mul(xe, ke, evaluate=False))
            numbers.append(mo.Times(values[xe], values[ke]))
            total += values[xe] * values[ke]
        sums.append((named, numbers, total))
    return sums


def _added(terms):
    return mo.Shown(sp.Add(*terms, evaluate=False)) if len(terms) > 1 else terms[0]


def _emit(part, lhs, named, numbers, value, rule, values, note="", therefore=False):
    """lhs = named = numbers = value on one line, or on two (lhs = named; lhs = numbers = value) when the
    sum is long; nothing but lhs = value when there is no term."""
    if not named:
        part.add(lhs, sp.Integer(0), rule=rule, value=value, assume=values, note=note)
        return
    chain = [f for f in (numbers, value) if f is not None]
    if len(named) > 4:
        part.add(lhs, _added(named), rule=rule, value=value, assume=values, note=note)
        part.add(lhs, _added(numbers), chain=[value], rule=IN_NUMBERS, value=value, assume=values)
        return
    chain = [_added(numbers), value] if len(numbers) > 1 or numbers[0] != value else [value]
    part.add(lhs, _added(named), chain=chain, rule=rule, value=value, assume=values, note=note)


def _window_lines(part, problem, s, m, i, j, rule, values):
    """The lines of output (m, i, j), worked out; its value."""
    lhs = y_entry(s, m, i, j)
    if s.op in ("max_pool", "avg_pool"):
        named, numbers, value = window(s, m, i, j)
        chain = [numbers, value] if numbers != value else [value]
        part.add(lhs, named, chain=[] if named == value else chain, rule=rule, value=value, assume=values)
        return value
    sums = window(s, m, i, j)
    bias = s.bias[m] if s.bias is not None else None
    total = sum((t for _, _, t in sums), sp.Integer(0)) + (bias or 0)
    if len(sums) == 1:
        named, numbers, _ = sums[0]
        if bias is not None:
            named, numbers = named + [b_entry(s, m)], numbers + [bias]
        _emit(part, lhs, named, numbers, total, rule, values)
        return total
    names = []
    for c, (named, numbers, t) in enumerate(sums):
        name = S_[tuple(([m + 1] if s.filters_given else []) + [c + 1] + ([i + 1] if s.dims == 2 else []) + [j + 1])]
        names.append(name)
        _emit(part, name, named, numbers, t, rule, values)
    parts = [t for _, _, t in sums]
    if bias is not None:
        part.add(lhs, _added(names + [b_entry(s, m)]), chain=[_added(parts + [bias]), total],
                 rule=CHANNELS_ADDED_BIAS, value=total, assume=values)
    else:
        part.add(lhs, _added(names), chain=[_added(parts), total], rule=CHANNELS_ADDED, value=total, assume=values)
    return total


class CannotPool(Exception):
    def __init__(self, i, j):
        self.at = (i, j)


def _empty(problem, i, j):
    return problem.error("padding", f"the window of output row {i + 1}, column {j + 1} lies entirely in the "
                                    "padding: max pooling has nothing to take", "padding at most half the kernel")


def _value(problem, s, m, i, j):
    try:
        got = window(s, m, i, j)
    except CannotPool:
        raise _empty(problem, i, j) from None
    if s.op in ("max_pool", "avg_pool"):
        return got[2]
    return sum((t for _, _, t in got), sp.Integer(0)) + (s.bias[m] if s.bias is not None else 0)


def solve(problem) -> Solution:
    s = setup(problem)
    values = entry_values(s)
    part = Part()
    size = output_size(problem, s, part)
    pool = s.op in ("max_pool", "avg_pool")
    maps = s.filters if not pool else s.channels
    if any(s.padding.values()) and s.op != "max_pool":
        p = s.padding["width"] if s.padding["width"] == s.padding["height"] or s.dims == 1 else \
            f"{s.padding['height']} rows and {s.padding['width']} columns"
        for c, channel in enumerate(s.x):
            label = "padded input" + (f", channel {c + 1}" if s.channels_given else "")
            rows = padded(s, channel)
            part.add(mo.text(label), _matrix(rows), rule=ZERO_PADDING.at(p=str(p)), value=_matrix(rows))
    if s.op == "convolve":
        for f, kernel in enumerate(s.k):
            for c, channel in enumerate(kernel):
                label = "flipped kernel" + (f", filter {f + 1}" if s.filters_given else "") + \
                    (f", channel {c + 1}" if s.channels_given else "")
                flipped = _matrix([list(reversed(r)) for r in reversed(channel)])
                part.add(mo.text(label), flipped, rule=FLIPPED_KERNEL if s.dims == 2 else FLIPPED_KERNEL_1D,
                         value=flipped)
    rule = {"correlate": WINDOW_PRODUCTS, "convolve": WINDOW_PRODUCTS_FLIPPED, "max_pool": WINDOW_MAX,
            "avg_pool": WINDOW_MEAN}[s.op]
    out = []
    for m in range(maps):
        rows, shown = [], 0
        for i in range(size["height"]):
            row = []
            for j in range(size["width"]):
                if shown < problem.fields.show:
                    shown += 1
                    try:
                        value = _window_lines(part, problem, s, m, i, j, rule, values)
                    except CannotPool:
                        raise _empty(problem, i, j) from None
                else:
                    value = _value(problem, s, m, i, j)
                row.append(value)
            rows.append(row)
        out.append(_matrix(rows))
    answers = {}
    for m, matrix in enumerate(out):
        if maps == 1:
            lhs = sp.Symbol("y")
        else:
            lhs = mo.text(f"output, {'channel' if pool else 'filter'} {m + 1}")
        part.add(lhs, matrix, rule=WHOLE_OUTPUT, value=matrix, therefore=True)
        value = matrix.T if s.dims == 1 else matrix  # a 1-D output: a list of numbers
        answers["output" if maps == 1 else f"output_{m + 1}"] = Answer(value, display=matrix)
    part.intro = _intro(s)
    return Solution([part], answers)


def _intro(s) -> str:
    if s.dims == 2:
        x = "$x_{cij}$: channel c, row i, column j of the input" if s.channels_given else \
            "$x_{ij}$: row i, column j of the input"
    else:
        x = "$x_{ci}$: channel c, entry i of the input" if s.channels_given else "$x_i$: entry i of the input"
    text = f"W: input size, F: kernel size, P: padding, S: stride{' along each axis' if s.dims == 2 else ''}; {x}"
    if s.k is not None:
        idx = ("f" if s.filters_given else "") + ("c" if s.channels_given else "") + ("ij" if s.dims == 2 else "i")
        text += f"; ${'k_' + idx if len(idx) == 1 else 'k_{' + idx + '}'}$: the kernel's entries" + \
            (" (filter f)" if s.filters_given else "")
        if s.bias is not None:
            text += "; $b_f$: the bias of filter f" if s.filters_given else "; b: the bias"
        if s.channels_given:
            sidx = ("f" if s.filters_given else "") + "c" + ("ij" if s.dims == 2 else "i")
            yidx = ("f" if s.filters_given else "") + ("ij" if s.dims == 2 else "i")
            text += f"; $s_{{{sidx}}}$: channel c's part of ${'y_' + yidx if len(yidx) == 1 else 'y_{' + yidx + '}'}$"
    if s.op == "max_pool" and any(s.padding.values()):
        text += "; a padding cell is never the maximum"
    if any(s.padding.values()) and s.op != "max_pool":
        text += "; the padding's zeros add nothing to a window's sum, so only the input's entries are written"
    return text + "."


def describe(problem) -> str:
    s = setup(problem)
    what = {"correlate": "the cross-correlation (as a convolution layer computes it)",
            "convolve": "the convolution (the kernel flipped)", "max_pool": "the max pooling",
            "avg_pool": "the average pooling"}[s.op]

    def arrays(name, channels, labels):
        if len(channels) == 1 and not labels:
            return f"{name} = {tex(_matrix(channels[0]))}"
        return f"{name}:\\ " + ",\\ ".join(f"\\text{{{label}}}\\ {tex(_matrix(ch))}"
                                         for label, ch in zip(labels, channels))

    inp = arrays("x", s.x, [f"channel {c + 1}" for c in range(s.channels)] if s.channels_given else [])
    shown = [inp]
    if s.k is not None:
        for f, kernel in enumerate(s.k):
            name = f"k_{{{f + 1}}}" if s.filters_given else "k"
            shown.append(arrays(name, kernel, [f"channel {c + 1}" for c in range(s.channels)]
                                if s.channels_given else []))
        names = [f"$k_{{{f + 1}}}$" for f in range(s.filters)]
        kernel = (f"the kernels {', '.join(names[:-1])} and {names[-1]} (one per filter)" if s.filters <= 4 else
                  f"the kernels $k_1, \\dots, k_{{{s.filters}}}$ (one per filter)") if s.filters_given else "the kernel $k$"
        text = f"Compute {what} of the input $x$ with {kernel}"
    else:
        size = f"${s.size['height']} \\times {s.size['width']}$" if s.dims == 2 else f"{s.size['width']}"
        text = f"Compute {what} of the input $x$ with a window of size {size}"

    def ax(d):
        return f"${d['width']}$" if s.dims == 1 or d["width"] == d["height"] else \
            f"(height ${d['height']}$, width ${d['width']}$)"

    text += f", stride {ax(s.stride)} and padding {ax(s.padding)}"
    if any(v != 1 for v in s.dilation.values()):
        text += f", dilation {ax(s.dilation)}"
    if s.bias is not None:
        text += ", bias " + ", ".join(f"${tex(b)}$" for b in s.bias[:s.filters if s.filters_given else 1])
    text += f" ({'1-D' if s.dims == 1 else '2-D'}"
    if s.channels_given:
        text += f", {s.channels} input channels"
    text += "):\n\\[ " + " \\qquad ".join(shown) + " \\]\n"
    widest = max([len(ch[0]) for ch in s.x] + [len(ch[0]) for kernel in (s.k or []) for ch in kernel])
    if widest > 10:  # amsmath's matrices have 10 columns unless told
        text = f"\\setcounter{{MaxMatrixCols}}{{{max(200, widest + 2 * s.padding['width'])}}}" + text
    n = problem.fields.show
    each = " of each output map" if (s.filters if s.k is not None else s.channels) > 1 else ""
    text += (f"Work out the first {n} output entr{'y' if n == 1 else 'ies'}{each} window by window, then the whole "
             "output.")
    if problem.fields.rounding == "floor":
        text += " A window that does not fit is dropped."
    return text
