"""The matrix_gradient kind's own rules (the shared ones are in answerkey/rules.py): each a stable name and
its English wording, in the one table of rules."""
from ...rules import rule


IN_INDEX_NOTATION = rule("in_index_notation", "in index notation")
ENTRIES_ASSEMBLED = rule("entries_assembled", "entries assembled")
DENOMINATOR_LAYOUT = rule("denominator_layout", "the gradient has the shape of {variable} (denominator layout)")
JACOBI_FORMULA = rule("jacobi_formula", r"Jacobi's formula: $\partial \det X / \partial X = \det(X)\, X^{{-T}}$")
DERIVATIVE_OF_LOG_DET = rule("derivative_of_log_det", r"$\partial \log\det X / \partial X = X^{{-T}}$ "
                                                      "(Jacobi's formula and the chain rule)")
DERIVATIVE_OF_INVERSE = rule("derivative_of_inverse",
                             r"matrix calculus: $d(X^{{-1}}) = -X^{{-1}}\,(dX)\,X^{{-1}}$")
MATRIX_CALCULUS = rule("matrix_calculus", "matrix calculus")
SUMS_COLLECTED = rule("sums_collected", "the sums over one range written as one sum")
IN_MATRIX_NOTATION = rule("in_matrix_notation", "in matrix notation: {reading}")
