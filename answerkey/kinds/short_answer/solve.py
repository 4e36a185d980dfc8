"""kind: short_answer -- the instructor's sentence with the computed values filled in by the key's own
printer, and each claim of `check:` shown as a relation between the numbers (read back and checked like
every line). A claim that does not hold is an error at its position."""
from __future__ import annotations

from pylatex.utils import NoEscape

from ... import mathobj as mo, refs
from ...derivation import Answer, Part, Solution
from ...printer import tex
from .fields import checks


def claim_lines(problem, part: Part, conditions, want: bool = True) -> list:
    """Each condition evaluated; a line showing the relation that holds between its numbers. A condition
    whose truth is not `want` is a SpecError naming it."""
    out = []
    for field, text in conditions:
        holds, each = refs.conditions(problem, field, text)
        if holds != want:
            shown = "; ".join(f"{tex(c.shown_left)} {c.relation} {tex(c.shown_right)}" if c.left is not None
                              else c.words for c in each)
            raise problem.error(field, f"the claim '{text}' does not hold: {shown}",
                                "correct the sentence's claim, or the numbers it is about")
        for cond in each:
            if cond.left is not None:
                part.add(cond.shown_left, cond.shown_right, relation=cond.relation)
        out += each
    return out


def solve(problem) -> Solution:
    c = problem.fields
    filled, used = refs.sentence(problem, ("answer",), c.answer)
    part = Part(intro="The numbers the answer states, from the parts before it:" if checks(problem) else "")
    claim_lines(problem, part, checks(problem))
    answers = {"answer": Answer(mo.sentence(filled))}
    data = {"answer_tex": NoEscape(filled), "room": f"{0.8 * c.lines:g}cm",
            "values": used}
    return Solution([part] if part.lines else [], answers, data=data)


def describe(problem) -> str:
    return "Answer in a sentence or two."
