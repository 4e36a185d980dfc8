"""kind: architecture -- the parameters, output shapes and multiply-adds of a stack of layers, every size a
number or a letter: numbers give numbers, letters give formulas.

Each layer is one part: its formulas in the usual letters (d input features, h hidden size, d_model, d_ff,
heads, B batch, T length, C H W channels and image size, K kernel, S stride, P padding, F filters; a
size the spec writes as a letter keeps its letter), then the spec's numbers substituted, then the value.
Conventions are PyTorch's: batch first; an RNN, GRU or LSTM returns the output (B, T, directions h) and
its last states (layers directions, B, h); parameters are the sizes of the weight arrays PyTorch
allocates (two bias vectors per gate unless `biases: one` or `none`). Multiply-adds count one per weight
and position for one example (sequence of length T, or one image): biases, norms, activations, softmax
and pooling are not counted. A configuration that cannot be built (heads that do not divide d_model, a
fractional output size, a linear layer on an unflattened image) is a spec error at its field, or with
`ask: valid` the answer `invalid` with the arithmetic that shows why; with letters, the condition under
which it is valid.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...printer import tex
from ...rules import WEIGHTS_PLUS_BIASES
from .fields import Flatten, Transformer, asked, input_axes, label, letters, parse_layers, size
from .rules import (ATTENTION_WEIGHTS, BLOCKS, DIRECTIONS, EMBEDDING_TABLE, FEED_FORWARD, FLATTEN, GATES, HEAD_SIZE,
                    LAST_AXIS, MACS, NO_WEIGHTS, NOT_COUNTED, OUTPUT_SIZE, PROJECTIONS, RUNNING_STATISTICS,
                    SAME_SHAPE, SCALE_AND_SHIFT, STACKED, STATE_SHAPES, SUM_OF_PARTS, TWO_NORMS, TWO_NORMS_NO_SHIFT, WINDOW_SHAPE)

GATE_COUNT = {"rnn": 1, "gru": 3, "lstm": 4}
BIAS_COUNT = {"two": 2, "one": 1, "none": 0}
TITLE = {"embedding": "an embedding", "rnn": "an RNN", "gru": "a GRU", "lstm": "an LSTM",
         "attention": "multi-head self-attention", "transformer": "a transformer encoder block",
         "layernorm": "a LayerNorm", "batchnorm": "a BatchNorm", "linear": "a linear layer",
         "conv": "a convolution", "pool": "a max pooling", "flatten": "a flatten"}


def M(*args):
    return sp.Mul(*args, evaluate=False)


def A(*args):
    return sp.Add(*args, evaluate=False)


def frac(top, bottom):
    return M(top, sp.Pow(bottom, -1, evaluate=False))


def nice(expr):
    """A value as the key states it: a number, or the shorter of the factored and the expanded formula."""
    expr = sp.sympify(expr, strict=True)
    if isinstance(expr, sp.Tuple):
        return sp.Tuple(*(nice(e) for e in expr))
    if expr.is_number:
        return sp.nsimplify(expr)
    candidates = (sp.factor(expr), sp.cancel(expr), sp.expand(expr), expr)
    return min(candidates, key=lambda e: (e.could_extract_minus_sign(), sp.count_ops(e)))  # the first shortest


class Invalid(Exception):
    """A configuration that cannot be built: the field at fault, the reason in words (with $math$)."""

    def __init__(self, field: tuple, reason: str, hint: str | None = None):
        super().__init__(reason)
        self.field, self.reason, self.hint = field, reason, hint


def plain_math(words: str) -> str:
    """A reason with $math$ as a terminal prints it: d_model, 500/8, 32 + 2*0."""
    import re

    text = words.replace("$", "").replace("\\left(", "(").replace("\\right)", ")").replace(" \\cdot ", "*")
    text = re.sub(r"\\math(?:it|rm)\{(\w+)\}", r"\1", text)
    text = re.sub(r"_\{(\w+)\}", r"_\1", text)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: "/".join(
        f"({g})" if " " in g.strip() else g for g in m.groups()), text)
    return text.replace("\\times", "x")


class Letters:
    """The letters of one layer's formulas: a size the spec writes as a letter is that letter; a number
    stands for its usual letter (primed when the spec took that letter), with the number as the line's
    value of it."""

    def __init__(self, taken: set[str]):
        self.taken = taken
        self.assume: dict = {}

    def __call__(self, generic: str, value):
        value = sp.sympify(value, strict=True)
        if not value.is_number:
            return value
        name = generic
        while name in self.taken or (sp.Symbol(name, positive=True) in self.assume
                                     and self.assume[sp.Symbol(name, positive=True)] != value):
            name += "'"
        symbol = sp.Symbol(name, positive=True)
        self.assume[symbol] = value
        return symbol

    def words(self) -> str:
        """'$d = 100$, $h = 256$' (the numbers the letters stand for)."""
        return ", ".join(f"${tex(s)} = {tex(v)}$" for s, v in self.assume.items())


def _substituted(form, assume):
    """The form with the numbers in place of their letters, each product's numbers first (4 \\cdot 512^2 n,
    not 4 n 512^2)."""
    with sp.evaluate(False):
        return _numbers_first(form.xreplace(assume))


def _numbers_first(e):
    if not isinstance(e, sp.Basic) or e.is_Atom:
        return e
    args = [_numbers_first(a) for a in e.args]
    if isinstance(e, sp.Mul):
        args = [a for a in args if a.is_number] + [a for a in args if not a.is_number]
    if isinstance(e, (sp.Add, sp.Mul, sp.Pow)):
        return e.func(*args, evaluate=False)
    return e.func(*args)


def derive(part, lhs: str, form, L: Letters, rule=None, therefore=False):
    """One line: the formula in letters, the numbers substituted, the value; returns the value (a number or
    a formula in the spec's letters)."""
    value = form.doit()
    assume = {s: v for s, v in L.assume.items() if s in value.free_symbols or s in form.free_symbols}
    final = nice(value.xreplace(assume))
    shown = [tex(mo.Shown(form))]
    chain = []
    if assume:
        sub = mo.Shown(_substituted(form, assume))
        if tex(sub) not in shown:
            chain.append(sub)
            shown.append(tex(sub))
    if tex(final) not in shown:
        chain.append(final)
    part.add(mo.text(lhs), mo.Shown(form), chain=chain, rule=rule, value=value, assume=assume, therefore=therefore)
    return final


class State:
    """The shape of the data between layers: layout (tokens, sequence, vector, image) and its axes."""

    def __init__(self, layout: str, axes: dict):
        self.layout, self.axes = layout, dict(axes)

    def shape(self) -> tuple:
        order = {"tokens": ("length",), "sequence": ("length", "features"), "vector": ("features",),
                 "image": ("channels", "height", "width")}[self.layout]
        batch = (self.axes["batch"],) if self.axes.get("batch") is not None else ()
        return batch + tuple(self.axes[k] for k in order)

    def __getitem__(self, key):
        return self.axes[key]


GENERIC_AXIS = {"batch": "B", "length": "T", "features": "d", "channels": "C", "height": "H", "width": "W"}


def shape_form(state: State, L: Letters, **overrides):
    """The state's shape in letters (the axes given by `overrides` as formulas)."""
    out = []
    order = {"tokens": ("length",), "sequence": ("length", "features"), "vector": ("features",),
             "image": ("channels", "height", "width")}[state.layout]
    for axis in (("batch",) if state.axes.get("batch") is not None else ()) + order:
        out.append(overrides[axis] if axis in overrides else L(GENERIC_AXIS[axis], state[axis]))
    return sp.Tuple(*out)


def _needs(state: State, layouts: tuple, where: tuple, what: str):
    if state.layout in layouts:
        return
    said = {"tokens": "token ids", "sequence": "a sequence (batch, length, features)",
            "vector": "a vector of features", "image": "an image (channels, height, width)"}
    hint = {"image": "add flatten first" if "vector" in layouts else None,
            "tokens": "add an embedding first"}.get(state.layout)
    raise Invalid(where, f"{what} takes " + " or ".join(said[x] for x in layouts) + f", but its input is "
                  f"{said[state.layout]}" + (" (an unflattened image)" if state.layout == "image" else ""), hint)


def _divides(top, bottom) -> str | None:
    """None when bottom divides top for every value of the letters; else the condition in words; Invalid
    when both are numbers and it does not."""
    top, bottom = sp.sympify(top, strict=True), sp.sympify(bottom, strict=True)
    q = sp.simplify(top / bottom)
    if q.is_number:
        return None if q.is_integer else False
    if bottom == 1:
        return None
    names = sorted(top.free_symbols, key=str)
    if bottom.is_number and sp.expand(top).is_polynomial(*names) and all(
            (c / bottom).is_integer for c in sp.Poly(sp.expand(top), *names).coeffs()):
        return None  # 2h + 4 over 2: whole for whole letters
    return f"${tex(bottom)}$ divides ${tex(nice(top))}$"


def solve(problem) -> Solution:
    want = asked(problem)
    layout, axes = input_axes(problem)
    layers = parse_layers(problem)
    taken = letters(problem)
    state = State(layout, axes)
    parts, answers, conditions = [], {}, []
    params_total, macs_total, summary_rows = [], [], []
    first = Part(intro="Shapes are PyTorch's, batch first: a sequence is (batch, length, features), an image "
                       "(batch, channels, height, width); a recurrent layer returns its output and its last "
                       "states (layers $\\cdot$ directions, batch, hidden). Parameters are the entries of the "
                       "weight and bias arrays" + (
                           "; multiply-adds are counted for one example (one per weight and position; biases, "
                           "norms, activations, softmax and pooling not counted)" if "macs" in want else "") + ".")
    first.add(mo.text("input shape"), sp.Tuple(*state.shape()), check=False, value=sp.Tuple(*state.shape()))
    parts.append(first)
    invalid = None
    for kind, s, i, name in layers:
        where = ("layers", i, kind)
        L = Letters(taken)
        part = Part()
        try:
            result = LAYER[kind](part, s, state, L, name, where, want, conditions)
        except Invalid as exc:
            if "valid" not in want:
                raise problem.error(exc.field, f"{name}: " + plain_math(exc.reason), exc.hint) from None
            invalid = (name, exc)
            part.intro = f"{name}, {TITLE[kind]}: " + (L.words() + "." if L.assume else "")
            if part.lines:
                parts.append(part)
            break
        params, macs, state, extra = result
        part.intro = f"{name}, {TITLE[kind]}" + (": " + L.words() if L.assume else "") + "."
        tag = label(name)
        if "shapes" in want:
            answers[f"{tag}_shape"] = Answer(sp.Tuple(*state.shape()))
        if "params" in want:
            answers[f"{tag}_params"] = Answer(params)
        if "macs" in want:
            answers[f"{tag}_macs"] = Answer(macs)
        for key, value in extra.items():
            if key.endswith("shape") and "shapes" not in want or key == "running_stats" and "params" not in want:
                continue
            answers[f"{tag}_{key}"] = Answer(value)
        params_total.append(params)
        macs_total.append(macs)
        summary_rows.append((name, sp.Tuple(*state.shape()), params))
        parts.append(part)
    if invalid is not None:
        name, exc = invalid
        answers = {"valid": Answer(mo.text("invalid"), description="whether the configuration can be built")}
        parts.append(Part(intro=f"The configuration is invalid: {name}: {exc.reason}."))
        return Solution(parts, answers, data={"layers": len(layers)})
    if "params" in want and "shapes" in want:
        summary = Part(intro="Every layer's output shape and parameters.",
                       columns=["layer", "output shape", "parameters"])
        for name, shape, params in summary_rows:
            summary.add(mo.text(name), shape, chain=[params], check=False, each=[shape, params])
        parts.append(summary)
    totals = Part()
    final_shape = sp.Tuple(*state.shape())
    if "shapes" in want:
        answers["output_shape"] = Answer(final_shape)
    for ask, words, values, key in (("params", "total parameters", params_total, "total_params"),
                                    ("macs", "total MACs", macs_total, "total_macs")):
        if ask not in want:
            continue
        total = nice(sum(values))
        nonzero = [v for v in values if v != 0] or [sp.Integer(0)]
        form = A(*nonzero) if len(nonzero) > 1 else nonzero[0]
        totals.add(mo.text(words), mo.Shown(form) if len(nonzero) > 1 else form,
                   chain=[total] if len(nonzero) > 1 else [], therefore=True, value=sum(values))
        answers[key] = Answer(total)
    if totals.lines:
        parts.append(totals)
    if "valid" in want:
        verdict = "valid" if not conditions else "valid when " + " and ".join(dict.fromkeys(conditions))
        answers["valid"] = Answer(mo.text(plain_math(verdict)), description="whether the configuration can be built")
        parts.append(Part(intro=("The configuration is valid: every layer takes its input's shape and every "
                                 "size is a whole number." if not conditions else
                                 "The configuration is valid when " + " and ".join(dict.fromkeys(conditions))
                                 + " (the sizes are then whole numbers); it cannot be decided for every value "
                                   "of the letters.")))
    elif conditions:
        parts.append(Part(intro="The sizes are whole numbers when " + " and ".join(dict.fromkeys(conditions)) + "."))
    return Solution(parts, answers, data={"layers": len(layers)})


# -- the layers: each adds its lines to `part` and returns (params, macs, the next state, extra answers) ------


def _shape_line(part, name, state, L, rule=SAME_SHAPE, lhs="output shape", **overrides):
    form = shape_form(state, L, **overrides)
    return derive(part, f"{name} {lhs}", form, L, rule)


def embedding(part, s, state, L, name, where, want, conditions):
    _needs(state, ("tokens",), where, "an embedding")
    V, d = L("V", size(s.vocab)), L("d", size(s.dim))
    params = derive(part, f"{name} parameters", M(V, d), L, EMBEDDING_TABLE)
    new = State("sequence", {**state.axes, "features": size(s.dim)})
    if "shapes" in want:
        _shape_line(part, name, State("sequence", {**state.axes, "features": d}), L, LAST_AXIS)
    if "macs" in want:
        part.add(mo.text(f"{name} MACs"), sp.Integer(0), rule=NOT_COUNTED, value=sp.Integer(0))
    return params, sp.Integer(0), new, {}


def recurrent(part, s, state, L, name, where, want, conditions, kind):
    _needs(state, ("sequence",), where, TITLE[kind])
    g, b = GATE_COUNT[kind], BIAS_COUNT[s.biases]
    D = 2 if s.bidirectional else 1
    layers = s.layers
    d, h = L("d", state["features"]), L("h", size(s.hidden))

    def per_direction(inp):
        core = M(h, A(inp, h))
        if b == 0:
            return M(g, core) if g != 1 else core
        inner = A(core, M(b, h) if b != 1 else h)
        return M(g, inner) if g != 1 else inner

    shown = [] if "params" in want else None
    p1 = derive(part if shown is not None else Part(), f"{name} parameters" + (
        ", layer 1" if layers > 1 else "") + (", per direction" if D > 1 else ""), per_direction(d), L, GATES)
    values = [p1]
    if layers > 1:
        p2 = derive(part if shown is not None else Part(), f"{name} parameters, " + (
            "layer 2" if layers == 2 else f"layers 2 to {layers}, each") + (", per direction" if D > 1 else ""),
            per_direction(M(D, h) if D > 1 else h), L, STACKED)
        values.append(p2)
    if layers > 1 or D > 1:
        inner = values[0] if layers == 1 else A(values[0], values[1] if layers == 2 else M(layers - 1, values[1]))
        form = M(D, inner) if D > 1 else inner
        value = nice((values[0] + (layers - 1) * (values[1] if layers > 1 else 0)) * D)
        if shown is not None:
            part.add(mo.text(f"{name} parameters"), mo.Shown(form), chain=[value], rule=DIRECTIONS, value=value)
        params = value
    else:
        params = p1
    out = State("sequence", {**state.axes, "features": D * size(s.hidden)})
    if "shapes" in want:
        _shape_line(part, name, state, L, STATE_SHAPES, features=M(D, h) if D > 1 else h)
        states = sp.Tuple(*((sp.Integer(layers * D), L("B", state["batch"])) if state.axes.get("batch") is not None
                            else (sp.Integer(layers * D),)), h)
        derive(part, f"{name} last hidden state shape", states, L, STATE_SHAPES)
        if kind == "lstm":
            derive(part, f"{name} last cell state shape", states, L, STATE_SHAPES)
    T = L("T", state["length"])
    m1 = M(g, h, A(d, h)) if g != 1 else M(h, A(d, h))
    if layers > 1:
        m2 = M(g, h, A(M(D, h) if D > 1 else h, h)) if g != 1 else M(h, A(M(D, h) if D > 1 else h, h))
        m1 = A(m1, m2 if layers == 2 else M(layers - 1, m2))
    if layers == 1:  # 4Th(d + h), 2 \cdot 4Th(d + h)
        macs_form = M(*([D] if D > 1 else []), *([g] if g > 1 else []), T, h, A(d, h))
    else:
        macs_form = M(D, T, m1) if D > 1 else M(T, m1)
    macs = derive(part, f"{name} MACs", macs_form, L, MACS) if "macs" in want else \
        nice(macs_form.doit().xreplace(L.assume))
    extra = {}
    if "shapes" in want:
        hs = sp.Tuple(*(((sp.Integer(layers * D), state["batch"]) if state.axes.get("batch") is not None
                         else (sp.Integer(layers * D),)) + (size(s.hidden),)))
        extra["h_shape"] = hs
        if kind == "lstm":
            extra["c_shape"] = hs
    return params, macs, out, extra


def _model_width(s, state, where, name):
    d = state["features"]
    if s.d_model is not None and size(s.d_model) != d:
        raise Invalid(where + ("d_model",), f"d_model = ${tex(size(s.d_model))}$ is not the input's features "
                                            f"${tex(d)}$ (the projections are $d_{{\\mathrm{{model}}}} \\times "
                                            f"d_{{\\mathrm{{model}}}}$)", "write d_model as the input's features")
    return d


def _head_size(part, s, state, L, name, where, conditions, dm, heads):
    d_model = _model_width(s, state, where, name)
    shown = frac(dm, heads)
    value = (dm / heads).xreplace(L.assume)
    verdict = _divides(d_model, size(s.heads))
    d_k = derive(part, f"{name} key size per head", shown, L, HEAD_SIZE)
    if verdict is False:
        raise Invalid(where + ("heads",), f"{tex(size(s.heads))} heads do not divide $d_{{\\mathrm{{model}}}} = "
                                          f"{tex(d_model)}$: $d_k = {tex(value)}$ is not a whole number",
                      "choose heads that divide d_model")
    if verdict:
        conditions.append(verdict)
    return d_k


def _attention_lines(part, s, state, L, name, where, want, conditions):
    _needs(state, ("sequence",), where, TITLE["attention"])
    dm = L("d_model", state["features"])
    heads = L("heads", size(s.heads))
    d_k = _head_size(part, s, state, L, name, where, conditions, dm, heads)
    form = M(4, A(sp.Pow(dm, 2, evaluate=False), dm)) if s.bias else M(4, sp.Pow(dm, 2, evaluate=False))
    sink = part if "params" in want else Part()
    attn = derive(sink, f"{name} attention parameters" if isinstance(s, Transformer) else
                  f"{name} parameters", form, L, PROJECTIONS)
    return dm, heads, d_k, attn


def _attention_shapes(part, s, state, L, name, want, heads, dm):
    extra = {}
    if "shapes" in want:
        _shape_line(part, name, state, L, SAME_SHAPE, features=dm)
        T = L("T", state["length"])
        weights = sp.Tuple(*((L("B", state["batch"]),) if state.axes.get("batch") is not None else ()), heads, T, T)
        extra["weights_shape"] = derive(part, f"{name} attention weights shape", weights, L, ATTENTION_WEIGHTS)
    return extra


def attention(part, s, state, L, name, where, want, conditions):
    dm, heads, d_k, params = _attention_lines(part, s, state, L, name, where, want, conditions)
    extra = {"d_k": d_k, **_attention_shapes(part, s, state, L, name, want, heads, dm)}
    T = L("T", state["length"])
    macs_form = A(M(4, T, sp.Pow(dm, 2, evaluate=False)), M(2, sp.Pow(T, 2, evaluate=False), dm))
    macs = derive(part, f"{name} MACs", macs_form, L, MACS) if "macs" in want else \
        nice(macs_form.doit().xreplace(L.assume))
    return params, macs, state, extra


def transformer(part, s, state, L, name, where, want, conditions):
    dm, heads, d_k, attn = _attention_lines(part, s, state, L, name, where, want, conditions)
    dff = L("d_ff", size(s.d_ff))
    sink = part if "params" in want else Part()
    ffn_form = A(M(2, dm, dff), dff, dm) if s.bias else M(2, dm, dff)
    ffn = derive(sink, f"{name} feed forward parameters", ffn_form, L, FEED_FORWARD)
    # nn.TransformerEncoderLayer(bias=False) builds its LayerNorms with bias=False as well: a scale each
    norms = derive(sink, f"{name} LayerNorm parameters", M(2, 2, dm), L, TWO_NORMS) if s.bias else \
        derive(sink, f"{name} LayerNorm parameters", M(2, dm), L, TWO_NORMS_NO_SHIFT)
    N = s.blocks
    block = nice(attn + ffn + norms)
    sink.add(mo.text(f"{name} parameters" + (", one block" if N > 1 else "")), mo.Shown(A(attn, ffn, norms)),
             chain=[block], rule=SUM_OF_PARTS, value=attn + ffn + norms)
    params = block
    if N > 1:
        params = nice(N * block)
        sink.add(mo.text(f"{name} parameters"), mo.Shown(M(N, block)), chain=[params], rule=BLOCKS, value=N * block)
    extra = {"d_k": d_k, "attention_params": attn, "feedforward_params": ffn,
             **({"block_params": block} if N > 1 else {}),
             **_attention_shapes(part, s, state, L, name, want, heads, dm)}
    if "params" not in want:
        extra.pop("attention_params"), extra.pop("feedforward_params"), extra.pop("block_params", None)
    T = L("T", state["length"])
    macs_form = A(M(4, T, sp.Pow(dm, 2, evaluate=False)), M(2, sp.Pow(T, 2, evaluate=False), dm), M(2, T, dm, dff))
    if N > 1:
        macs_form = M(N, macs_form)
    macs = derive(part, f"{name} MACs", macs_form, L, MACS) if "macs" in want else \
        nice(macs_form.doit().xreplace(L.assume))
    return params, macs, state, extra


def _no_macs(part, name, want):
    if "macs" in want:
        part.add(mo.text(f"{name} MACs"), sp.Integer(0), rule=NOT_COUNTED, value=sp.Integer(0))


def layernorm(part, s, state, L, name, where, want, conditions):
    _needs(state, ("sequence", "vector"), where, TITLE["layernorm"])
    d = L("d", state["features"])
    sink = part if "params" in want else Part()
    params = derive(sink, f"{name} parameters", M(2, d), L, SCALE_AND_SHIFT) if s.affine else sp.Integer(0)
    if not s.affine and "params" in want:
        part.add(mo.text(f"{name} parameters"), sp.Integer(0), rule=SCALE_AND_SHIFT, value=sp.Integer(0))
    if "shapes" in want:
        _shape_line(part, name, state, L)
    _no_macs(part, name, want)
    return params, sp.Integer(0), state, {}


def batchnorm(part, s, state, L, name, where, want, conditions):
    _needs(state, ("image", "vector"), where, TITLE["batchnorm"])
    C = L("C", state["channels"]) if state.layout == "image" else L("d", state["features"])
    sink = part if "params" in want else Part()
    params = derive(sink, f"{name} parameters", M(2, C), L, SCALE_AND_SHIFT) if s.affine else sp.Integer(0)
    if not s.affine and "params" in want:
        part.add(mo.text(f"{name} parameters"), sp.Integer(0), rule=SCALE_AND_SHIFT, value=sp.Integer(0))
    running = derive(sink, f"{name} running statistics", M(2, C), L, RUNNING_STATISTICS)
    if "shapes" in want:
        _shape_line(part, name, state, L)
    _no_macs(part, name, want)
    return params, sp.Integer(0), state, {"running_stats": running}


def linear(part, s, state, L, name, where, want, conditions):
    _needs(state, ("sequence", "vector"), where, TITLE["linear"])
    d, m = L("d", state["features"]), L("m", size(s.units))
    sink = part if "params" in want else Part()
    params = derive(sink, f"{name} parameters", A(M(d, m), m) if s.bias else M(d, m), L, WEIGHTS_PLUS_BIASES)
    if "shapes" in want:
        _shape_line(part, name, state, L, LAST_AXIS, features=m)
    macs_form = M(L("T", state["length"]), d, m) if state.layout == "sequence" else M(d, m)
    macs = derive(part, f"{name} MACs", macs_form, L, MACS) if "macs" in want else \
        nice(macs_form.doit().xreplace(L.assume))
    return params, macs, State(state.layout, {**state.axes, "features": size(s.units)}), {}


def _window(part, name, state, L, where, conditions, kernel, stride, padding, field):
    """The output height and width (H + 2P - K)/S + 1 of a sliding window, checked to be whole numbers."""
    K, S, P = L("K", kernel), L("S", stride), L("P", padding)
    out = {}
    for axis, letter in (("height", "H"), ("width", "W")):
        X = L(letter, state[axis])
        top = state[axis] + 2 * padding - kernel
        form = A(frac(A(X, M(2, P), M(-1, K)), S), 1)
        if top.is_number and top < 0:
            raise Invalid(where + (field,), f"the window ${tex(kernel)}$ is larger than the padded {axis} "
                                            f"${tex(state[axis])} + 2 \\cdot {tex(padding)}$")
        verdict = _divides(top, stride)
        if verdict is False:
            derive(part, f"{name} output {axis}", form, L, OUTPUT_SIZE)
            raise Invalid(where + ("stride",), f"the output {axis} $({tex(state[axis])} + 2 \\cdot {tex(padding)} - "
                                               f"{tex(kernel)})/{tex(stride)} + 1 = "
                                               f"{tex(sp.Rational(top, stride) + 1)}$ "
                                               "is not a whole number", "change the stride or the padding")
        if verdict:
            conditions.append(verdict)
        out[axis] = (form, derive(part, f"{name} output {axis}", form, L, OUTPUT_SIZE), top / stride + 1)
    return K, out


def conv(part, s, state, L, name, where, want, conditions):
    _needs(state, ("image",), where, TITLE["conv"])
    kernel, stride, padding = size(s.kernel), size(s.stride), size(s.padding)
    K, out = _window(part, name, state, L, where, conditions, kernel, stride, padding, "kernel")
    C, F = L("C", state["channels"]), L("F", size(s.filters))
    weights = M(sp.Pow(K, 2, evaluate=False), C, F)
    sink = part if "params" in want else Part()
    params = derive(sink, f"{name} parameters", A(weights, F) if s.bias else weights, L, WEIGHTS_PLUS_BIASES)
    new = State("image", {**state.axes, "channels": size(s.filters), "height": nice(out["height"][2]),
                          "width": nice(out["width"][2])})
    if "shapes" in want:
        derive(part, f"{name} output shape", sp.Tuple(*new.shape()), Letters(set()), WINDOW_SHAPE)
    Ho, Wo = L("H'", out["height"][1]), L("W'", out["width"][1])
    macs_form = M(Ho, Wo, sp.Pow(K, 2, evaluate=False), C, F)
    macs = derive(part, f"{name} MACs", macs_form, L, MACS) if "macs" in want else \
        nice(macs_form.doit().xreplace(L.assume))
    return params, macs, new, {}


def pool(part, s, state, L, name, where, want, conditions):
    _needs(state, ("image",), where, TITLE["pool"])
    kernel = size(s.kernel)
    stride = size(s.stride) if s.stride is not None else kernel
    _, out = _window(part, name, state, L, where, conditions, kernel, stride, size(s.padding), "kernel")
    new = State("image", {**state.axes, "height": nice(out["height"][2]), "width": nice(out["width"][2])})
    if "shapes" in want:
        derive(part, f"{name} output shape", sp.Tuple(*new.shape()), Letters(set()), WINDOW_SHAPE)
    if "params" in want:
        part.add(mo.text(f"{name} parameters"), sp.Integer(0), rule=NO_WEIGHTS, value=sp.Integer(0))
    _no_macs(part, name, want)
    return sp.Integer(0), sp.Integer(0), new, {}


def flatten(part, s, state, L, name, where, want, conditions):
    if state.layout == "tokens":
        raise Invalid(where, "flatten takes features, not token ids", "add an embedding first")
    if state.layout == "image":
        form = M(L("C", state["channels"]), L("H", state["height"]), L("W", state["width"]))
        features = state["channels"] * state["height"] * state["width"]
    elif state.layout == "sequence":
        form = M(L("T", state["length"]), L("d", state["features"]))
        features = state["length"] * state["features"]
    else:
        form, features = L("d", state["features"]), state["features"]
    new = State("vector", {"batch": state.axes.get("batch"), "features": nice(features)})
    if "shapes" in want:
        derive(part, f"{name} features", form, L, FLATTEN)
        derive(part, f"{name} output shape", sp.Tuple(*new.shape()), Letters(set()), FLATTEN)
    if "params" in want:
        part.add(mo.text(f"{name} parameters"), sp.Integer(0), rule=NO_WEIGHTS, value=sp.Integer(0))
    _no_macs(part, name, want)
    return sp.Integer(0), sp.Integer(0), new, {}


LAYER = {"embedding": embedding, "rnn": lambda *a: recurrent(*a, kind="rnn"),
         "gru": lambda *a: recurrent(*a, kind="gru"), "lstm": lambda *a: recurrent(*a, kind="lstm"),
         "attention": attention, "transformer": transformer, "layernorm": layernorm, "batchnorm": batchnorm,
         "linear": linear, "conv": conv, "pool": pool, "flatten": flatten}


def _m(v) -> str:
    return f"${tex(size(v))}$"


def _layer_words(kind, s) -> str:
    """One layer with its settings, as a homework states it."""
    if kind == "embedding":
        return f"an embedding of a vocabulary of {_m(s.vocab)} tokens in {_m(s.dim)} dimensions"
    if kind in GATE_COUNT:
        words = f"{TITLE[kind]} of hidden size {_m(s.hidden)}" + (
            f" ({s.nonlinearity})" if kind == "rnn" and s.nonlinearity != "tanh" else "")
        if s.layers > 1:
            words += f", {s.layers} layers"
        if s.bidirectional:
            words += ", bidirectional"
        if s.biases != "two":
            words += ", " + {"one": "one bias vector per gate", "none": "no biases"}[s.biases]
        return words
    if kind in ("attention", "transformer"):
        words = f"{TITLE[kind]} with {_m(s.heads)} heads" + (
            f" and $d_{{\\mathrm{{model}}}} = {tex(size(s.d_model))}$" if s.d_model is not None else "")
        if kind == "transformer":
            words += f", feed-forward width {_m(s.d_ff)} ({s.norm}-norm)" + (
                f", {s.blocks} blocks" if s.blocks > 1 else "")
        return words + ("" if s.bias else ", without biases")
    if kind == "linear":
        return f"a linear layer of {_m(s.units)} units" + ("" if s.bias else " without bias")
    if kind == "conv":
        return (f"a convolution of {_m(s.filters)} filters of size {_m(s.kernel)}, stride {_m(s.stride)}, padding "
                f"{_m(s.padding)}" + ("" if s.bias else ", without bias"))
    if kind == "pool":
        stride = s.stride if s.stride is not None else s.kernel
        return f"a max pooling of size {_m(s.kernel)}, stride {_m(stride)}" + (
            f", padding {_m(s.padding)}" if s.padding != 0 else "")
    return TITLE[kind] + ("" if getattr(s, "affine", True) else " without scale and shift")


def describe(problem) -> str:
    layout, axes = input_axes(problem)
    state = State(layout, axes)
    shape = ", ".join(tex(v) for v in state.shape())
    names = {"tokens": "token ids", "sequence": "sequences", "vector": "vectors", "image": "images"}[layout]
    order = {"tokens": "length", "sequence": "length, features", "vector": "features",
             "image": "channels, height, width"}[layout]
    order = ("batch, " if axes.get("batch") is not None else "") + order
    kinds = [_layer_words(kind, s or Flatten()) for kind, s, _, _ in parse_layers(problem)]
    want = asked(problem)
    ask = [w for w, key in (("the parameters of every layer and in total", "params"),
                            ("every layer's output shape", "shapes"),
                            ("the multiply-adds per example", "macs"),
                            ("whether the configuration is valid", "valid")) if key in want]
    verb = ". Say " if ask[0].startswith("whether") else ". Give "
    return (f"A network takes {names} of shape ({order}) $= ({shape})$ and applies, in order: " + "; ".join(kinds)
            + verb + ", ".join(ask[:-1]) + (" and " if len(ask) > 1 else "") + ask[-1] + ".")
