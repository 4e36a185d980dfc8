"""Independent confirmation of answers, by routes that share no code with the solvers:
finite differences in high precision, direct iteration, composition, an actual convolution.

Each function returns the list of what it confirmed, in words, or raises VerificationError.
"""
from __future__ import annotations

import itertools
import math
import random

import mpmath
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from . import mathobj as mo, numeval
from .errors import CannotDerive, VerificationError

mpmath.mp.dps = 30
H = mpmath.mpf("1e-10")
TOL = mpmath.mpf("1e-8")


def _fail(problem, label: str, what: str) -> VerificationError:
    return VerificationError(f"{problem.doc.file}: {problem.label}: answer '{label}' failed its independent "
                             f"check: {what}")


def _lambdified(expr, variables):
    expr = mo.plain_functions(mo.elementary(expr).doit())
    dummies = [sp.Dummy() for _ in variables]
    body = expr.xreplace(dict(zip(variables, dummies)))
    return sp.lambdify(dummies, body, modules=["mpmath"])


def numeric_function(expr, variables):
    """An mpmath function of the given variables (SymPy symbols or entries), from the spec's expression:
    evaluated by numeval, or through lambdify when it holds something numeval does not know."""
    body = mo.elementary(expr)
    keys = [numeval.key_of(v) for v in variables]
    slow = []

    def fn(*values):
        if not slow:
            try:
                return numeval.evaluate(body, {}, numeval.Point(fixed=dict(zip(keys, values))))
            except numeval.Unsupported:
                slow.append(_lambdified(expr, variables))
        return slow[0](*values)

    return fn


def value_at(expr, env: dict, variables, point):
    """expr's value with the integer symbols of env and the variables at point (mpmath; SymPy's own
    evaluation when numeval does not know a part)."""
    try:
        return numeval.evaluate(mo.elementary(expr), env,
                                numeval.Point(fixed={numeval.key_of(v): p for v, p in zip(variables, point)}))
    except numeval.Unsupported:
        exact = mo.elementary(expr.subs(env)).doit().subs(dict(zip(variables, point)))
        value = sp.N(exact, 30)
        return mpmath.mpf(value) if value.is_real else mpmath.mpc(complex(value))


def _step(p, h=None):
    """The difference step at a coordinate p: H, or smaller beside a small p (log z at z = 1e-20 must not
    step across 0)."""
    h = h or H
    p = abs(mpmath.mpf(p))
    return h * p if 0 < p < 1 else h


def central_difference(fn, point: list, i: int):
    """(f(p + h e_i) - f(p - h e_i)) / 2h, with the working precision raised by the size of f so that a
    large value does not swamp the difference."""
    magnitude = abs(fn(*point))
    extra = int(mpmath.log10(magnitude + 1)) if mpmath.isfinite(magnitude) else 0
    with mpmath.workdps(mpmath.mp.dps + max(0, extra)):
        up, down = [mpmath.mpf(v) for v in point], [mpmath.mpf(v) for v in point]
        h = _step(point[i])
        up[i] += h
        down[i] -= h
        return (fn(*up) - fn(*down)) / (2 * h)


FLOOR = mpmath.mpf("1e-12")  # below it, values are compared absolutely (finite differences leave noise)


def _agree(a, b, loose: bool = False) -> bool:
    a, b = (mpmath.mpmathify(v) for v in (a, b))
    scale = max(FLOOR, abs(a), abs(b))
    return bool(abs(a - b) <= TOL * (100 if loose else 1) * scale)


def _random_point(rng, size):
    return [mpmath.mpf(rng.choice([-1, 1]) * rng.uniform(0.3, 2.0)) for _ in range(size)]


