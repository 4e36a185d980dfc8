"""Derivation pieces shared by the calculus kinds (gradient, gradient_step): the function's lines,
one partial derivative's lines, and recognising softmax(x) and e_i in a gradient's k-th entry."""
from __future__ import annotations

import functools
import importlib

import sympy as sp

from . import mathobj as mo
from . import rules as R
from .derivation import Part
from .diffsteps import derive
from .standin import simplify


# What SymPy imports on its first derivative of a matrix expression (matrix calculus through
# sympy.tensor.array, and the assumptions system's SAT solver that its simplification asks).
MATRIX_CALCULUS = ("sympy.tensor.array.array_derivatives", "sympy.tensor.array.expressions.from_array_to_matrix",
                   "sympy.assumptions.satask", "sympy.assumptions.lra_satask", "sympy.assumptions.facts",
                   "sympy.logic.algorithms.dpll2")


@functools.cache
def matrix_calculus_loaded() -> None:
    """Import SymPy's matrix calculus before its first use, with SymPy's multiple dispatch ordering held
    until all its handlers are registered: each registration otherwise orders its dispatcher's handlers
    again (about 0.05 s of CPU of the 0.1 s these imports take). The orderings made at the end are the
    same (they depend only on the handlers registered), and nothing is dispatched while they are held:
    these modules only register handlers when imported."""
    from sympy.multipledispatch.dispatcher import halt_ordering, restart_ordering

    halt_ordering()
    try:
        for name in MATRIX_CALCULUS:
            try:
                importlib.import_module(name)
            except ImportError:  # another SymPy's layout: it imports what it needs itself
                pass
    finally:
        restart_ordering()


def function_lines(part: Part, lhs, f) -> sp.Expr:
    """f(x) = as given; named functions written out; logs of quotients split. Returns the form to
    differentiate."""
    part.add(lhs, f, rule=R.GIVEN, value=f)
    g = f
    named = {type(e).__name__ for e in f.atoms(sp.Function) if isinstance(e, (mo.SoftmaxEntry, mo.LogSumExp))}
    if named:
        avoid = mo.names_in(f)
        g = mo.elementary(f, mo.fresh_index(avoid, ("j", "k", "l", "m")))
        rule = R.joined(R.BOTH, *(R.DEFINITION_OF_SOFTMAX if n == "SoftmaxEntry" else R.DEFINITION_OF_LOGSUMEXP
                                  for n in sorted(named)))
        part.add(lhs, g, rule=rule, value=f)
        split = sp.expand_log(g, force=True)
        if split != g:
            part.add(lhs, split, rule=R.LOG_OF_QUOTIENT_AND_EXP, value=f)
            g = split
    elif any(s.args[1][2].is_Symbol for s in f.atoms(sp.Sum)):
        shown = f.replace(lambda e: isinstance(e, sp.Sum) and e.args[1][2].is_Symbol, lambda e: mo.ExpandedSum(e))
        part.add(lhs, shown, rule=R.SUM_WRITTEN_OUT, value=f)
    return g


def partial_lines(part: Part, fname: sp.Symbol, g, v, assume: dict | None = None) -> sp.Expr:
    """The lines of d g / d v, each a Line 'df/dv = form'; returns the final form."""
    ranges = {k: top for k, top in (assume or {}).get("ranges", {}).items()}
    forms = derive(g, v, ranges)
    truth = mo.conventional_diff(g, v)
    lhs = mo.Partial(fname, v)
    for form in forms:
        part.add(lhs, form.expr, rule=form.rule, value=truth, assume=dict(assume or {}))
    return forms[-1].expr


def _is_partition(e, x, n) -> bool:
    if not isinstance(e, sp.Sum):
        return False
    j, lo, hi = e.args[1]
    return e.function == sp.exp(x[j]) and lo == 1 and hi == n


def recognize(entry, x, n, k):
    """Write a gradient whose k-th entry is `entry` as a combination of softmax(x), unit vectors e_i and
    the vector itself, or None. Only exact matches count; the verifier checks the result anyway."""
    Z, E, s = sp.Dummy("Z", positive=True), sp.Dummy("E", positive=True), sp.Dummy("s")
    e = entry.replace(lambda t: _is_partition(t, x, n), lambda t: Z)
    e = e.subs(sp.exp(x[k]), E)
    e = simplify(e.subs(E, s * Z))
    deltas = [d for d in e.atoms(sp.KroneckerDelta) if k in d.args]
    if e.has(Z) or e.has(E) or any(isinstance(a, sp.Indexed) for a in e.atoms(sp.Indexed)):
        return None
    poly_syms = [s] + deltas
    try:
        poly = sp.Poly(sp.expand(e), *poly_syms)
    except sp.PolynomialError:
        return None
    if poly.total_degree() > 1 or poly.coeff_monomial(1) != 0:
        return None
    total = sp.Integer(0)
    coeff = poly.coeff_monomial(s)
    if coeff != 0:
        total += coeff * mo.Softmax(x, n)
    for d in deltas:
        c = poly.coeff_monomial(d)
        other = d.args[0] if d.args[1] == k else d.args[1]
        total += c * mo.UnitVector(other, n)
    return total if total != 0 else None
