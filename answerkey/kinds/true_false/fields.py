"""kind: true_false -- its fields."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from ..common import Fields
from ..short_answer.fields import Condition, Text


class TrueFalseFields(Fields):
    claim: Text  # LaTeX shown on the question sheet and the key; <<expr>> shows a computed value
    true_if: Condition  # a comparison of answers and numbers, or true / false as given
    reason: Text | None = None  # LaTeX shown on the key; <<expr>> allowed
    lines: Annotated[StrictInt, Field(ge=0, le=40)] = 1


def context(problem):
    from ...reader import Context

    return Context()
