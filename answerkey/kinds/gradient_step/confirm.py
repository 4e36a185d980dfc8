"""kind: gradient_step -- the independent confirmation of its answers (no code shared with its solver)."""
from __future__ import annotations

import random

import mpmath
import sympy as sp

from ... import mathobj as mo
from ...numerics import agree, central_difference, data_of, failure, numeric_function, one_sided, random_point, value_at
from .fields import setup


def confirm(problem, solution) -> list[str]:
    """The step against finite differences (learning rate and constants drawn at random where symbolic);
    the update by direct iteration in floating point."""
    info = setup(problem)
    rng = random.Random(2)
    f, variables, lr = info["f"], info["vars"], info["lr"]
    data = data_of(f, variables)
    fn = numeric_function(f, variables + data)
    lr_syms = sorted(lr.free_symbols, key=str)
    for _ in range(3):
        point, values = random_point(rng, len(variables)), random_point(rng, len(data))
        lr_sub = {s: mpmath.mpf(rng.uniform(0.01, 1)) for s in lr_syms}
        values = [lr_sub.get(d, v) for d, v in zip(data, values)]  # alpha in the function is the rate's alpha
        rate = mpmath.mpf(sp.N(lr.subs(lr_sub), 30))
        rate_sub = {s: sp.sympify(v, strict=True) for s, v in lr_sub.items()}  # as subs would
        for i, v in enumerate(variables):
            want = -rate * central_difference(lambda *p: fn(*p, *values), point, i)
            got = value_at(mo.substituted(solution.answers["step"].expr[i], rate_sub), {}, variables + data,
                           point + values)
            if not agree(got, want):
                raise failure(problem, "step", f"component {v} is {mpmath.nstr(got, 8)}, finite differences give "
                                             f"{mpmath.nstr(want, 8)}")
    done = ["step: agrees with -learning_rate times finite differences at 3 random points"]
    if info["at"]:
        lr_sub = {s: mpmath.mpf(rng.uniform(0.01, 1)) for s in lr_syms}
        rate = mpmath.mpf(sp.N(lr.subs(lr_sub), 30))
        values = [lr_sub.get(d, v) for d, v in zip(data, random_point(rng, len(data)))]
        point = [mpmath.mpf(sp.N(info["at"][v], 30)) for v in variables]
        for t in range(problem.fields.steps):
            grad = [central_difference(lambda *p: fn(*p, *values), point, i) for i in range(len(point))]
            if any(not agree(one_sided(lambda *p: fn(*p, *values), point, i, 1),
                              one_sided(lambda *p: fn(*p, *values), point, i, -1)) for i in range(len(point))):
                done.append(f"update: step {t + 1} meets a kink; confirmed up to it")
                break
            point = [p - rate * g for p, g in zip(point, grad)]
        else:
            got = [value_at(e.subs(lr_sub), {}, variables + data, [0] * len(variables) + values)
                   for e in solution.answers["update"].expr]
            if any(not agree(a, b, loose=True) for a, b in zip(got, point)):
                raise failure(problem, "update", f"the key gives {[mpmath.nstr(g, 8) for g in got]}, direct "
                                               f"iteration gives {[mpmath.nstr(p, 8) for p in point]}")
            done.append(f"update: agrees with {problem.fields.steps} step(s) of direct iteration")
    return done
