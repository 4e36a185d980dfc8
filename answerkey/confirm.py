"""Independent confirmation of answers, by routes that share no code with the solvers:
finite differences in high precision, direct iteration, composition, an actual convolution.

Each function returns the list of what it confirmed, in words, or raises VerificationError.
"""
from __future__ import annotations

import random

import mpmath
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from . import mathobj as mo
from .errors import VerificationError

mpmath.mp.dps = 30
H = mpmath.mpf("1e-10")
TOL = mpmath.mpf("1e-8")


def _fail(problem, label: str, what: str) -> VerificationError:
    return VerificationError(f"{problem.doc.file}: {problem.label}: answer '{label}' failed its independent "
                             f"check: {what}")


def numeric_function(expr, variables):
    """An mpmath function of the given variables (SymPy symbols or entries), from the spec's expression."""
    expr = mo.plain_functions(mo.elementary(expr).doit())
    dummies = [sp.Dummy() for _ in variables]
    body = expr.xreplace(dict(zip(variables, dummies)))
    return sp.lambdify(dummies, body, modules=["mpmath"])


def central_difference(fn, point: list, i: int):
    """(f(p + h e_i) - f(p - h e_i)) / 2h, with the working precision raised by the size of f so that a
    large value does not swamp the difference."""
    magnitude = abs(fn(*point))
    extra = int(mpmath.log10(magnitude + 1)) if mpmath.isfinite(magnitude) else 0
    with mpmath.workdps(mpmath.mp.dps + max(0, extra)):
        up, down = [mpmath.mpf(v) for v in point], [mpmath.mpf(v) for v in point]
        up[i] += H
        down[i] -= H
        return (fn(*up) - fn(*down)) / (2 * H)


def _agree(a, b) -> bool:
    a, b = complex(a), complex(b)
    return abs(a - b) <= float(TOL) * max(1.0, abs(a), abs(b))


def _random_point(rng, size):
    return [mpmath.mpf(rng.choice([-1, 1]) * rng.uniform(0.3, 2.0)) for _ in range(size)]


def confirm_gradient(problem, solution, info, label: str = "gradient") -> list[str]:
    """The gradient against central finite differences of the function itself."""
    rng = random.Random(1)
    answer = solution.answers[label]
    f = info["f"]
    if "vector" in info:
        x, n = info["vector"]
        count = 0
        for size in ([2, 3, 4] if not n.is_number else [int(n)]):
            others = sorted((s for s in answer.expr.free_symbols | f.free_symbols
                             if s.is_integer and s != answer.index and s != n), key=str)
            g = f.subs(n, size)
            entries = [x[i] for i in range(1, size + 1)]
            for combo in ([()] if not others else [tuple(rng.randint(1, size) for _ in others) for _ in range(3)]):
                sub = dict(zip(others, combo))
                fn = numeric_function(g.subs(sub), entries)
                point = _random_point(rng, size)
                for kk in range(1, size + 1):
                    want = central_difference(fn, point, kk - 1)
                    got = answer.expr.subs({**sub, n: size, answer.index: kk})
                    got = mo.elementary(got).doit().subs(dict(zip(entries, point)))
                    if not _agree(sp.N(got, 30), want):
                        raise _fail(problem, label, f"entry {kk} with n = {size} {sub or ''} is {sp.N(got, 8)} "
                                                    f"but finite differences give {mpmath.nstr(want, 8)}")
                    count += 1
        return [f"gradient: {count} entries agree with central finite differences (n = 2, 3, 4)"]
    variables = info["vars"]
    fn = numeric_function(f, variables)
    points = [_random_point(rng, len(variables)) for _ in range(3)]
    if info.get("at"):
        points.append([mpmath.mpf(sp.N(info["at"][v], 30)) for v in variables])
    for point in points:
        for i, v in enumerate(variables):
            want = central_difference(fn, point, i)
            got = sp.N(mo.elementary(answer.expr[i]).subs(dict(zip(variables, point))), 30)
            if not _agree(got, want):
                raise _fail(problem, label, f"d/d{v} at {[mpmath.nstr(p, 5) for p in point]} is {sp.N(got, 8)} "
                                            f"but finite differences give {mpmath.nstr(want, 8)}")
    if "gradient_at" in solution.answers:
        point = [sp.N(info["at"][v], 30) for v in variables]
        for i, v in enumerate(variables):
            want = central_difference(fn, [mpmath.mpf(p) for p in point], i)
            if not _agree(sp.N(solution.answers["gradient_at"].expr[i], 30), want):
                raise _fail(problem, "gradient_at", f"d/d{v} is {solution.answers['gradient_at'].expr[i]} "
                                                    f"but finite differences give {mpmath.nstr(want, 8)}")
    return [f"{label}: every component agrees with central finite differences at {len(points)} points"]