def data_of(f, variables, lengths: dict | None = None) -> list:
    """The names of f that are not variables -- constants (lambda, T, y) and the entries of data vectors
    (x_i when the gradient is with respect to w) -- which the confirmation draws values for too."""
    variables = set(variables)
    labels = {e.base.label for e in f.atoms(sp.Indexed)}
    out = [s for s in f.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer and s not in variables
           and s not in labels]
    for base in sorted({e.base for e in f.atoms(sp.Indexed)}, key=str):
        length = (lengths or {}).get(str(base.label))
        if length is not None and sp.sympify(length, strict=True).is_number:
            entries = [base[i] for i in range(1, int(length) + 1)]
        else:
            entries = sorted((e for e in f.atoms(sp.Indexed) if e.base == base and
                              all(i.is_Integer for i in e.indices)), key=str)
        out.extend(e for e in entries if e not in variables)
    return sorted(set(out), key=str)


def one_sided(fn, point: list, i: int, side: int, h=None):
    """The one-sided difference quotient of fn at point along coordinate i: side +1 from the right, -1
    from the left (second order: (-3f(p) + 4f(p + h) - f(p + 2h)) / 2h)."""
    h = _step(point[i], h or mpmath.mpf("1e-12"))

    def at(t):
        q = list(point)
        q[i] += side * t
        return fn(*q)

    return side * (-3 * at(0) + 4 * at(h) - at(2 * h)) / (2 * h)


def convention_branches(expr, values: dict):
    """expr with each gate that meets its kink at `values` replaced by the branch the key's documented
    convention differentiates: relu(u) at u = 0 by 0 (relu'(0) = 0), |u| at 0 by 0 (|u|'(0) = 0), a max or
    min whose arguments tie by the mean of the tied ones (a tie splits equally). The result has the same
    value at the point and is smooth there; its finite differences are what the convention says. Written
    here from the spec's expression, not taken from the solver."""
    def number(e):
        v = sp.sympify(e, strict=True).xreplace(values)
        return v if v.is_number else None

    def branch(e):
        if isinstance(e, (mo.relu, sp.Abs)):
            u = number(e.args[0])
            return sp.Integer(0) if u is not None and u == 0 else e
        args = [number(a) for a in e.args]
        if any(a is None for a in args):
            return e
        top = max(args) if isinstance(e, sp.Max) else min(args)
        tied = [a for a, v in zip(e.args, args) if v == top]
        return sp.Add(*tied) / len(tied) if len(tied) > 1 else e

    return expr.replace(lambda e: isinstance(e, (mo.relu, sp.Abs, sp.Max, sp.Min)), branch)


def gradient_mismatch(fn, point: list, got: list, names: list, branch=None) -> tuple[int, str, str] | None:
    """None when `got` is a gradient of fn at point that finite differences bear out, else (the component
    at fault, why, which check: smooth, branch, alike or direction).

    Where fn is differentiable in a coordinate (its one-sided slopes agree), that component must equal
    the slope. At a kink (relu at 0, a tie in max, |x| at 0) it must equal the slope of `branch`, the
    function with its kinked gates replaced by the branches the convention differentiates
    (convention_branches); coordinates that fn treats alike there must get equal components; and along the
    direction that moves them together, if fn is differentiable along it, they must add up to its slope
    (so a tie split equally, 1/3 each of max(x, y, z) at (1, 1, 1), is confirmed two ways)."""
    n = len(point)
    f0 = fn(*point)
    right = [one_sided(fn, point, i, 1) for i in range(n)]
    left = [one_sided(fn, point, i, -1) for i in range(n)]
    kinked = []
    for i in range(n):
        if not (mpmath.isfinite(right[i]) and mpmath.isfinite(left[i])):
            return i, f"{names[i]}: the function is not differentiable there (a one-sided slope is infinite)", "smooth"
        if _agree(right[i], left[i]):
            if not _agree(got[i], (right[i] + left[i]) / 2):
                return i, (f"d/d{names[i]} is {mpmath.nstr(got[i], 8)} but finite differences give "
                           f"{mpmath.nstr((right[i] + left[i]) / 2, 8)}"), "smooth"
            continue
        kinked.append(i)
        if branch is not None:
            want = central_difference(branch, point, i)
            if not _agree(got[i], want):
                return i, (f"d/d{names[i]} is {mpmath.nstr(got[i], 8)} at a kink, where the key's conventions give "
                           f"{mpmath.nstr(want, 8)} (one-sided slopes {mpmath.nstr(left[i], 8)} and "
                           f"{mpmath.nstr(right[i], 8)})"), "branch"
    h = mpmath.mpf("1e-9")

    def moved(delta):
        return fn(*[p + d for p, d in zip(point, delta)])

    groups = []
    step = mpmath.mpf("1e-7")

    def slope(delta):
        return (moved([step * d for d in delta]) - f0) / step

    for i in kinked:
        for group in groups:
            j = group[0]
            swap = [1 if m == i else -1 if m == j else 0 for m in range(n)]
            same = _agree(right[i], right[j]) and _agree(left[i], left[j]) and \
                _agree(slope(swap), slope([-d for d in swap]))
            if same:
                group.append(i)
                break
        else:
            groups.append([i])
    for group in groups:
        for i in group[1:]:
            if not _agree(got[i], got[group[0]]):
                return i, (f"d/d{names[i]} is {mpmath.nstr(got[i], 8)} and d/d{names[group[0]]} is "
                           f"{mpmath.nstr(got[group[0]], 8)}, although the function treats the two alike there"), "alike"
        d = [1 if m in group else 0 for m in range(n)]
        up = (moved([h * v for v in d]) - f0) / h
        down = (f0 - moved([-h * v for v in d])) / h
        if _agree(up, down, loose=True):
            total = sum(got[i] for i in group)
            if not _agree(total, (up + down) / 2, loose=True):
                return group[0], (f"the components for {', '.join(names[i] for i in group)} add up to "
                                  f"{mpmath.nstr(total, 8)}, but moving them together changes the function at the "
                                  f"rate {mpmath.nstr((up + down) / 2, 8)}"), "direction"
    return None


