"""The derivation kind's own rules, in the one table of rules: the instructor's own words for a step (a
parameter, so a translated table keeps them as written), and the steps without words."""
from ...rules import rule


AS_WRITTEN = rule("instructor_step", "{words}")
FORM_GIVEN = rule("form_to_show", "to show")