def confirm_conv(problem, solution) -> list[str]:
    """Slide an actual window over an array of the input's size (numpy) and count the positions;
    count the weights of an actual filter bank."""
    import numpy as np

    c = problem.fields

    def axes(v):
        return (v, v) if isinstance(v, int) else (v.width, v.height)

    (kw, kh), (sw, sh), (pw, ph), (dw, dh) = axes(c.kernel), axes(c.stride), axes(c.padding), axes(c.dilation)
    image = np.ones((c.input.height, c.input.width))
    padded = np.pad(image, ((ph, ph), (pw, pw)))
    kernel = np.ones((kh, kw))
    rows = []
    top = 0
    while top + (kh - 1) * dh < padded.shape[0]:
        row = []
        left = 0
        while left + (kw - 1) * dw < padded.shape[1]:
            window = padded[top:top + (kh - 1) * dh + 1:dh, left:left + (kw - 1) * dw + 1:dw]
            row.append(float((window * kernel).sum()))
            left += sw
        rows.append(row)
        top += sh
    out = np.array(rows)
    height, width = out.shape
    answers = solution.answers
    for label, want in (("width", width), ("height", height), ("filters", c.filters)):
        if int(answers[label].expr) != want:
            raise _fail(problem, label, f"the key says {answers[label].expr}, a sliding window gives {want}")
    done = [f"shape: a sliding-window convolution over a {c.input.width} x {c.input.height} array gives "
            f"{width} x {height}"]
    if "params" in answers:
        bank = np.zeros((c.filters, c.input.channels, kh, kw))
        bias = np.zeros(c.filters)
        if int(answers["params"].expr) != bank.size + bias.size:
            raise _fail(problem, "params", f"the key says {answers['params'].expr}, a filter bank has "
                                           f"{bank.size + bias.size}")
        done.append(f"parameters: a filter bank array has {bank.size} weights and {bias.size} biases")
    return done


def _kinks(nodes, env) -> str:
    """The gates evaluated exactly at a kink (relu at 0, a tie in max or min, |0|), in words."""
    found = []
    for node, e in nodes.items():
        for f in e.atoms(mo.relu, sp.Abs, sp.Max, sp.Min, sp.Heaviside):
            args = [mpmath.mpf(sp.N(a.subs({k: sp.Float(v, 30) for k, v in env.items()}), 30)) for a in f.args]
            if isinstance(f, (sp.Max, sp.Min)):
                if len(set(args)) < len(args):
                    found.append(f"a tie in {type(f).__name__.lower()} at {node}")
            elif args[0] == 0:
                found.append(f"{type(f).__name__.lower()} at 0 in {node}")
    return ", ".join(found)


def confirm_backprop(problem, solution) -> list[str]:
    """Evaluate the graph numerically (no symbolic differentiation) and perturb each asked input or
    node: central finite differences of the output."""
    from .kinds.backprop import build_graph

    inputs, nodes, output = build_graph(problem)
    fns = {node: sp.lambdify(list(inputs) + list(nodes), mo.plain_functions(e), modules=["mpmath"])
           for node, e in nodes.items()}

    def run(held=None, held_value=None, bump=None, delta=0):
        env = {k: mpmath.mpf(sp.N(v, 30)) for k, v in inputs.items()}
        if bump is not None and bump in env:
            env[bump] += delta
        for node in nodes:
            args = [env.get(s, mpmath.mpf(0)) for s in list(inputs) + list(nodes)]
            env[node] = fns[node](*args)
            if node == bump:
                env[node] += delta
        return env

    base = run()
    if not _agree(sp.N(solution.answers["output"].expr, 30), base[output]):
        raise _fail(problem, "output", f"the key says {solution.answers['output'].expr}, evaluating the graph "
                                       f"gives {mpmath.nstr(base[output], 8)}")
    kinks = _kinks(nodes, base)
    if kinks:
        return [f"the forward value agrees with the evaluated graph; the gradients meet a non-differentiable "
                f"point ({kinks}), where the stated convention holds and finite differences do not apply: "
                f"they are checked against the derivative of the composed expression"]
    for label, target in problem.fields.ask.items():
        v = mo.real(target)
        slope = (run(bump=v, delta=H)[output] - run(bump=v, delta=-H)[output]) / (2 * H)
        if not _agree(sp.N(solution.answers[label].expr, 30), slope):
            raise _fail(problem, label, f"the key says {solution.answers[label].expr}, finite differences of "
                                        f"the graph give {mpmath.nstr(slope, 8)}")
    return [f"the forward value and {len(problem.fields.ask)} gradients agree with finite differences of the "
            f"evaluated graph"]


