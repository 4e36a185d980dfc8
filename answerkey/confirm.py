"""Independent confirmation of answers, by routes that share no code with the solvers:
finite differences in high precision, direct iteration, composition, an actual convolution.

Each function returns the list of what it confirmed, in words, or raises VerificationError.
"""
from __future__ import annotations

import random

import mpmath
import sympy as sp

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
    expr = mo.elementary(expr).doit()
    dummies = [sp.Dummy() for _ in variables]
    body = expr.xreplace(dict(zip(variables, dummies)))
    return sp.lambdify(dummies, body, modules=["mpmath"])


def central_difference(fn, point: list, i: int):
    up, down = list(point), list(point)
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
