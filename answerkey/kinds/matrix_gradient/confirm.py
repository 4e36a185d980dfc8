"""kind: matrix_gradient -- the independent confirmation of its answers (no code shared with its solver)."""
from __future__ import annotations

import random

import mpmath
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ... import mathobj as mo
from ...numerics import agree, failure, numeric_function, value_at
from .fields import setup


def confirm(problem, solution) -> list[str]:
    """Random numeric matrices of consistent shapes (n = 2, 3, 4); every entry of the gradient against
    central finite differences of the function's numeric value."""
    f, wrt = setup(problem)
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
                if not agree(have, want):
                    raise failure(problem, "gradient", f"entry ({i + 1}, {j + 1}) with n = {size} is "
                                                     f"{mpmath.nstr(have, 6)}, finite differences give "
                                                     f"{mpmath.nstr(want, 6)}")
                count += 1
    return [f"gradient: {count} entries agree with finite differences on random matrices"
            + (" (n = 2, 3, 4)" if lengths else "")]
