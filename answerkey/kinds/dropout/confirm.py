"""kind: dropout -- the independent confirmation of its answers (no code shared with its solver).

The layer is run as PyTorch's nn.Dropout defines it: at training, y = mask * h / (1 - p) (inverted) or
mask * h; at test time y = h (inverted) or (1 - p) h. Its output for the given mask is computed by direct
multiplication; the expectation and the variance of each unit's output by enumerating every mask of the
layer (up to 2^10 of them; for a larger h, of its first 10 units -- the units are independent), each
weighted by its probability, at the spec's p, or at several values of a letter p."""
from __future__ import annotations

import itertools

import sympy as sp

from ...numerics import failure
from .fields import setup

LETTER_VALUES = (sp.Rational(1, 10), sp.Rational(1, 2), sp.Rational(4, 5))  # drop probabilities tried


def _entries(answer) -> list:
    value = answer.expr
    return list(value) if isinstance(value, sp.MatrixBase) else [value]


def _same(a, b) -> bool:
    return sp.simplify(sp.sympify(a, strict=True) - sp.sympify(b, strict=True)) == 0


def _moments(h, keep, inverted):
    """(E[y_k], Var[y_k]) per unit, over every mask of the units."""
    n = len(h)
    mean, second = [sp.Integer(0)] * n, [sp.Integer(0)] * n
    for mask in itertools.product((0, 1), repeat=n):
        weight = sp.Integer(1)
        for m in mask:
            weight *= keep if m else 1 - keep
        for k, (m, v) in enumerate(zip(mask, h)):
            y = m * v / keep if inverted else m * v
            mean[k] += weight * y
            second[k] += weight * y ** 2
    return [sp.simplify(e) for e in mean], [sp.simplify(s - e ** 2) for s, e in zip(second, mean)]


def confirm(problem, solution) -> list[str]:
    info = setup(problem)
    answers = solution.answers
    h, inverted = info["h"], info["inverted"]
    letter = info["letter"]
    trials = [None] if info["numeric"] else LETTER_VALUES
    done = []
    for t in trials:
        if t is None:
            p = info["drop"]
            at = {letter: (p if letter != info["keep_form"] else 1 - p)}
        else:
            p = sp.Rational(t)
            at = {letter: (p if letter != info["keep_form"] else 1 - p)}
        keep = 1 - p

        def here(e):
            return sp.sympify(e, strict=True).xreplace(at)

        want = 1 / keep if inverted else keep
        if not _same(here(answers["scale"].expr), want):
            raise failure(problem, "scale", f"the key says {answers['scale'].expr}; at p = {p} the scale is {want}")
        if info["mask"] is not None:
            direct = [m * v / keep if inverted else m * v for m, v in zip(info["mask"], h)]
            got = _entries(answers["output"])
            if len(got) != len(direct) or not all(_same(here(a), b) for a, b in zip(got, direct)):
                raise failure(problem, "output", f"the key says {got}; mask * h{' / (1 - p)' if inverted else ''} "
                                                 f"is {direct}")
        units = h[:10]
        mean, var = _moments(units, keep, inverted)
        i = answers["expectation"].index
        for k, (v, e) in enumerate(zip(units, mean)):
            claim = here(answers["expectation"].expr.xreplace({sp.Indexed(sp.IndexedBase("h", real=True), i): v}))
            if not _same(claim, e):
                raise failure(problem, "expectation", f"unit {k + 1}: the key's E[y] is {claim}; over every "
                                                      f"mask it is {e}")
        if "variance" in answers:
            a = answers["variance"]
            for k, (v, e) in enumerate(zip(units, var)):
                claim = here(a.expr.xreplace({sp.Indexed(sp.IndexedBase("h", real=True), a.index): v})) \
                    if a.index is not None else here(_entries(a)[k])
                if not _same(claim, e):
                    raise failure(problem, "variance", f"unit {k + 1}: the key's Var[y] is {claim}; over every "
                                                       f"mask it is {e}")
        test = [v if inverted else keep * v for v in h]
        got = _entries(answers["test_output"])
        if not all(_same(here(a), b) for a, b in zip(got, test)) or len(got) != len(test):
            raise failure(problem, "test_output", f"the key says {got}; the test-time layer gives {test}")
    where = "at the spec's p" if info["numeric"] else "at p = " + ", ".join(str(t) for t in LETTER_VALUES)
    done.append(f"dropout: the scale, the output (mask times h) and the test-time output recomputed {where}; "
                f"E[y_i]{' and Var[y_i]' if 'variance' in answers else ''} over all {2 ** min(len(h), 10)} masks"
                + (" of the first 10 units" if len(h) > 10 else ""))
    return done