def confirm_gradient(problem, solution, info, label: str = "gradient") -> list[str]:
    """The gradient against finite differences of the function itself, with every constant and data
    entry drawn at random too; at the given point by one-sided differences (kinks and ties included)."""
    rng = random.Random(1)
    answer = solution.answers[label]
    f = info["f"]
    lengths = info.get("lengths", {})
    if "vector" in info:
        x, n = info["vector"]
        count = 0
        for size in ([2, 3, 4] if not n.is_number else [int(n)]):
            others = sorted((s for s in answer.expr.free_symbols | f.free_symbols
                             if s.is_integer and s != answer.index and s != n), key=str)
            g = f.subs(n, size).doit()
            entries = [x[i] for i in range(1, size + 1)]
            sized = {name: (size if sp.sympify(length, strict=True) == n else length) for name, length in lengths.items()}
            for combo in ([()] if not others else [tuple(rng.randint(1, size) for _ in others) for _ in range(3)]):
                sub = dict(zip(others, combo))
                h = g.subs(sub).doit()
                data = data_of(h, entries, sized)
                fn = numeric_function(h, entries + data)
                point = _random_point(rng, size)
                values = _random_point(rng, len(data))
                for kk in range(1, size + 1):
                    want = central_difference(lambda *v: fn(*v, *values), point, kk - 1)
                    got = value_at(answer.expr, {**sub, n: size, answer.index: kk}, entries + data, point + values)
                    if not _agree(got, want):
                        raise _fail(problem, label, f"entry {kk} with n = {size} {sub or ''} is {mpmath.nstr(got, 8)} "
                                                    f"but finite differences give {mpmath.nstr(want, 8)}")
                    count += 1
        return [f"gradient: {count} entries agree with central finite differences (n = 2, 3, 4)"]
    variables = info["vars"]
    names = [str(v) for v in variables]
    length_symbols = {s for v in lengths.values() for s in sp.sympify(v, strict=True).free_symbols}
    length_symbols |= {s for total in f.atoms(sp.Sum) for lim in total.limits for s in lim[2].free_symbols}
    length_symbols = sorted((s for s in length_symbols if s.is_integer), key=str)
    indices = sorted((s for s in f.free_symbols if s.is_integer and s not in length_symbols), key=str)

    def cases():
        """Concrete lengths (n = 2, 3, 4 for data of symbolic length) and free indices (softmax(w)[t])."""
        for size in ([2, 3, 4] if length_symbols else [None]):
            sized = {s: size for s in length_symbols}
            tops = [int(sp.sympify(v, strict=True).subs(sized)) for v in lengths.values()] or [size or 3]
            combos = list(itertools.product(range(1, min(tops) + 1), repeat=len(indices)))
            for combo in (rng.sample(combos, min(3, len(combos))) if indices else [()]):
                yield size, {**sized, **dict(zip(indices, combo))}

    def concrete(e, sub):
        return e.subs(sub).doit() if sub else e

    data = []
    for size, sub in cases():
        g = concrete(f, sub)
        data = data_of(g, variables, {k: (sp.sympify(v, strict=True).subs(sub)) for k, v in lengths.items()})
        fn = numeric_function(g, variables + data)
        for _ in range(3 if not sub else 1):
            point, values = _random_point(rng, len(variables)), _random_point(rng, len(data))
            for i, v in enumerate(variables):
                want = central_difference(lambda *p: fn(*p, *values), point, i)
                got = value_at(concrete(answer.expr[i], sub), {}, variables + data, point + values)
                if not _agree(got, want):
                    raise _fail(problem, label, f"d/d{v} at {[mpmath.nstr(p, 5) for p in point]}"
                                                + (f" with {sub}" if sub else "")
                                                + f" is {mpmath.nstr(got, 8)} but finite differences give "
                                                  f"{mpmath.nstr(want, 8)}")
    done = [f"{label}: every component agrees with central finite differences at random points"
            + (" (n = 2, 3, 4)" if length_symbols else "")
            + (f" (constants and data drawn too: {', '.join(str(d) for d in data)})" if data else "")]
    if "gradient_at" in solution.answers:
        at = [mpmath.mpf(sp.N(info["at"][v], 30)) for v in variables]
        exact = solution.answers["gradient_at"].expr
        for size, sub in cases():
            g = concrete(f, sub)
            data = data_of(g, variables, {k: (sp.sympify(v, strict=True).subs(sub)) for k, v in lengths.items()})
            fn = numeric_function(g, variables + data)
            for _ in range(2 if data else 1):
                values = _random_point(rng, len(data))
                got = [value_at(concrete(e, sub), {}, variables + data, at + values) for e in exact]
                here = {**dict(zip(variables, [sp.nsimplify(info["at"][v]) for v in variables])),
                        **{d: sp.Float(v, 30) for d, v in zip(data, values)}}
                smooth = convention_branches(g, here)
                branch = numeric_function(smooth, variables + data) if smooth != g else None
                why = gradient_mismatch(lambda *p: fn(*p, *values), at, got, names,
                                        (lambda *p: branch(*p, *values)) if branch else None)
                if why:
                    if why[2] != "branch":
                        _at_a_kink(problem, g, here, "gradient_at", why[1])
                    raise _fail(problem, "gradient_at", why[1])
        done.append("gradient_at: agrees with one-sided differences at the point (kinks and ties included)")
    return done


