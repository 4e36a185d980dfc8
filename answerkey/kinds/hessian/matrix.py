"""kind: hessian -- of a function of vectors and matrices (shapes:) with respect to a vector w: the gradient's
k-th entry in index notation, the derivative of that entry along w_l, the entries assembled and read back into
matrix notation (X^T X for least squares, X^T diag(sigma(Xw) (.) (1 - sigma(Xw))) X for logistic regression),
and, where the form shows it, z^T H z written as a sum of squares with nonnegative weights: H is positive
semidefinite and the function convex."""
from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ... import mathobj as mo
from ...calculus import partial_lines
from ...derivation import Answer, Part, Solution
from ...diffsteps import collapse, derive
from ...errors import CannotDerive
from ...matrixform import combine_sums, fewer_sums, matrix_form
from ...printer import tex
from ... import rules
from ...rules import GIVEN
from ..matrix_gradient.rules import IN_INDEX_NOTATION, SUMS_COLLECTED
from ..matrix_gradient.solve import index_form
from .rules import (CONVEX, HESSIAN_ENTRIES_ASSEMBLED, QUADRATIC_FORM, SECOND_DERIVATIVE_OF_ENTRY,
                    WEIGHTS_NONNEGATIVE)


class MatrixPartial2(mo.Display):
    """d^2 f / (dw_l dw_k): args (Symbol(f), w_k, w_l), printed by name (its value: the line's)."""

    def _latex(self, printer):
        name, v, w = self.args
        return f"\\frac{{\\partial^{{2}} {printer._print(name)}}}{{\\partial {printer._print(w)} " \
               f"\\partial {printer._print(v)}}}"


def solve_matrix(problem, f, w) -> Solution:
    c = problem.fields
    fname = sp.Symbol(c.name)
    n = w.shape[0]
    first = Part(intro="The gradient, entry by entry:")
    lhs = mo.Applied(fname, w)
    first.add(lhs, f, rule=GIVEN, value=f)
    try:
        g = index_form(f)
    except (TypeError, ValueError, AttributeError, IndexError):
        g = None
    if g is None or g.has(sp.MatrixExpr):
        raise CannotDerive(f"{problem.doc.file}: {problem.label}: cannot write {f} in index notation")
    first.add(lhs, g, rule=IN_INDEX_NOTATION, value=f)
    taken = mo.names_in(g) | {str(s) for m in f.atoms(sp.MatrixSymbol) for d in m.shape
                              for s in sp.sympify(d, strict=True).free_symbols}
    k = mo.fresh_index(taken, ("k", "l", "p", "q", "r", "s"))
    l = mo.fresh_index(taken | {str(k)}, ("l", "p", "q", "r", "s", "t"))
    base = mo.vector(mo.entry_name(w))
    ranges = {k: n, l: n}
    entry = partial_lines(first, fname, g, base[k], assume={"ranges": {k: n}})
    true_entry = collapse(sp.diff(g, base[k]), {k: n})
    combined = combine_sums(entry)
    if combined != entry and fewer_sums(combined, entry):
        first.add(mo.Partial(fname, base[k]), combined, rule=SUMS_COLLECTED, value=true_entry,
                  assume={"ranges": {k: n}})
        entry = combined
    second = Part(intro="Each second derivative is the derivative of an entry of the gradient along another "
                        "entry of the variable:")
    truth = collapse(sp.diff(true_entry, base[l]), ranges)
    shown = MatrixPartial2(fname, base[k], base[l])
    forms = derive(entry, base[l], ranges)
    for form in forms:
        second.add(shown, form.expr, rule=form.rule or SECOND_DERIVATIVE_OF_ENTRY, value=truth,
                   assume={"ranges": ranges})
    entry2 = forms[-1].expr
    collected = combine_sums(entry2)
    if collected != entry2 and fewer_sums(collected, entry2):
        second.add(shown, collected, rule=SUMS_COLLECTED, value=truth, assume={"ranges": ranges})
        entry2 = collected
    matrices = {mo.entry_name(m): m for m in f.atoms(sp.MatrixSymbol) | {w}}
    closed = matrix_form(entry2, matrices, k, n, l, n)
    if closed is not None and closed.shape != (n, n):
        closed = None
    H = sp.Symbol("H")
    assembled = mo.EntryMatrix(entry2, k, l, n, n)
    second.add(H, assembled, chain=[closed] if closed is not None else [], therefore=True,
               value=mo.EntryMatrix(truth, k, l, n, n), rule=HESSIAN_ENTRIES_ASSEMBLED, assume={"ranges": ranges})
    answer = closed if closed is not None else (assembled.doit() if n.is_number else assembled)
    answers = {"hessian": Answer(answer, description="the Hessian matrix")}
    parts = [first, second]
    said = _semidefinite(closed, n) if closed is not None else None
    if said is not None:
        z = sp.MatrixSymbol("z", n, 1)
        form, weights = said
        quad = Part(intro=f"For every $z \\in \\mathbb{{R}}^{{{tex(n)}}}$:")
        quad.add(mo.OneByOne(z.T * closed * z), form, rule=QUADRATIC_FORM, value=mo.OneByOne(z.T * closed * z))
        parts.append(quad)
        parts.append(Part(intro=rules.text(WEIGHTS_NONNEGATIVE.at(weights=weights)) + " "
                          + rules.text(CONVEX.at(f=c.name))))
        answers["convex"] = Answer(mo.text("positive semidefinite: convex"),
                                   description="what the Hessian says of the function")
    return Solution(parts, answers, data={"layout": "the (k, l) entry is the derivative along the k-th and l-th "
                                                    "entries"})


