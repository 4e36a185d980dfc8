"""kind: hessian -- the independent confirmation: every entry of the Hessian against mpmath's numerical
differentiation of the function itself (with its constants drawn), at random points and at the given one;
what the test says of the point against the signs of the eigenvalues of the Hessian there (mpmath.eigsy)."""
from __future__ import annotations

import random

import mpmath

from ...numerics import agree, data_of, failure, numeric_function, random_point, value_at
from .fields import setup


def confirm(problem, solution) -> list[str]:
    f, variables, point = setup(problem)
    data = data_of(f, variables)
    fn = numeric_function(f, variables + data)
    rng = random.Random(5)
    hessian = solution.answers["hessian"].expr
    n = len(variables)
    for _ in range(3):
        at, values = random_point(rng, n), random_point(rng, len(data))
        for i in range(n):
            for j in range(n):
                order = [0] * n
                order[i] += 1
                order[j] += 1
                want = mpmath.diff(lambda *p: fn(*p, *values), at, tuple(order))
                got = value_at(hessian[i, j], {}, variables + data, at + values)
                if not agree(got, want, loose=True):
                    raise failure(problem, "hessian", f"entry ({i + 1}, {j + 1}) at "
                                                      f"{[mpmath.nstr(a, 5) for a in at]} is {mpmath.nstr(got, 8)}, "
                                                      f"numerical differentiation gives {mpmath.nstr(want, 8)}")
    done = ["hessian: every entry agrees with numerical second derivatives at 3 random points"
            + (f" (constants drawn too: {', '.join(str(d) for d in data)})" if data else "")]
    if point and not data:
        at = [mpmath.mpf(point[v].evalf(30)) for v in variables]
        matrix = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                order = [0] * n
                order[i] += 1
                order[j] += 1
                matrix[i, j] = mpmath.diff(fn, at, tuple(order))
                got = mpmath.mpf(solution.answers["hessian_at"].expr[i, j].evalf(30))
                if not agree(got, matrix[i, j], loose=True):
                    raise failure(problem, "hessian_at", f"entry ({i + 1}, {j + 1}) is {mpmath.nstr(got, 8)}, "
                                                         f"numerical differentiation gives {mpmath.nstr(matrix[i, j], 8)}")
        slopes = [mpmath.diff(fn, at, tuple(1 if k == i else 0 for k in range(n))) for i in range(n)]
        critical = all(abs(s) < mpmath.mpf("1e-24") for s in slopes)  # mpmath.diff: near 30 digits
        eigen = mpmath.eigsy(matrix, eigvals_only=True)
        tiny = mpmath.mpf("1e-12") * max([1] + [abs(e) for e in eigen])
        signs = {1 if e > tiny else -1 if e < -tiny else 0 for e in eigen}
        kind = ("a local minimum" if signs == {1} else "a local maximum" if signs == {-1} else
                "a saddle point" if {1, -1} <= signs else "undecided by the second derivatives") \
            if critical else "not a critical point"
        said = str(solution.answers["point"].expr.args[0])
        if said != kind:
            raise failure(problem, "point", f"the key says {said}, but the gradient there is "
                                            + ("zero" if critical else "not zero") + " and the eigenvalues of the "
                                            f"Hessian there ({', '.join(mpmath.nstr(e, 6) for e in eigen)}) make it "
                                            f"{kind}")
        done.append("point: the Hessian there by numerical differentiation, and what the test says by the signs "
                    f"of its eigenvalues ({', '.join(mpmath.nstr(e, 6) for e in eigen)})")
    return done