def _at_a_kink(problem, f, point: dict, label: str, why: str) -> None:
    """When the function meets a kink at the point (relu at 0, a tie in max, |.| at 0) and the key's
    conventions, applied gate by gate (as the confirmation applies them too), contradict the function
    itself -- it is differentiable there, and the conventions give another number (relu(w) - relu(-w) is
    w, whose derivative at 0 is 1, not 0) --: that is said as such, not as a failed check of the solver."""
    gates = mo.kinks_at(f, point)
    if gates:
        raise CannotDerive(f"{problem.doc.file}: {problem.label}: cannot derive the gradient at this point: "
                           f"{', '.join(gates)} meet{'s' if len(gates) == 1 else ''} a kink there, and the key's "
                           f"conventions (relu'(0) = 0, a tie split equally, |x|'(0) = 0) applied gate by gate "
                           f"give no derivative of the function ({why}); choose a point away from the kink")


def confirm_conv(problem, solution) -> list[str]:
    """Slide a window along each axis of the padded input and count the positions where it fits;
    count the weights of a filter bank."""
    c = problem.fields

    def axes(v):
        return (v, v) if isinstance(v, int) else (v.width, v.height)

    (kw, kh), (sw, sh), (pw, ph), (dw, dh) = axes(c.kernel), axes(c.stride), axes(c.padding), axes(c.dilation)
    width, height = _windows(c.input.width, kw, sw, pw, dw), _windows(c.input.height, kh, sh, ph, dh)
    answers = solution.answers
    for label, want in (("width", width), ("height", height), ("filters", c.filters)):
        if int(answers[label].expr) != want:
            raise _fail(problem, label, f"the key says {answers[label].expr}, a sliding window gives {want}")
    done = [f"shape: counting where a window fits, sliding over a {c.input.width} x {c.input.height} input, gives "
            f"{width} x {height}"]
    if "params" in answers:
        weights, biases = _count([c.filters, c.input.channels, kh, kw]), c.filters
        if int(answers["params"].expr) != weights + biases:
            raise _fail(problem, "params", f"the key says {answers['params'].expr}, a filter bank has "
                                           f"{weights + biases}")
        done.append(f"parameters: a filter bank has {weights} weights and {biases} biases")
    return done


