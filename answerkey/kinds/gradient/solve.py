"""kind: gradient -- the gradient of a scalar function, component by component by the chain rule.

For a vector of symbolic length, the k-th component, with the case split k = i / k != i where an index
appears, and softmax(x) and e_i recognised in the result. For symbols or a vector of given length, every
component; with `at`, the gradient at that point.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...calculus import function_lines, partial_lines, recognize
from ...derivation import Answer, Part, Solution
from ...diffsteps import tidy
from ...rules import ALSO, DEFINITION_OF_GRADIENT, SUM_WRITTEN_OUT, joined, then
from ..common import undefined_at
from .fields import setup
from .rules import (A_TIE_AT_THE_POINT, CASE_SPLIT, COMPONENTS_ASSEMBLED, ENTRY_RANGE, NUMERICALLY,
                    RECOGNISING_THE_VECTOR, SUBSTITUTING_THE_POINT, TIES_AT_THE_POINT)


def solve(problem) -> Solution:
    fields = problem.fields
    info = setup(problem, fields)
    fname = sp.Symbol(fields.name)
    if "vector" in info:
        return _solve_vector(fname, info)
    return _solve_components(fname, info, problem)


def _solve_vector(fname, info) -> Solution:
    """A vector of symbolic length n: the k-th component, cases, and the vector recognised."""
    f = info["f"]
    x, n = info["vector"]
    part = Part()
    lhs = mo.Applied(fname, x)
    g = function_lines(part, lhs, f)
    k = mo.fresh_index(mo.names_in(g) | {str(n)})
    nabla = mo.Nabla(fname, x)
    part.add(nabla, mo.DotsVector(mo.Partial(fname, x[k]), k, n, False), rule=DEFINITION_OF_GRADIENT,
             check=False)
    entry = partial_lines(part, fname, g, x[k], assume={"ranges": {k: n}})
    truth = mo.DotsVector(mo.conventional_diff(g, x[k]), k, n, True)
    bound = {lim[0] for total in entry.atoms(sp.Sum) for lim in total.limits}
    deltas = sorted((d for d in entry.atoms(sp.KroneckerDelta) if k in d.args and not d.free_symbols & bound), key=str)
    if len(deltas) == 1:
        other = deltas[0].args[0] if deltas[0].args[1] == k else deltas[0].args[1]
        same = tidy(entry.subs(k, other).doit()) if entry.subs(k, other).has(sp.Sum) else entry.subs(k, other)
        part.add(mo.Partial(fname, x[other]), same, note=f"where ${sp.latex(k)} = {sp.latex(other)}$",
                 rule=CASE_SPLIT, value=mo.conventional_diff(g, x[k]).subs(k, other))
        part.add(mo.Partial(fname, x[k]), tidy(entry.subs(deltas[0], 0).doit()),
                 note=f"where ${sp.latex(k)} \\neq {sp.latex(other)}$", rule=CASE_SPLIT,
                 value=mo.conventional_diff(g, x[k]), assume={"distinct": (k, other)})
    vector = recognize(entry, x, n, k)
    shown = vector if vector is not None else mo.DotsVector(entry, k, n, True) if mo.uniform_entry(entry, k) \
        else mo.EntryMatrix(entry, k, mo.index("_unused"), n, sp.Integer(1))
    part.add(nabla, shown, rule=RECOGNISING_THE_VECTOR if vector is not None else COMPONENTS_ASSEMBLED,
             value=truth, therefore=True, vector_index=k)
    answers = {"gradient": Answer(entry, index=k, display=shown,
                                  description=f"the {sp.latex(k)}-th entry of the gradient")}
    return Solution([part], answers, data={"index": k})


def _summed_vectors(g, order) -> dict:
    """The vectors of given length among the variables that g sums over (Sum(w[i] x[i], (i, 1, 3))):
    their k-th entry is derived once, not once per entry. {base: length}."""
    out = {}
    for v in order:
        if isinstance(v, sp.Indexed) and v.base not in out:
            for total in g.atoms(sp.Sum):
                variables = {lim[0] for lim in total.limits}
                if any(e.base == v.base and any(i.has(var) for i in e.indices for var in variables)
                       for e in total.function.atoms(sp.Indexed)):
                    out[v.base] = sum(1 for w in order if isinstance(w, sp.Indexed) and w.base == v.base)
                    break
    return out


def _solve_components(fname, info, problem=None) -> Solution:
    f, order, args = info["f"], info["vars"], info["args"]
    part = Part()
    lhs = mo.Applied(fname, *args)
    g = function_lines(part, lhs, info.get("given", f))
    summed = _summed_vectors(g, order)
    if not summed and any(all(b.is_number for b in s.limits[0][1:]) for s in g.atoms(sp.Sum)):
        g = g.doit()
        part.add(lhs, g, rule=SUM_WRITTEN_OUT, value=f)
    nabla = mo.Nabla(fname, *args)
    part.add(nabla, sp.Matrix([mo.Partial(fname, v) for v in order]), rule=DEFINITION_OF_GRADIENT,
             check=False)
    entries = {}
    for base, length in summed.items():  # one derivation for the k-th entry, then k = 1, ..., length
        k = mo.fresh_index(mo.names_in(g))
        first = len(part.lines)
        entries[base] = (k, partial_lines(part, fname, g, base[k], assume={"ranges": {k: sp.Integer(length)}}))
        part.lines[first].note = f"for $1 \\leq {sp.latex(k)} \\leq {length}$"
    results = []
    for v in order:
        if isinstance(v, sp.Indexed) and v.base in entries:
            k, entry = entries[v.base]
            results.append(entry.subs(k, v.indices[0]))
        else:
            results.append(partial_lines(part, fname, g, v))
    truth = sp.Matrix([mo.conventional_diff(g, v) for v in order])
    grad = sp.Matrix(results)
    entry_ranges = [ENTRY_RANGE.at(index=sp.latex(entries[b][0]), vector=str(b), length=n)
                    for b, n in summed.items()]
    part.add(nabla, grad, rule=joined(ALSO, COMPONENTS_ASSEMBLED, *entry_ranges), value=truth, therefore=True)
    answers = {"gradient": Answer(grad.applyfunc(lambda e: e.doit()) if summed else grad, display=grad)}
    if info["at"]:
        point = info["at"]
        values = grad.applyfunc(lambda e: e.doit()).subs(point)  # sums written out first, to reach every entry
        undefined_at(problem, values, point, "at")
        shown_args = [sp.Matrix([point[mo.vector(str(a))[i]] for i in range(1, 1 + sum(
            1 for v in order if isinstance(v, sp.Indexed) and v.base == a))]) if isinstance(a, sp.IndexedBase)
            else point[a] for a in args]
        at_lhs = mo.Applied(sp.Symbol(f"\\nabla {fname}"), *shown_args)
        exact = values.applyfunc(tidy)
        if any(mo.undecided_ties(e) for e in exact):
            raise problem.error("at", "at this point arguments of a max or min tie, and whether the others join "
                                      "the tie depends on the constants", "give the constants values, or choose "
                                                                          "a point without a tie")
        truth_at = truth.applyfunc(lambda e: e.doit()).subs(point)
        from ...printer import tex

        ties = sorted((g for g in f.atoms(sp.Max, sp.Min) if mo.kinks_at(g, point)), key=str)
        tie = None if not ties else A_TIE_AT_THE_POINT.at(gate=tex(ties[0])) if len(ties) == 1 \
            else TIES_AT_THE_POINT.at(gates=", ".join(f"${tex(g)}$" for g in ties))
        part.add(at_lhs, exact, rule=then(SUBSTITUTING_THE_POINT, tie), value=truth_at, therefore=True)
        if any(e.is_number and not e.is_Rational for e in exact):
            part.add(at_lhs, exact.applyfunc(lambda e: mo.accurate(e, 30)), rule=NUMERICALLY, value=truth_at,
                     therefore=True, approx=True)
        answers["gradient_at"] = Answer(exact, description="the gradient at the point")
    return Solution([part], answers)


def describe(problem) -> str:
    from ...printer import tex

    info = setup(problem, problem.fields)
    args = ", ".join(tex(a) for a in info["args"])
    text = f"Compute the gradient of ${problem.fields.name}({args}) = {tex(info['f'])}$"
    if "vector" in info:
        x, n = info["vector"]
        text += f" for ${tex(x)} \\in \\mathbb{{R}}^{{{tex(n)}}}$"
    if info.get("at"):
        text += ", and evaluate it at " + ", ".join(f"${tex(k)} = {tex(v)}$" for k, v in info["at"].items())
    return text + "."
