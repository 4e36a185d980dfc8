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
    holds, each = refs.conditions(problem, ("true_if",), c.true_if)
    verdict = "true" if holds else "false"
    part = Part()
    note = f"The claim is {verdict}:"
    for cond in each:
        if cond.left is not None:
            part.add(cond.shown_left, cond.shown_right, relation=cond.relation, note=note)
            note = ""
    options = [{"label": "", "text": NoEscape(word), "right": (word == "True") == holds}
               for word in ("True", "False")]
    data = {"claim": NoEscape(claim), "options": options, "values": used, "room": f"{0.8 * c.lines:g}cm",
            "verdict": verdict}
    said = [cond.words for cond in each if cond.left is None]
    if said:
        data["why"] = NoEscape(refs.plain_words("; ".join(said)))
    if c.reason is not None:
        reason, values = refs.sentence(problem, ("reason",), c.reason)
        data["reason"] = NoEscape(reason)
        data["values"] = used + values
    return Solution([part] if part.lines else [], {"answer": Answer(mo.text(verdict))}, data=data)


def describe(problem) -> str:
    return "True or false? Say why."