def _windows(size: int, k: int, s: int, p: int, d: int) -> int:
    """The positions where a window of k taps, d apart, fits in size + 2p cells, moved s at a time."""
    count, start = 0, 0
    span = d * (k - 1) + 1
    while start + span <= size + 2 * p:
        count += 1
        start += s
    return count


def _scattered(size: int, k: int, s: int, p: int, d: int, op: int) -> int:
    """A transposed convolution's output length: the cells its scattered windows touch, cropped by p and
    extended by the output padding."""
    touched = {i * s + j * d for i in range(size) for j in range(k)}
    return max(touched) + 1 - 2 * p + op


def _count(shape) -> int:
    """The entries of a weight array of this shape (the product of its sizes)."""
    return math.prod(shape)


def confirm_backprop(problem, solution) -> list[str]:
    """Evaluate the graph numerically (no symbolic differentiation) and perturb the asked inputs and
    nodes: finite differences of the output, one-sided where a gate meets a kink (relu at 0, a tie in
    max or min), so that the stated convention is confirmed rather than assumed."""
    from .kinds.backprop import build_graph, forward, kink_at

    inputs, nodes, output = build_graph(problem)
    fns = {node: sp.lambdify(list(inputs) + list(nodes), mo.plain_functions(e), modules=["mpmath"])
           for node, e in nodes.items()}

    def run(bumps: dict):
        env = {k: mpmath.mpf(sp.N(v, 30)) + bumps.get(k, 0) for k, v in inputs.items()}
        for node in nodes:
            args = [env.get(s, mpmath.mpf(0)) for s in list(inputs) + list(nodes)]
            env[node] = fns[node](*args) + bumps.get(node, 0)
        return env

    base = run({})
    if not _agree(sp.N(solution.answers["output"].expr, 30), base[output]):
        raise _fail(problem, "output", f"the key says {solution.answers['output'].expr}, evaluating the graph "
                                       f"gives {mpmath.nstr(base[output], 8)}")
    asked = list(problem.fields.ask.items())
    targets = [mo.real(t) for _, t in asked]

    def out(*offsets):
        return run(dict(zip(targets, offsets)))[output]

    got = [mpmath.mpf(sp.N(solution.answers[label].expr, 30)) for label, _ in asked]
    values, _ = forward(inputs, nodes)
    smooth = {node: convention_branches(e, values) for node, e in nodes.items()}
    branch_fns = {node: sp.lambdify(list(inputs) + list(nodes), mo.plain_functions(e), modules=["mpmath"])
                  for node, e in smooth.items()}

    def branch(*offsets):
        bumps = dict(zip(targets, offsets))
        env = {k: mpmath.mpf(sp.N(v, 30)) + bumps.get(k, 0) for k, v in inputs.items()}
        for node in nodes:
            args = [env.get(s, mpmath.mpf(0)) for s in list(inputs) + list(nodes)]
            env[node] = branch_fns[node](*args) + bumps.get(node, 0)
        return env[output]

    kinked = any(smooth[node] != nodes[node] for node in nodes)
    why = gradient_mismatch(out, [mpmath.mpf(0)] * len(targets), got, [str(t) for t in targets],
                            branch if kinked else None)
    if why:
        if kinked and why[2] != "branch":
            raise CannotDerive(f"{problem.doc.file}: {problem.label}: cannot derive the gradients at these inputs: "
                               f"gates meet their kinks there, and the key's conventions (relu'(0) = 0, a tie "
                               f"split equally) applied gate by gate contradict the graph itself ({why[1]}); "
                               "choose other inputs")
        raise _fail(problem, asked[why[0]][0], why[1])
    return [f"the forward value and {len(asked)} gradient{'s' if len(asked) != 1 else ''} agree with finite differences of the evaluated "
            f"graph" + (" (at its kinks, of the graph with each kinked gate on the branch its convention "
                        "differentiates)" if kinked else "")]


