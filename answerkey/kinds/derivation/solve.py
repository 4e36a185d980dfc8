"""kind: derivation ("show that") -- the chain of forms the instructor writes, each line the left side equal
to the next form, with the instructor's words for it; every link checked (the verifier finds the first form
that does not equal the left side, and says so with its step number and words).
"""
from __future__ import annotations

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...printer import tex
from .fields import claim, setup
from .rules import AS_WRITTEN


def solve(problem) -> Solution:
    start, wrt, forms = setup(problem)
    lhs = mo.PartialOf(start, wrt) if wrt is not None else start
    value = claim(start, wrt)
    part = Part()
    for i, (step, form) in enumerate(zip(problem.fields.steps, forms)):
        part.add(lhs, form, rule=AS_WRITTEN.at(words=step.rule) if step.rule else None, value=value,
                 therefore=i == len(forms) - 1)
    return Solution([part], {"result": Answer(forms[-1], description="the last form of the chain")})


def describe(problem) -> str:
    start, wrt, forms = setup(problem)
    left = f"\\frac{{\\partial}}{{\\partial {tex(wrt)}}} {tex(start)}" if wrt is not None else tex(start)
    return f"Show that ${left} = {tex(forms[-1])}$."
