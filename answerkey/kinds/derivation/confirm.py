"""kind: derivation -- the independent confirmation: the claim itself (the left side, or mpmath's numerical
derivative of it, against the last form, in the chain's relation) at random points of the domain the
assumptions describe, every name drawn."""
from __future__ import annotations

import random

import mpmath

from ...numerics import EmptyDomain, agree, central_difference, domain_points, failure, numeric_function
from .fields import setup

POINTS = 40
_HOLDS = {"=": lambda a, b: agree(a, b, loose=True), "<": lambda a, b: a < b, ">": lambda a, b: a > b,
          "≤": lambda a, b: a <= b + abs(b) * mpmath.mpf("1e-12") + mpmath.mpf("1e-20"),
          "≥": lambda a, b: a >= b - abs(b) * mpmath.mpf("1e-12") - mpmath.mpf("1e-20")}


def confirm(problem, solution) -> list[str]:
    chain = setup(problem)
    start, wrt = chain.start.xreplace(chain.values), chain.wrt
    last = chain.forms[-1].xreplace(chain.values)
    names = sorted(start.free_symbols | last.free_symbols, key=str)
    order = ([wrt] if wrt is not None else []) + [s for s in names if s != wrt]
    left, right = numeric_function(start, order), numeric_function(last, order)
    try:
        points = domain_points(random.Random(8), order, chain.domain, POINTS if chain.domain or chain.total != "="
                               else 5)
    except EmptyDomain as exc:
        raise failure(problem, "result", f"no points to check the claim at: {exc}") from None
    for values in points:
        point = [values[s] for s in order]
        want = central_difference(left, point, 0) if wrt is not None else left(*point)
        got = right(*point)
        if isinstance(want, mpmath.mpc) or isinstance(got, mpmath.mpc) or not _HOLDS[chain.total](want, got):
            raise failure(problem, "result", f"at {dict(zip(map(str, order), (mpmath.nstr(p, 5) for p in point)))} "
                                             f"the left side is {mpmath.nstr(want, 8)} and the last form "
                                             f"{mpmath.nstr(got, 8)}: not {chain.total}")
    relation = {"=": "equals", "<": "is less than", "≤": "is at most", ">": "is greater than",
                "≥": "is at least"}[chain.total]
    return [f"result: the left side{' (its derivative by finite differences)' if wrt is not None else ''} "
            f"{relation} the last form at {len(points)} random points{' of the domain assumed' if chain.domain else ''}, "
            "every name drawn"]