def confirm_step(problem, solution, info) -> list[str]:
    """The step against finite differences (learning rate and constants drawn at random where symbolic);
    the update by direct iteration in floating point."""
    rng = random.Random(2)
    f, variables, lr = info["f"], info["vars"], info["lr"]
    data = data_of(f, variables)
    fn = numeric_function(f, variables + data)
    lr_syms = sorted(lr.free_symbols, key=str)
    for _ in range(3):
        point, values = _random_point(rng, len(variables)), _random_point(rng, len(data))
        lr_sub = {s: mpmath.mpf(rng.uniform(0.01, 1)) for s in lr_syms}
        values = [lr_sub.get(d, v) for d, v in zip(data, values)]  # alpha in the function is the rate's alpha
        rate = mpmath.mpf(sp.N(lr.subs(lr_sub), 30))
        for i, v in enumerate(variables):
            want = -rate * central_difference(lambda *p: fn(*p, *values), point, i)
            got = value_at(solution.answers["step"].expr[i].subs(lr_sub), {}, variables + data, point + values)
            if not _agree(got, want):
                raise _fail(problem, "step", f"component {v} is {mpmath.nstr(got, 8)}, finite differences give "
                                             f"{mpmath.nstr(want, 8)}")
    done = ["step: agrees with -learning_rate times finite differences at 3 random points"]
    if info["at"]:
        lr_sub = {s: mpmath.mpf(rng.uniform(0.01, 1)) for s in lr_syms}
        rate = mpmath.mpf(sp.N(lr.subs(lr_sub), 30))
        values = [lr_sub.get(d, v) for d, v in zip(data, _random_point(rng, len(data)))]
        point = [mpmath.mpf(sp.N(info["at"][v], 30)) for v in variables]
        names = [str(v) for v in variables]
        for t in range(problem.fields.steps):
            grad = [central_difference(lambda *p: fn(*p, *values), point, i) for i in range(len(point))]
            if any(not _agree(one_sided(lambda *p: fn(*p, *values), point, i, 1),
                              one_sided(lambda *p: fn(*p, *values), point, i, -1)) for i in range(len(point))):
                done.append(f"update: step {t + 1} meets a kink; confirmed up to it")
                break
            point = [p - rate * g for p, g in zip(point, grad)]
        else:
            got = [value_at(e.subs(lr_sub), {}, variables + data, [0] * len(variables) + values)
                   for e in solution.answers["update"].expr]
            if any(not _agree(a, b, loose=True) for a, b in zip(got, point)):
                raise _fail(problem, "update", f"the key gives {[mpmath.nstr(g, 8) for g in got]}, direct "
                                               f"iteration gives {[mpmath.nstr(p, 8) for p in point]}")
            done.append(f"update: agrees with {problem.fields.steps} step(s) of direct iteration")
    return done


