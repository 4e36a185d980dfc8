"""kind: derivation ("show that") -- the chain of forms the instructor writes, each with the instructor's
words for it or, without words, the known identity that gives it (known.py); every link checked.

A chain of equalities is shown as the left side equal to each form in turn. A chain with inequalities is
shown link by link (each line the form before, its relation, the next form), then its conclusion: the
left side in the weakest relation of the chain to the last form. A claim that SymPy does not prove is
checked at random points of the domain, and its line says so. Assumptions are stated above the first
line ("Assume $x > -1$."), where the read-back reads them.
"""
from __future__ import annotations

import random

import sympy as sp

from ... import claims, mathobj as mo
from ...derivation import Answer, Part, Solution
from ...numerics import EmptyDomain
from ...printer import tex
from .fields import claim, setup
from .known import bound_rule, derivative_rule, equality_rule
from .rules import AS_WRITTEN, CHECKED_AT_POINTS, CONCLUSION

_SIGNS = {sp.StrictLessThan: "<", sp.LessThan: r"\leq", sp.StrictGreaterThan: ">", sp.GreaterThan: r"\geq",
          sp.Unequality: r"\neq"}


def assumed(chain) -> str:
    """The assumptions in words with math: "Assume $x > -1$ and $y_{2} = 0$." ("" for none)."""
    shown = [f"${tex(c.lhs)} {_SIGNS[type(c)]} {tex(c.rhs)}$" for c in chain.domain]
    shown += [f"${tex(k)} = {tex(v)}$" for k, v in chain.values.items()]
    if not shown:
        return ""
    return "Assume " + (", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]) + "."


def solve(problem) -> Solution:
    chain = setup(problem)
    start, wrt, forms = chain
    lhs = mo.PartialOf(start, wrt) if wrt is not None else start
    value = claim(start, wrt)
    note, assume = assumed(chain), chain.assume
    part = Part()
    previous = start
    if chain.total == "=":
        for i, (step, form) in enumerate(zip(problem.fields.steps, forms)):
            part.add(lhs, form, rule=_words(step) or _equality(chain, i, previous, form), value=value,
                     therefore=i == len(forms) - 1, note=note if i == 0 else "", assume=assume)
            previous = form
        return Solution([part], {"result": Answer(forms[-1], description="the last form of the chain")})
    before, meaning = lhs, value
    rng = random.Random(3)
    for i, (step, form, rel) in enumerate(zip(problem.fields.steps, forms, chain.relations)):
        if rel == "=":
            rule = _words(step) or _equality(chain, i, previous, form)
        else:
            try:
                verdict = claims.check(_at(meaning, chain), rel, _at(form, chain), chain.domain, rng)
            except claims.Undefined as exc:
                raise problem.error(("steps", i, "form"), f"step {i + 1} cannot be checked: {exc}",
                                    "state the domain, e.g. assume: [\"x > -1\"]") from None
            except EmptyDomain as exc:
                raise problem.error("assume", f"the assumptions leave no room: {exc}") from None
            rule = _words(step) or bound_rule(_at(previous, chain), rel, _at(form, chain), verdict.how == "proved")
            if verdict.holds and verdict.how == "points":
                rule = CHECKED_AT_POINTS.at(rule=rule, points=verdict.points)
        part.add(before, form, rule=rule, value=meaning if i == 0 else None, relation=rel,
                 note=note if i == 0 else "", assume=assume, therefore=len(forms) == 1)
        before, meaning, previous = form, form, form
    if len(forms) > 1:  # one link is its own conclusion
        part.add(lhs, forms[-1], rule=CONCLUSION, value=value, relation=chain.total, therefore=True, assume=assume)
    return Solution([part], {"result": Answer(forms[-1], description="the last form of the chain")},
                    data={"relation": chain.total})


def _at(expr, chain):
    return expr.xreplace(chain.values) if chain.values else expr


def _words(step):
    return AS_WRITTEN.at(words=step.rule) if step.rule else None


def _equality(chain, i, previous, form):
    if i == 0 and chain.wrt is not None:
        return derivative_rule(chain.start, chain.wrt, form)
    return equality_rule(previous, form, chain.values)


def describe(problem) -> str:
    chain = setup(problem)
    start, wrt, forms = chain
    left = f"\\frac{{\\partial}}{{\\partial {tex(wrt)}}} {tex(start)}" if wrt is not None else tex(start)
    words = assumed(chain)
    where = f" for {words[len('Assume '):-1]}" if words else ""
    return f"Show that ${left} {claims.WORDS[chain.total]} {tex(forms[-1])}${where}."
