"""The gradient kind's own rules (the shared ones, such as the definition of the gradient, are in
answerkey/rules.py): each a stable name and its English wording, in the one table of rules."""
from ...rules import rule


CASE_SPLIT = rule("case_split", "the case split")
RECOGNISING_THE_VECTOR = rule("recognising_the_vector", "recognising the vector")
COMPONENTS_ASSEMBLED = rule("components_assembled", "the components assembled")
ENTRY_RANGE = rule("entry_range", "the {index}-th entry of {vector} at {index} = 1, ..., {length}")
SUBSTITUTING_THE_POINT = rule("substituting_the_point", "substituting the point")
A_TIE_AT_THE_POINT = rule("a_tie_at_the_point", "there ${gate}$ ties, and a tie splits the gradient equally "
                                                "(the indicators above hold away from ties)")
TIES_AT_THE_POINT = rule("ties_at_the_point", "there {gates} tie, and a tie splits the gradient equally "
                                              "(the indicators above hold away from ties)")
NUMERICALLY = rule("numerically", "numerically")