def confirm_matrix_gradient(problem, solution, setup) -> list[str]:
    """Random numeric matrices of consistent shapes (n = 2, 3, 4); every entry of the gradient against
    central finite differences of the function's numeric value."""
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
            mat = [[rng.uniform(-1, 1) for _ in range(cols)] for _ in range(rows)]
            if rows == cols and rows > 1:
                for i in range(rows):  # well conditioned, positive determinant (for det, log det, inv)
                    mat[i][i] += 2 * rows
            mats[m] = mat
        syms = {m: sp.MatrixSymbol(m.name, int(m.shape[0].subs(sub)), int(m.shape[1].subs(sub))) for m in mats}

        names = [(m, i, j, mo.to_indexed(MatrixElement(syms[m], i, j)))
                 for m in mats for i in range(len(mats[m])) for j in range(len(mats[m][0]))]
        explicit = mo.concrete(f.xreplace(syms).subs(sub))
        constants = sorted((s for s in f.free_symbols if isinstance(s, sp.Symbol)
                            and not isinstance(s, sp.MatrixSymbol) and not s.is_integer), key=str)
        drawn = [mpmath.mpf(rng.uniform(0.3, 2.0)) for _ in constants]  # lambda and other constants
        numeric = numeric_function(explicit, [n for *_, n in names] + constants)

        def value(matrices):
            return numeric(*[mpmath.mpf(matrices[m][i][j]) for m, i, j, _ in names], *drawn)

        point = [mpmath.mpf(mats[m][i][j]) for m, i, j, _ in names] + drawn
        got = mo.concrete(answer.xreplace(syms).subs(sub))
        got = sp.Matrix(got) if isinstance(got, sp.MatrixBase) else sp.Matrix([[got]])  # 1 x 1: a scalar
        target = [m for m in mats if m.name == wrt.name][0]
        h = mpmath.mpf("1e-10")
        for i in range(len(mats[target])):
            for j in range(len(mats[target][0])):
                up = {m: [row[:] for row in a] for m, a in mats.items()}
                down = {m: [row[:] for row in a] for m, a in mats.items()}
                up[target][i][j] += h
                down[target][i][j] -= h
                want = (value(up) - value(down)) / (2 * h)
                have = value_at(got[i, j], {}, [n for *_, n in names] + constants, point)
                if not _agree(have, want):
                    raise _fail(problem, "gradient", f"entry ({i + 1}, {j + 1}) with n = {size} is "
                                                     f"{mpmath.nstr(have, 6)}, finite differences give "
                                                     f"{mpmath.nstr(want, 6)}")
                count += 1
    return [f"gradient: {count} entries agree with finite differences on random matrices"
            + (" (n = 2, 3, 4)" if lengths else "")]


def confirm_network_shapes(problem, solution, layers) -> list[str]:
    """Every layer's shape by counting: window positions of an actual sliding window (convolution,
    pooling), scattered positions of a transposed convolution, array sizes for flatten; parameters by
    counting the entries of weight arrays of their shapes."""
    c = problem.fields
    shape = (c.input.channels, c.input.width, c.input.height)
    total = 0
    for kind, cfg, _ in layers:
        name = cfg["name"]
        params = 0
        if kind in ("conv", "pool", "deconv"):
            channels, width, height = shape
            sizes = []
            for a, size in enumerate((width, height)):
                k, s, p, d = cfg["kernel"][a], cfg["stride"][a], cfg["padding"][a], cfg["dilation"][a]
                sizes.append(_scattered(size, k, s, p, d, cfg["output_padding"][a]) if kind == "deconv"
                             else _windows(size, k, s, p, d))
            out_channels = cfg.get("filters", channels)
            if kind != "pool":
                params = _count([out_channels, channels, cfg["kernel"][1], cfg["kernel"][0]]) \
                    + (out_channels if cfg["bias"] else 0)
            shape = (out_channels, *sizes)
        elif kind == "flatten":
            shape = (_count(shape),)
        elif kind == "fc":
            params = _count([cfg["units"], shape[0]]) + (cfg["units"] if cfg["bias"] else 0)
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