def _semidefinite(H, n):
    """(z^T H z as a sum of weighted squares, the words for why the weights are nonnegative), or None where
    the form does not show it: terms c A^T A, c A^T diag(d) A, c I with numbers c > 0 and d = sigma (.) (1 - sigma)
    entry by entry (or positive numbers)."""
    z = sp.MatrixSymbol("z", n, 1)
    terms = H.args if isinstance(H, sp.MatAdd) else (H,)
    squares, why = [], set()
    for t in terms:
        coeff, factors = t.as_coeff_matrices() if isinstance(t, sp.MatMul) else (sp.S.One, [t])
        if not (coeff.is_positive or coeff.is_number and coeff > 0):  # 2, 2/m (m a size: positive)
            if coeff.free_symbols and all(s.is_real for s in coeff.free_symbols) and coeff.is_polynomial() and \
                    len(coeff.free_symbols) == 1 and sp.Poly(coeff).degree() == 1 and sp.Poly(coeff).LC() > 0:
                (sym,) = coeff.free_symbols
                why.add(f"${tex(coeff)} \\geq 0$ for ${tex(sym)} \\geq 0$")
            else:
                return None
        if factors == [sp.Identity(n)]:
            squares.append(coeff * mo.OneByOne(z.T * z))
        elif len(factors) == 2 and factors[0] == factors[1].T:
            a = factors[1] * z
            squares.append(coeff * mo.OneByOne(sp.MatMul(sp.Transpose(a), a)))
        elif len(factors) == 3 and factors[0] == factors[2].T and isinstance(factors[1], sp.DiagMatrix):
            d = factors[1].args[0]
            if not _positive_entries(d):
                return None
            a = factors[2] * z
            squares.append(coeff * mo.OneByOne(sp.MatMul(sp.Transpose(a), factors[1], a)))
            why.add(f"the entries of ${tex(d)}$ are $\\sigma(t)(1 - \\sigma(t)) > 0$")
        else:
            return None
    total = squares[0]
    for s in squares[1:]:
        total = total + s
    return total, "; ".join(sorted(why)) if why else "the weights are positive numbers"


def _positive_entries(d) -> bool:
    """d = sigma(u) (.) (1 - sigma(u)) (in either order): every entry in (0, 1/4]."""
    if not isinstance(d, sp.HadamardProduct) or len(d.args) != 2:
        return False
    a, b = d.args
    for s, rest in ((a, b), (b, a)):
        if isinstance(s, ElementwiseApplyFunction) and isinstance(s.function.expr, mo.sigmoid) \
                and rest == sp.OneMatrix(*s.shape) - s:
            return True
    return False
