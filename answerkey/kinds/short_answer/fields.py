"""kind: short_answer -- its fields."""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, StrictStr

from ...texcheck import LaTeX
from ..common import Fields

Text = Annotated[StrictStr, Field(min_length=1, max_length=4000), LaTeX()]  # checked as a statement is (texcheck)
def _given(value):
    """true_if: "true" (quoted) is the verdict given, as true_if: true is."""
    return value.strip().lower() == "true" if isinstance(value, str) and value.strip().lower() in ("true", "false") \
        else value


Condition = Annotated[Union[StrictBool, Annotated[StrictStr, Field(min_length=1, max_length=500)]],
                      BeforeValidator(_given)]


class ShortAnswerFields(Fields):
    answer: Text  # LaTeX; <<expr>> is a value computed from the answers before it (refs.py)
    check: Union[Condition, Annotated[list[Condition], Field(max_length=20)]] = []  # claims the sentence makes
    lines: Annotated[StrictInt, Field(ge=0, le=40)] = 4  # room to write on the question sheet, in lines


def checks(problem) -> list:
    """The `check:` conditions as a list, with the path of each."""
    c = problem.fields.check
    if isinstance(c, list):
        return [(("check", j), text) for j, text in enumerate(c)]
    return [(("check",), c)]


def context(problem):
    from ...reader import Context

    return Context()
