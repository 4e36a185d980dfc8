"""kind: gradient -- the independent confirmation of its answers (no code shared with its solver)."""
from __future__ import annotations

import itertools
import random

import mpmath
import sympy as sp

from ... import mathobj as mo
from ...errors import CannotDerive
from ...numerics import (agree, central_difference, convention_branches, data_of, failure, gradient_mismatch,
                         numeric_function, random_point, value_at)
from .fields import setup


def confirm(problem, solution, label: str = "gradient") -> list[str]:
    """The gradient against finite differences of the function itself, with every constant and data
    entry drawn at random too; at the given point by one-sided differences (kinks and ties included)."""
    info = setup(problem, problem.fields)
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
                point = random_point(rng, size)
                values = random_point(rng, len(data))
                for kk in range(1, size + 1):
                    want = central_difference(lambda *v: fn(*v, *values), point, kk - 1)
                    got = value_at(answer.expr, {**sub, n: size, answer.index: kk}, entries + data, point + values)
                    if not agree(got, want):
                        raise failure(problem, label, f"entry {kk} with n = {size} {sub or ''} is {mpmath.nstr(got, 8)} "
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
            point, values = random_point(rng, len(variables)), random_point(rng, len(data))
            for i, v in enumerate(variables):
                want = central_difference(lambda *p: fn(*p, *values), point, i)
                got = value_at(concrete(answer.expr[i], sub), {}, variables + data, point + values)
                if not agree(got, want):
                    raise failure(problem, label, f"d/d{v} at {[mpmath.nstr(p, 5) for p in point]}"
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
                values = random_point(rng, len(data))
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
                    raise failure(problem, "gradient_at", why[1])
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
