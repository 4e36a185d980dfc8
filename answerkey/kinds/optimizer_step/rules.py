"""The optimizer_step kind's own rules (the shared ones are in answerkey/rules.py): each a stable name and
its English wording, in the one table of rules."""
from ...rules import rule


GRADIENT_THERE = rule("optimizer_gradient", "the gradient at the previous iterate")
GRADIENT_GIVEN = rule("optimizer_gradient_given", "the given gradient")
GRADIENT_DECAYED = rule("optimizer_gradient_decayed", "the gradient plus the weight decay times the iterate")
STATE_UPDATE = rule("optimizer_state", "the update rule of {what}")
PARAMETER_UPDATE = rule("optimizer_parameter", "the update rule of the parameters")
