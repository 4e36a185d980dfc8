"""kind: choice -- the independent confirmation: each option's condition evaluated again in floating point
(mpmath), and the options the key marks right are exactly those that hold; the values filled into the
options read back from their LaTeX."""
from __future__ import annotations

from ...numerics import failure
from ..short_answer.confirm import numeric, values_read_back
from .fields import letter, option_condition


def confirm(problem, solution) -> list[str]:
    c = problem.fields
    marked = {i for i, o in enumerate(solution.data["options"]) if o["right"]}
    evaluated = 0
    if c.correct is None:
        for i, option in enumerate(c.options):
            text = option_condition(option)
            holds = text if isinstance(text, bool) else numeric(problem, text)
            if holds is None or not isinstance(holds, bool):
                continue  # a worded answer: compared as words by the solver
            if holds != (i in marked):
                raise failure(problem, "answer", f"option ({letter(i)}): its condition {'holds' if holds else 'fails'} "
                                                 f"in floating point, the key marks it {'right' if i in marked else 'wrong'}")
            evaluated += 1
    said = values_read_back(problem, solution)
    return [f"{evaluated} option condition(s) evaluated again and {said} value(s) read back from the options"]
