"""kind: hessian -- the independent confirmation: every entry of the Hessian against mpmath's numerical
differentiation of the function itself (with its constants drawn), at random points and at the given one;
what the test says of the point against the signs of the eigenvalues of the Hessian there (mpmath.eigsy)."""
from __future__ import annotations

import random

import mpmath

from ...numerics import agree, data_of, failure, numeric_function, random_point, value_at
from .fields import setup


def _confirm_matrix(problem, solution) -> list[str]:
    """At explicit sizes (2 and 3) and random matrices: the key's Hessian against mpmath's numerical second
    derivatives of the function written out entry by entry by SymPy."""
    import sympy as sp

    from .fields import setup_matrix

    f, w = setup_matrix(problem)
    hessian = solution.answers["hessian"].expr
    rng = random.Random(11)
    sizes = sorted({s for m in f.atoms(sp.MatrixSymbol) | {w} for d in m.shape for s in sp.sympify(d, strict=True).free_symbols},
                   key=str)
    constants = sorted((s for s in f.free_symbols if not s.is_integer and not isinstance(s, sp.MatrixSymbol)), key=str)
    for size in (2, 3):
        at_size = {s: size + i % 2 for i, s in enumerate(sizes)}
        explicit = {}
        for m in f.atoms(sp.MatrixSymbol) | {w}:
            rows, cols = (int(sp.sympify(d, strict=True).subs(at_size)) for d in m.shape)
            explicit[m] = sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Rational(rng.randint(-9, 9), 10))
        scalars = {s: sp.Rational(rng.randint(1, 9), 10) for s in constants}
        entries = sp.symbols(f"_w0:{explicit[w].rows}")
        column = sp.ImmutableMatrix(entries)
        loss = f.xreplace({**{m: v for m, v in explicit.items() if m != w}, w: column}).xreplace(scalars).xreplace(at_size)
        loss = sp.ImmutableMatrix(loss.doit()).as_explicit()[0, 0] if isinstance(loss, sp.MatrixExpr) else loss.doit()
        fn = sp.lambdify(entries, loss, modules="mpmath")
        key = hessian.xreplace({m: v for m, v in explicit.items()}).xreplace(scalars).xreplace(at_size)
        entries_of = {(m.name.lower() if m.shape[1] != 1 else m.name): v for m, v in explicit.items()}
        key = key.doit() if isinstance(key, sp.Basic) else key  # a matrix form, or the entries at this size
        key = key.replace(lambda t: isinstance(t, sp.Indexed) and str(t.base) in entries_of
                          and all(i.is_Integer for i in t.indices),  # x_i, w_kl: the entries of the matrices
                          lambda t: entries_of[str(t.base)][int(t.indices[0]) - 1,
                                                             int(t.indices[1]) - 1 if len(t.indices) > 1 else 0])
        key = sp.ImmutableMatrix(key.as_explicit() if isinstance(key, sp.MatrixExpr) and not isinstance(
            key, sp.MatrixBase) else key)
        point = [mpmath.mpf(v) for v in explicit[w]]
        n = len(entries)
        for i in range(n):
            for j in range(n):
                order = [0] * n
                order[i] += 1
                order[j] += 1
                want = mpmath.diff(fn, point, tuple(order))
                got = mpmath.mpf(sp.N(key[i, j], 30))
                if not agree(got, want, loose=True):
                    raise failure(problem, "hessian", f"entry ({i + 1}, {j + 1}) at size {size} is "
                                                      f"{mpmath.nstr(got, 8)}, numerical differentiation gives "
                                                      f"{mpmath.nstr(want, 8)}")
    return ["hessian: every entry agrees with numerical second derivatives on random matrices (sizes 2 and 3)"]


def confirm(problem, solution) -> list[str]:
    if problem.fields.shapes:
        return _confirm_matrix(problem, solution)
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
