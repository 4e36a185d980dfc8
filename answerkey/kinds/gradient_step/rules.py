"""The gradient_step kind's own rules (the shared ones are in answerkey/rules.py): each a stable name and
its English wording, in the one table of rules."""
from ...rules import rule


STEP = rule("step", r"the step is $-{rate} \nabla {f}$")
STEP_IN_WORDS = rule("step_in_words", "the step is minus the learning rate times the gradient")
GRADIENT_AT_THE_POINT = rule("gradient_at_the_point", "the gradient at the current point")
UPDATE = rule("update", r"the update ${point} - {rate} \nabla {f}$")
