"""kind: architecture -- the independent confirmation of its answers (no code shared with its solver).

Every layer is built again as PyTorch allocates it: the names and shapes of its weight arrays, written out
below from PyTorch's documentation, are counted entry by entry (parameters), and multiply-adds are one per
weight entry and position it is applied at (plus the T x T score and weighting products of attention).
Shapes follow the documented output shapes; window sizes come from counting the window positions. With
letters, the key's formulas are evaluated at several random whole numbers and compared with the arrays
counted at those numbers.
"""
from __future__ import annotations

import random

import sympy as sp

from ...numerics import array_size, failure, windows
from .fields import Transformer, input_axes, label, letters, parse_layers

GATES = {"rnn": 1, "gru": 3, "lstm": 4}


class Unbuildable(Exception):
    pass


def _arrays(kind, s, x: dict, value) -> dict:
    """The layer's parameter arrays {PyTorch name: shape} for the input axes x (numbers)."""
    if kind == "embedding":
        return {"weight": (value(s.vocab), value(s.dim))}
    if kind in GATES:
        h, g, arrays = value(s.hidden), GATES[kind], {}
        directions = 2 if s.bidirectional else 1
        for layer in range(s.layers):
            width = x["features"] if layer == 0 else h * directions
            for suffix in ("", "_reverse")[:directions]:
                arrays[f"weight_ih_l{layer}{suffix}"] = (g * h, width)
                arrays[f"weight_hh_l{layer}{suffix}"] = (g * h, h)
                if s.biases in ("two", "one"):
                    arrays[f"bias_ih_l{layer}{suffix}"] = (g * h,)
                if s.biases == "two":
                    arrays[f"bias_hh_l{layer}{suffix}"] = (g * h,)
        return arrays
    if kind in ("attention", "transformer"):
        d = x["features"]
        prefix = "self_attn." if kind == "transformer" else ""
        arrays = {f"{prefix}in_proj_weight": (3 * d, d), f"{prefix}out_proj.weight": (d, d)}
        if s.bias:
            arrays.update({f"{prefix}in_proj_bias": (3 * d,), f"{prefix}out_proj.bias": (d,)})
        if kind == "transformer":
            ff = value(s.d_ff)
            arrays.update({"linear1.weight": (ff, d), "linear2.weight": (d, ff)})
            if s.bias:
                arrays.update({"linear1.bias": (ff,), "linear2.bias": (d,)})
            arrays.update({"norm1.weight": (d,), "norm2.weight": (d,)})
            if s.bias:  # TransformerEncoderLayer passes bias to its LayerNorms too
                arrays.update({"norm1.bias": (d,), "norm2.bias": (d,)})
            # nn.TransformerEncoder(layer, num_layers): layers.0., layers.1., ... each a copy of the block
            arrays = {f"layers.{b}.{k}": v for b in range(s.blocks) for k, v in arrays.items()}
        return arrays
    if kind == "layernorm":
        return {"weight": (x["features"],), "bias": (x["features"],)} if s.affine else {}
    if kind == "batchnorm":
        c = x["channels"] if "channels" in x else x["features"]
        return {"weight": (c,), "bias": (c,)} if s.affine else {}
    if kind == "linear":
        m = value(s.units)
        return {"weight": (m, x["features"]), **({"bias": (m,)} if s.bias else {})}
    if kind == "conv":
        f, k = value(s.filters), value(s.kernel)
        return {"weight": (f, x["channels"], k, k), **({"bias": (f,)} if s.bias else {})}
    return {}


def _window(size, k, stride, padding):
    if (size + 2 * padding - k) % stride or size + 2 * padding < k:
        raise Unbuildable
    return windows(size, k, stride, padding, 1)


