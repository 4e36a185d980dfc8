"""kind: tensor_op -- its fields, and the spec read into exact arrays (shared by its solver and its
confirmation).

The arrays are nested lists of numbers. `input`: a list of numbers (1-D), a matrix (2-D, one channel), or a
list of matrices (2-D, one per channel); `dims: 1` reads a matrix as a 1-D input of several channels (one
row per channel). `kernel` of a correlation or convolution: an array of the input's depth (one filter: a
matrix for a one-channel 2-D input, a list of matrices, one per input channel, for several), or one level
deeper (several filters, each as one filter is written). `kernel` of a pooling: its size (a number or
{width, height}). Internally every array is channels x rows x columns (a 1-D array has one row)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

import sympy as sp
from pydantic import Field, StrictInt

from ..common import Fields, Number, _exact
from ..conv_output_shape.fields import Padding, Size


# Arrays nested up to 3 (an input) or 4 (a kernel of several filters) deep; the depths are told apart, and
# ragged or misplaced entries reported at their positions, by setup (one type, so that a wrong entry gets one
# error at its place rather than one per reading of the union).
Array3 = list[Union[Number, list[Union[Number, list[Number]]]]]
Array4 = list[Union[Number, list[Union[Number, list[Union[Number, list[Number]]]]]]]


class TensorFields(Fields):
    op: Literal["correlate", "convolve", "max_pool", "avg_pool"] = "correlate"
    input: Array3
    kernel: Union[StrictInt, Size, Array4]
    dims: Literal[1, 2] | None = None
    stride: Union[StrictInt, Size, None] = None  # default: 1 for a correlation or convolution, the kernel for a pooling
    padding: Union[StrictInt, Padding] = 0
    dilation: Union[StrictInt, Size] = 1
    bias: Union[Number, list[Number], None] = None
    rounding: Literal["exact", "floor"] = "exact"
    show: StrictInt = Field(default=2, ge=0, le=1000)


POOLS = ("max_pool", "avg_pool")


@dataclass
class Setup:
    op: str
    dims: int  # 1 or 2
    x: list  # channels x rows x columns of exact numbers
    k: list | None  # filters x channels x rows x columns (None for a pooling)
    size: dict  # the kernel's {"height": kh, "width": kw}
    stride: dict
    padding: dict
    dilation: dict
    bias: list | None  # one number per filter
    channels_given: bool  # the input is written with channels (x_{cij})
    filters_given: bool  # the kernel is written as several filters (k_{fcij})

    @property
    def channels(self) -> int:
        return len(self.x)

    @property
    def filters(self) -> int:
        return len(self.k) if self.k is not None else len(self.x)


def _depth(v) -> int:
    return 1 + _depth(v[0]) if isinstance(v, list) and v else (1 if isinstance(v, list) else 0)


def _rect(problem, value, path: tuple, depth: int):
    """value as nested lists of exact numbers, `depth` levels deep, every level of one length; the first
    ragged or misplaced entry is an error at its position."""
    if depth == 0:
        if isinstance(value, list):
            raise problem.error(path, "expected a number here, got a list", "the array is nested too deeply here")
        return _exact(value)
    if not isinstance(value, list):
        raise problem.error(path, f"expected a list here, got the number {value}", "every entry of an array is "
                                                                                      "nested equally deep")
    if not value:
        raise problem.error(path, "an empty list", "every row, channel and filter has at least one entry")
    out = [_rect(problem, item, path + (i,), depth - 1) for i, item in enumerate(value)]
    if depth > 1:
        for i, item in enumerate(out[1:], start=1):
            if _shape(item) != _shape(out[0]):
                what = {1: "row", 2: "matrix", 3: "channel list"}.get(depth - 1, "entry")
                raise problem.error(path + (i,), f"a ragged array: this {what} has shape "
                                                 f"{' x '.join(map(str, _shape(item)))}, the first has "
                                                 f"{' x '.join(map(str, _shape(out[0])))}",
                                    "every row has as many entries, every matrix as many rows")
    return out


def _shape(a) -> tuple:
    return (len(a),) + _shape(a[0]) if isinstance(a, list) else ()


def _axes(problem, value, name: str, dims: int, minimum: int) -> dict:
    if isinstance(value, int):
        w = h = value
    else:
        if dims == 1:
            raise problem.error(name, f"a 1-D input has only a width: give {name} as one number")
        w, h = value.width, value.height
    if dims == 1:
        h = 1 if name != "padding" else 0
    for axis, v in (("width", w), ("height", h)):
        if v < minimum:
            raise problem.error(name if isinstance(value, int) else f"{name}.{axis}",
                                f"expected a number >= {minimum}, got {v}")
    return {"width": w, "height": h}


def setup(problem) -> Setup:
    c = problem.fields
    depth = _depth(c.input)
    dims = c.dims or (1 if depth == 1 else 2)
    if dims == 1 and depth == 3:
        raise problem.error("dims", "a 1-D input is a list of numbers, or a matrix of one row per channel",
                            "drop dims: 1 for a 2-D input of several channels")
    if dims == 2 and depth == 1:
        raise problem.error("dims", "a 2-D input is a matrix (a list of rows)", "drop dims: 2 for a 1-D input")
    base = 1 if dims == 1 else 2  # the depth of one channel
    x = _rect(problem, c.input, ("input",), depth)
    channels_given = depth > base
    x = x if channels_given else [x]
    if dims == 1:
        x = [[row] for row in x]  # each channel one row
    pool = c.op in POOLS
    k = None
    if pool:
        if isinstance(c.kernel, list):
            raise problem.error("kernel", f"the kernel of {c.op} is its size (a number or {{width, height}}), "
                                          "not an array")
        size = _axes(problem, c.kernel, "kernel", dims, 1)
        filters_given = False
        if c.bias is not None:
            raise problem.error("bias", f"{c.op} has no bias")
    else:
        if not isinstance(c.kernel, list):
            raise problem.error("kernel", f"the kernel of {c.op} is an array of numbers, not a size")
        kd = _depth(c.kernel)
        if kd not in (depth, depth + 1):
            raise problem.error("kernel", f"the kernel is nested {kd} deep and the input {depth}: expected "
                                          f"{depth} (one filter) or {depth + 1} (several filters)",
                                "a kernel is written as the input is; several filters, as a list of kernels")
        filters_given = kd == depth + 1
        k = _rect(problem, c.kernel, ("kernel",), kd)
        k = k if filters_given else [k]
        k = [f if channels_given else [f] for f in k]
        if dims == 1:
            k = [[[row] for row in f] for f in k]
        if len(k[0]) != len(x):
            raise problem.error("kernel", f"the kernel has {len(k[0])} channel{'s' if len(k[0]) != 1 else ''} and "
                                          f"the input {len(x)}", "one kernel matrix per input channel")
        size = {"height": len(k[0][0]), "width": len(k[0][0][0])}
    stride = _axes(problem, c.stride if c.stride is not None else (c.kernel if pool else 1), "stride", dims, 1)
    padding = _axes(problem, c.padding, "padding", dims, 0)
    dilation = _axes(problem, c.dilation, "dilation", dims, 1)
    bias = None
    if c.bias is not None:
        filters = len(k)
        if isinstance(c.bias, list):
            if len(c.bias) != filters:
                raise problem.error("bias", f"{len(c.bias)} biases for {filters} filter{'s' if filters != 1 else ''}",
                                    "one bias per filter")
            bias = [_exact(b) for b in c.bias]
        else:
            bias = [_exact(c.bias)] * filters
    return Setup(c.op, dims, x, k, size, stride, padding, dilation, bias, channels_given, filters_given)


X, K, B = (sp.IndexedBase(s) for s in ("x", "k", "b"))
W, F, P, S, D, Fe = (sp.Symbol(s, positive=True) for s in ("W", "F", "P", "S", "D", "F'"))


def x_entry(s: Setup, c: int, i: int, j: int):
    """The page's name of input entry (channel c, row i, column j), counted from 0: x_{ij}, x_{cij}, x_j."""
    index = ([c + 1] if s.channels_given else []) + ([i + 1] if s.dims == 2 else []) + [j + 1]
    return X[tuple(index)]