def confirm_step(problem, solution, info) -> list[str]:
    """The step against finite differences (learning rate drawn at random if symbolic); the update by
    direct iteration in floating point."""
    rng = random.Random(2)
    f, variables, lr = info["f"], info["vars"], info["lr"]
    fn = numeric_function(f, variables)
    lr_syms = sorted(lr.free_symbols, key=str)
    for _ in range(3):
        point = _random_point(rng, len(variables))
        lr_sub = {s: mpmath.mpf(rng.uniform(0.01, 1)) for s in lr_syms}
        rate = mpmath.mpf(sp.N(lr.subs(lr_sub), 30))
        for i, v in enumerate(variables):
            want = -rate * central_difference(fn, point, i)
            got = sp.N(solution.answers["step"].expr[i].subs({**dict(zip(variables, point)), **lr_sub}), 30)
            if not _agree(got, want):
                raise _fail(problem, "step", f"component {v} is {sp.N(got, 8)}, finite differences give "
                                             f"{mpmath.nstr(want, 8)}")
    done = ["step: agrees with -learning_rate times finite differences at 3 random points"]
    if info["at"]:
        lr_sub = {s: mpmath.mpf(rng.uniform(0.01, 1)) for s in lr_syms}
        rate = float(sp.N(lr.subs(lr_sub), 30))
        point = [float(info["at"][v]) for v in variables]
        for _ in range(problem.fields.steps):
            grad = [float(central_difference(fn, [mpmath.mpf(p) for p in point], i)) for i in range(len(point))]
            point = [p - rate * g for p, g in zip(point, grad)]
        got = [float(sp.N(e.subs(lr_sub), 30)) for e in solution.answers["update"].expr]
        if any(abs(a - b) > 1e-6 * max(1.0, abs(a)) for a, b in zip(got, point)):
            raise _fail(problem, "update", f"the key gives {got}, direct iteration gives {point}")
        done.append(f"update: agrees with {problem.fields.steps} step(s) of direct floating-point iteration")
    return done


