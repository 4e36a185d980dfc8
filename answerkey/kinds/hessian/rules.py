"""The hessian kind's own rules (the shared ones are in answerkey/rules.py): each a stable name and its
English wording, in the one table of rules."""
from ...rules import rule


DERIVATIVE_OF_FIRST_PARTIAL = rule("derivative_of_first_partial", "the derivative of the first partial")
DERIVATIVE_ALONG = rule("derivative_of_partial_along", r"the derivative of $\partial {f} / \partial {v}$ along ${w}$")
MIXED_PARTIALS_AGREE = rule("mixed_partials_agree", "the mixed partials agree (Schwarz: they are continuous)")
HESSIAN_ASSEMBLED = rule("hessian_assembled", "the second partials, row i and column j from the i-th and j-th "
                                              "variables")
FIRST_PARTIALS_THERE = rule("first_partials_there", "the first partials there")
HESSIAN_THERE = rule("hessian_there", "the Hessian there")
HESSIAN_DETERMINANT = rule("hessian_determinant", "the determinant of the Hessian")
LEADING_MINOR = rule("leading_principal_minor", "leading principal minor {k}")
SECOND_DERIVATIVE_OF_ENTRY = rule("second_derivative_of_entry", "the derivative of the entry along another entry")
HESSIAN_ENTRIES_ASSEMBLED = rule("hessian_entries_assembled", "the (k, l) entry from the k-th and l-th entries of "
                                                              "the variable; in matrix notation")
QUADRATIC_FORM = rule("quadratic_form", "the quadratic form of the Hessian, as weighted squares")
WEIGHTS_NONNEGATIVE = rule("weights_nonnegative", "Every term is a square with a nonnegative weight ({weights}), so "
                                                  "$z^T H z \\geq 0$ for every $z$: $H$ is positive semidefinite.")
CONVEX = rule("convex_by_hessian", "Hence ${f}$ is convex (its Hessian is positive semidefinite everywhere).")
