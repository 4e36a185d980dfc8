"""kind: derivation -- the independent confirmation: the claim itself (the left side, or mpmath's numerical
derivative of it, against the last form) at random points, every name drawn."""
from __future__ import annotations

import random

import mpmath

from ...numerics import agree, central_difference, data_of, failure, numeric_function, random_point
from .fields import setup


def confirm(problem, solution) -> list[str]:
    start, wrt, forms = setup(problem)
    names = sorted(start.free_symbols, key=str)
    order = ([wrt] if wrt is not None else []) + [s for s in names if s != wrt]
    order += [d for d in data_of(start, order) if d not in order]
    left, right = numeric_function(start, order), numeric_function(forms[-1], order)
    rng = random.Random(8)
    for _ in range(5):
        point = random_point(rng, len(order))
        want = central_difference(left, point, 0) if wrt is not None else left(*point)
        got = right(*point)
        if not agree(got, want, loose=True):
            raise failure(problem, "result", f"at {dict(zip(map(str, order), (mpmath.nstr(p, 5) for p in point)))} "
                                             f"the last form is {mpmath.nstr(got, 8)}, the left side "
                                             f"{mpmath.nstr(want, 8)}")
    return ["result: the last form equals the left side" + (" (its derivative by finite differences)" if wrt is not None
                                                            else "") + " at 5 random points, every name drawn"]
