"""kind: true_false -- the claim filled with its computed values and its truth found by evaluating
`true_if:` (shown as the relation that holds between the numbers, read back and checked like every
line)."""
from __future__ import annotations

from pylatex.utils import NoEscape

from ... import mathobj as mo, refs
from ...derivation import Answer, Part, Solution


def solve(problem) -> Solution:
    c = problem.fields
    claim, used = refs.sentence(problem, ("claim",), c.claim)
    cond = refs.condition(problem, ("true_if",), c.true_if)
    verdict = "true" if cond.holds else "false"
    part = Part()
    if cond.left is not None:
        part.add(cond.shown_left, cond.shown_right, relation=cond.relation,
                 note=f"The claim is {verdict}:")
    options = [{"label": "", "text": NoEscape(word), "right": (word == "True") == cond.holds}
               for word in ("True", "False")]
    data = {"claim": NoEscape(claim), "options": options, "values": used, "room": f"{0.8 * c.lines:g}cm",
            "verdict": verdict}
    if cond.left is None:
        data["why"] = NoEscape(refs.plain_words(cond.words))
    if c.reason is not None:
        reason, values = refs.sentence(problem, ("reason",), c.reason)
        data["reason"] = NoEscape(reason)
        data["values"] = used + values
    return Solution([part] if part.lines else [], {"answer": Answer(mo.text(verdict))}, data=data)


def describe(problem) -> str:
    return "True or false? Say why."