def confirm_matrix_gradient(problem, solution, setup) -> list[str]:
    """Random numeric matrices of consistent shapes (n = 2, 3, 4); every entry of the gradient against
    central finite differences of the function's numeric value."""
    import numpy as np

    f, wrt = setup
    rng = random.Random(3)
    answer = solution.answers["gradient"].expr
    lengths = sorted({s for m in f.atoms(sp.MatrixSymbol) for d in m.shape for s in sp.sympify(d, strict=True).free_symbols},
                     key=str)
    count = 0
    for size in (([2, 3] if f.has(sp.Inverse, sp.Determinant) else [2, 3, 4]) if lengths else [None]):
        sub = {s: size for s in lengths}
        mats = {}
        for m in f.atoms(sp.MatrixSymbol):
            rows, cols = int(sp.sympify(m.shape[0], strict=True).subs(sub)), int(sp.sympify(m.shape[1], strict=True).subs(sub))
            mat = np.array([[rng.uniform(-1, 1) for _ in range(cols)] for _ in range(rows)])
            if rows == cols and rows > 1:
                mat += 2 * rows * np.eye(rows)  # well conditioned, positive determinant (for det, log det, inv)
            mats[m] = mat
        syms = {m: sp.MatrixSymbol(m.name, int(m.shape[0].subs(sub)), int(m.shape[1].subs(sub))) for m in mats}

        names = [(m, i, j, mo.to_indexed(MatrixElement(syms[m], i, j)))
                 for m in mats for i in range(mats[m].shape[0]) for j in range(mats[m].shape[1])]
        numeric = sp.lambdify([n for *_, n in names], mo.plain_functions(mo.concrete(f.xreplace(syms).subs(sub))),
                              modules=["numpy"])

        def value(matrices):
            return float(numeric(*[matrices[m][i, j] for m, i, j, _ in names]))

        point = {n: mats[m][i, j] for m, i, j, n in names}
        got = sp.Matrix(mo.concrete(answer.xreplace(syms).subs(sub))).xreplace(point)
        target = [m for m in mats if m.name == wrt.name][0]
        h = 1e-6
        for i in range(mats[target].shape[0]):
            for j in range(mats[target].shape[1]):
                up = {m: a.copy() for m, a in mats.items()}
                down = {m: a.copy() for m, a in mats.items()}
                up[target][i, j] += h
                down[target][i, j] -= h
                want = (value(up) - value(down)) / (2 * h)
                have = float(got[i, j])
                if abs(have - want) > 1e-5 * max(1.0, abs(want)):
                    raise _fail(problem, "gradient", f"entry ({i + 1}, {j + 1}) with n = {size} is {have:.6g}, "
                                                     f"finite differences give {want:.6g}")
                count += 1
    return [f"gradient: {count} entries agree with finite differences on random matrices"
            + (" (n = 2, 3, 4)" if lengths else "")]


def confirm_network_shapes(problem, solution, layers) -> list[str]:
    """Every layer's shape by counting: window positions of an actual sliding window (convolution,
    pooling), scattered positions of a transposed convolution, array sizes for flatten; parameters by
    the sizes of actual weight arrays (numpy)."""
    import numpy as np

    c = problem.fields
    shape = (c.input.channels, c.input.width, c.input.height)
    total = 0

    def windows(size, k, s, p, d):
        count, start = 0, 0
        span = d * (k - 1) + 1
        while start + span <= size + 2 * p:
            count += 1
            start += s
        return count

    def scattered(size, k, s, p, d, op):
        touched = {i * s + j * d for i in range(size) for j in range(k)}
        return max(touched) + 1 - 2 * p + op

    for kind, cfg, _ in layers:
        name = cfg["name"]
        params = 0
        if kind in ("conv", "pool", "deconv"):
            channels, width, height = shape
            sizes = []
            for a, size in enumerate((width, height)):
                k, s, p, d = cfg["kernel"][a], cfg["stride"][a], cfg["padding"][a], cfg["dilation"][a]
                sizes.append(scattered(size, k, s, p, d, cfg["output_padding"][a]) if kind == "deconv"
                             else windows(size, k, s, p, d))
            out_channels = cfg.get("filters", channels)
            if kind != "pool":
                bank = np.zeros((out_channels, channels, cfg["kernel"][1], cfg["kernel"][0]))
                params = bank.size + (out_channels if cfg["bias"] else 0)
            shape = (out_channels, *sizes)
        elif kind == "flatten":
            shape = (int(np.zeros(shape).size),)
        elif kind == "fc":
            params = np.zeros((cfg["units"], shape[0])).size + (cfg["units"] if cfg["bias"] else 0)
            shape = (cfg["units"],)
        total += params
        label = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
        got_shape = tuple(int(v) for v in solution.answers[f"{label}_shape"].expr)
        if got_shape != tuple(shape):
            raise _fail(problem, f"{label}_shape", f"the key says {got_shape}, counting gives {tuple(shape)}")
        if int(solution.answers[f"{label}_params"].expr) != params:
            raise _fail(problem, f"{label}_params", f"the key says {solution.answers[f'{label}_params'].expr}, "
                                                    f"the weight arrays hold {params}")
    if int(solution.answers["total_params"].expr) != total:
        raise _fail(problem, "total_params", f"the key says {solution.answers['total_params'].expr}, {total} counted")
    return [f"{len(layers)} layers: shapes by counting window positions and parameters by the sizes of weight "
            f"arrays agree"]