def build(problem, env: dict) -> list[dict]:
    """Each layer at the numbers env (letter name -> whole number): its arrays, output axes, MACs, states;
    Unbuildable where PyTorch would refuse it (or a size would not be whole)."""
    layout, axes = input_axes(problem)

    def value(v):
        return v if isinstance(v, int) else env[v]

    x = {k: int(v.xreplace({sp.Symbol(n, positive=True): w for n, w in env.items()})) for k, v in axes.items()
         if v is not None}
    out = []
    for kind, s, _, name in parse_layers(problem):
        record = {"name": name, "arrays": _arrays(kind, s, x, value) if _fits(kind, layout) else None}
        if record["arrays"] is None:
            raise Unbuildable
        macs, extra = 0, {}
        batch = (x["batch"],) if "batch" in x else ()
        if kind == "embedding":
            layout, x = "sequence", {**x, "features": value(s.dim)}
        elif kind in GATES:
            directions = 2 if s.bidirectional else 1
            macs = x["length"] * sum(array_size(shape) for n, shape in record["arrays"].items() if "weight" in n)
            x = {**x, "features": value(s.hidden) * directions}
            extra["h_shape"] = (s.layers * directions, *batch, value(s.hidden))
            if kind == "lstm":
                extra["c_shape"] = extra["h_shape"]
        elif kind in ("attention", "transformer"):
            d, heads, n = x["features"], value(s.heads), x["length"]
            if s.d_model is not None and value(s.d_model) != d or d % heads:
                raise Unbuildable
            extra["d_k"] = d // heads
            extra["weights_shape"] = (*batch, heads, n, n)
            weights = sum(array_size(shape) for k, shape in record["arrays"].items()
                          if k.endswith("weight") and "norm" not in k)
            blocks = s.blocks if isinstance(s, Transformer) else 1
            macs = n * weights + blocks * heads * 2 * n * n * (d // heads)
            if isinstance(s, Transformer):
                a = {k: v for k, v in record["arrays"].items() if k.startswith("layers.0.")}
                extra["attention_params"] = sum(array_size(v) for k, v in a.items() if ".self_attn." in k)
                extra["feedforward_params"] = sum(array_size(v) for k, v in a.items() if ".linear" in k)
                extra["block_params"] = sum(array_size(v) for v in a.values())
        elif kind == "batchnorm":
            c = x["channels"] if layout == "image" else x["features"]
            extra["running_stats"] = array_size((c,)) + array_size((c,))  # running_mean, running_var
        elif kind == "linear":
            macs = x.get("length", 1) * array_size(record["arrays"]["weight"])
            x = {**x, "features": value(s.units)}
        elif kind in ("conv", "pool"):
            k = value(s.kernel)
            stride = value(s.stride) if s.stride is not None else k
            padding = value(s.padding)
            height, width = (_window(x[a], k, stride, padding) for a in ("height", "width"))
            if kind == "conv":
                macs = height * width * array_size(record["arrays"]["weight"])
            x = {**x, "channels": value(s.filters) if kind == "conv" else x["channels"], "height": height,
                 "width": width}
        elif kind == "flatten":
            keep = {"image": ("channels", "height", "width"), "sequence": ("length", "features"),
                    "vector": ("features",)}[layout]
            features = array_size([x[a] for a in keep])
            x = {k: v for k, v in x.items() if k == "batch"}
            layout, x = "vector", {**x, "features": features}
        order = {"sequence": ("length", "features"), "vector": ("features",),
                 "image": ("channels", "height", "width"), "tokens": ("length",)}[layout]
        record.update(shape=(*batch, *(x[a] for a in order)), macs=macs, extra=extra,
                      params=sum(array_size(shape) for shape in record["arrays"].values()))
        out.append(record)
    return out


def _fits(kind, layout) -> bool:
    """Whether PyTorch's layer takes data of this layout (as this kind reads it)."""
    takes = {"embedding": ("tokens",), "rnn": ("sequence",), "gru": ("sequence",), "lstm": ("sequence",),
             "attention": ("sequence",), "transformer": ("sequence",), "layernorm": ("sequence", "vector"),
             "batchnorm": ("image", "vector"), "linear": ("sequence", "vector"), "conv": ("image",),
             "pool": ("image",), "flatten": ("image", "sequence", "vector")}
    return layout in takes[kind]


def _draws(problem, names: list[str], rng: random.Random, count: int = 4):
    """Environments of whole numbers for the letters at which the network can be built (up to `count`)."""
    if not names:
        yield {}
        return
    found = 0
    for _ in range(400):
        env = {n: rng.randint(1, 24) * rng.choice((1, 2, 4)) for n in names}
        try:
            build(problem, env)
        except Unbuildable:
            continue
        found += 1
        yield env
        if found >= count:
            return


def _at(expr, env: dict):
    sub = {sp.Symbol(n, positive=True): sp.Integer(v) for n, v in env.items()}
    if isinstance(expr, (sp.Tuple, tuple, list)):
        return tuple(_at(e, env) for e in expr)
    value = sp.sympify(sp.sympify(expr, strict=True).xreplace(sub))
    return int(value) if value.is_Integer else value


def confirm(problem, solution) -> list[str]:
    answers = solution.answers
    names = sorted(letters(problem))
    rng = random.Random(12345)
    if "valid" in answers:
        verdict = str(answers["valid"].expr.args[0])
        if not names:
            try:
                build(problem, {})
                built = True
            except Unbuildable:
                built = False
            if built != (verdict == "valid"):
                raise failure(problem, "valid", f"the key says {verdict}, building the layers "
                                                f"{'succeeds' if built else 'fails'}")
        if verdict == "invalid":
            return ["the configuration was built layer by layer as PyTorch allocates it: it cannot be built"]
        if verdict == "valid" and names:  # valid for every value of the letters: at any whole numbers
            for _ in range(20):
                env = {n: rng.randint(1, 60) for n in names}
                try:
                    build(problem, env)
                except Unbuildable:
                    raise failure(problem, "valid", "the key says valid for every value of the letters, but at "
                                  + ", ".join(f"{k} = {v}" for k, v in env.items()) + " it cannot be built") from None
    checked, envs = 0, 0
    for env in _draws(problem, names, rng):
        envs += 1
        records = build(problem, env)
        totals = {"params": 0, "macs": 0}
        for r in records:
            tag = label(r["name"])
            totals["params"] += r["params"]
            totals["macs"] += r["macs"]
            got = {"shape": r["shape"], "params": r["params"], "macs": r["macs"], **r["extra"]}
            for key, want in got.items():
                answer = answers.get(f"{tag}_{key}")
                if answer is None:
                    continue
                said = _at(answer.expr, env)
                if said != want:
                    at = f" at {', '.join(f'{k} = {v}' for k, v in env.items())}" if env else ""
                    raise failure(problem, f"{tag}_{key}", f"the key says {said}{at}, the PyTorch arrays give {want}")
                checked += 1
        final = {"output_shape": records[-1]["shape"], "total_params": totals["params"], "total_macs": totals["macs"]}
        for key, want in final.items():
            if key in answers:
                said = _at(answers[key].expr, env)
                if said != want:
                    raise failure(problem, key, f"the key says {said}, the layers give {want}")
                checked += 1
    if names and envs == 0:  # e.g. (26 + 2 - K)/2 and (7 + 2 - K)/2 both whole: K even and odd
        raise problem.error("layers", "no whole numbers for the letters " + ", ".join(names) + " were found at "
                                      "which every size of the network is a whole number (400 tried)",
                            "check the sizes the page says must divide")
    where = f" at {envs} random whole-number values of {', '.join(names)}" if names else ""
    n = len(records)
    return [f"{n} layer{'s' if n != 1 else ''} rebuilt as PyTorch allocates their weight arrays: the key's answers "
            f"(parameters, shapes, multiply-adds) agree with the arrays in {checked} comparisons{where}"]
