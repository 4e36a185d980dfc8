"""The jacobian kind's own rules, in the one table of rules."""
from ...rules import rule


DIFFERENTIATE_ALONG = rule("differentiate_output_along", "differentiate ${y}$ along ${x}$")
JACOBIAN_LAYOUT = rule("jacobian_numerator_layout", "numerator layout: row i the derivatives of the i-th output, "
                                                    "column j those along the j-th variable")
JACOBIAN_THERE = rule("jacobian_there", "the Jacobian there")
JACOBIAN_DETERMINANT = rule("jacobian_determinant", "the Jacobian determinant")
# a vector function of a vector: the entry, its cases, the matrix
AFFINE_ROW = rule("affine_row_in_index_notation", "row ${i}$ of the product, a sum over ${j}$")
ON_THE_DIAGONAL = rule("entry_on_the_diagonal", "the case ${k} = {i}$ (on the diagonal)")
OFF_THE_DIAGONAL = rule("entry_off_the_diagonal", r"the case ${k} \neq {i}$ (off the diagonal)")
BOTH_CASES = rule("both_cases_in_one", r"both cases in one: ${delta}$ is 1 where ${k} = {i}$ and 0 elsewhere")
IN_TERMS_OF_OUTPUT = rule("in_terms_of_the_output", "written with ${yi}$")
SOFTMAX_MATRIX = rule("softmax_jacobian_matrix", "${diagonal}$ form ${diag}$, ${outer}$ form ${outer_matrix}$")
DIAGONAL_MATRIX = rule("elementwise_jacobian_matrix", "diagonal: ${yi}$ depends on ${xi}$ alone")
RELU_AT_ZERO = rule("relu_derivative_at_zero", r"with $\operatorname{{relu}}'(0) = 0$")
AFFINE_MATRIX = rule("affine_jacobian_matrix", "the entries ${entry}$ form ${matrix}$")
WRITTEN_OUT = rule("jacobian_written_out", "at ${size}$, entry by entry")
OUTPUT_THERE = rule("output_there", "the output there")