def k_entry(s: Setup, f: int, c: int, i: int, j: int):
    index = ([f + 1] if s.filters_given else []) + ([c + 1] if s.channels_given else []) + \
        ([i + 1] if s.dims == 2 else []) + [j + 1]
    return K[tuple(index)]


def b_entry(s: Setup, f: int):
    return B[f + 1] if s.filters_given else sp.Symbol("b")


def entry_values(s: Setup) -> dict:
    """Every named entry of the page (x_{ij}, k_{ij}, b) and its number."""
    values = {}
    for c, channel in enumerate(s.x):
        for i, row in enumerate(channel):
            for j, v in enumerate(row):
                values[x_entry(s, c, i, j)] = v
    for f, kernel in enumerate(s.k or []):
        for c, channel in enumerate(kernel):
            for i, row in enumerate(channel):
                for j, v in enumerate(row):
                    values[k_entry(s, f, c, i, j)] = v
    for f, b in enumerate(s.bias or []):
        values[b_entry(s, f)] = b
    return values


def context(problem):
    """x_{ij}, k_{ij} (with channel and filter indices when given), b: the entries of the spec's arrays, at
    their values; the letters of the output-size formula."""
    from ...reader import Context

    s = setup(problem)
    ctx = Context()
    ctx.entries["x"] = (X, int(s.channels_given) + s.dims)
    if s.k is not None:
        ctx.entries["k"] = (K, int(s.filters_given) + int(s.channels_given) + s.dims)
    if s.bias is not None:
        if s.filters_given:
            ctx.entries["b"] = (B, 1)
        else:
            ctx.scalars["b"] = sp.Symbol("b")
    for sym in (W, F, P, S, D, Fe):
        ctx.scalars[sym.name] = sym
    ctx.values = entry_values(s)
    return ctx
