"""kind: choice -- its fields."""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, StrictBool, StrictInt

from ..common import Fields
from ..short_answer.fields import Condition, Text


class Option(Fields):
    text: Text  # LaTeX; <<expr>> shows a computed value (a distractor such as <<4 * a.total_params>>)
    true_if: Condition | None = None  # computed: the option is right when this holds


Index = Annotated[StrictInt, Field(ge=1, le=12)]


class ChoiceFields(Fields):
    options: list[Union[Text, Option]] = Field(min_length=2, max_length=12)
    correct: Union[Index, list[Index], None] = None  # the right option(s), counted from 1, when not computed
    multiple: StrictBool = False  # several options may be right (then each is marked)
    reason: Text | None = None  # LaTeX shown on the key; <<expr>> allowed
    lines: Annotated[StrictInt, Field(ge=0, le=40)] = 1


def option_text(option) -> str:
    return option if isinstance(option, str) else option.text


def option_condition(option):
    return None if isinstance(option, str) else option.true_if


def letter(i: int) -> str:
    return chr(ord("a") + i)


def context(problem):
    from ...reader import Context

    return Context()
