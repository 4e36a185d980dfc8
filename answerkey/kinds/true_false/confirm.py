"""kind: true_false -- the independent confirmation: the claim's condition evaluated again in floating
point (mpmath) against the key's verdict; the values filled in read back from their LaTeX."""
from __future__ import annotations

from ...numerics import failure
from ..short_answer.confirm import numeric, values_read_back


def confirm(problem, solution) -> list[str]:
    text = problem.fields.true_if
    holds = text if isinstance(text, bool) else numeric(problem, text)
    if isinstance(holds, bool) and holds != (solution.data["verdict"] == "true"):
        raise failure(problem, "answer", f"the condition {'holds' if holds else 'fails'} in floating point, "
                                         f"the key says {solution.data['verdict']}")
    said = values_read_back(problem, solution)
    return [("the verdict evaluated again" if isinstance(holds, bool) else "the verdict compared as words") +
            f" and {said} value(s) read back from the claim"]
