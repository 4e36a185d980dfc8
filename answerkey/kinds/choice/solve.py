"""kind: choice -- the options filled with their computed values, the right one(s) found by evaluating
each option's condition (every condition shown as the relation that holds between its numbers, read back
and checked like every line), or given by `correct:`."""
from __future__ import annotations

from pylatex.utils import NoEscape

from ... import mathobj as mo, refs
from ...derivation import Answer, Part, Solution
from .fields import letter, option_condition, option_text


def options_of(problem, conditions: list) -> tuple[list, list]:
    """The options as the sheet shows them [{label, text, right}] and the values filled into them."""
    c = problem.fields
    shown, used = [], []
    for i, option in enumerate(c.options):
        path = ("options", i) if isinstance(option, str) else ("options", i, "text")
        text, values = refs.sentence(problem, path, option_text(option))
        used += values
        shown.append({"label": f"({letter(i)})", "text": NoEscape(text), "right": False})
    return shown, used


def solve(problem) -> Solution:
    c = problem.fields
    conditions = [option_condition(o) for o in c.options]
    computed = [x is not None for x in conditions]
    if c.correct is not None and any(computed):
        raise problem.error("correct", "the right option is given by correct: and computed by true_if: too",
                            "keep one of them")
    if c.correct is None and not all(computed):
        i = computed.index(False)
        raise problem.error(("options", i), "this option has no true_if:, and the problem no correct:",
                            "give every option a true_if: condition, or say correct: N")
    shown, used = options_of(problem, conditions)
    part = Part()
    if c.correct is not None:
        right = [c.correct] if isinstance(c.correct, int) else list(c.correct)
        bad = [n for n in right if n > len(c.options)]
        if bad:
            raise problem.error("correct", f"there is no option {bad[0]}: the options are 1 to {len(c.options)}")
        right = sorted({n - 1 for n in right})
    else:
        right = []
        for i, text in enumerate(conditions):
            holds, each = refs.conditions(problem, ("options", i, "true_if"), text)
            words = f"({letter(i)}) is {'right' if holds else 'wrong'}:"
            for cond in each:
                if cond.left is not None:
                    part.add(cond.shown_left, cond.shown_right, relation=cond.relation, note=words)
                    words = ""
            said = [c.words for c in each if c.left is None]
            if said:
                shown[i]["why"] = NoEscape(refs.plain_words("; ".join(said)))
            if holds:
                right.append(i)
    if not right:
        raise problem.error("options", "no option is right", "check the true_if: conditions (the key shows why "
                                                             "each fails with --check)")
    if len(right) > 1 and not c.multiple:
        raise problem.error("options", "options " + ", ".join(f"({letter(i)})" for i in right) + " are all right",
                            "set multiple: true, or make one condition stricter")
    for i in right:
        shown[i]["right"] = True
    data = {"options": shown, "values": used, "room": f"{0.8 * c.lines:g}cm"}
    if c.reason is not None:
        reason, values = refs.sentence(problem, ("reason",), c.reason)
        data["reason"] = NoEscape(reason)
        data["values"] = used + values
    letters = ", ".join(letter(i) for i in right)
    answers = {"answer": Answer(mo.text(letters), description="the right option" + ("s" if len(right) > 1 else ""))}
    return Solution([part] if part.lines else [], answers, data=data)


def describe(problem) -> str:
    return "Choose the right option" + (" (one or more)." if problem.fields.multiple else ".")
