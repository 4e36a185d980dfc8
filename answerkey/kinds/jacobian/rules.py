"""The jacobian kind's own rules, in the one table of rules."""
from ...rules import rule


DIFFERENTIATE_ALONG = rule("differentiate_output_along", "differentiate ${y}$ along ${x}$")
JACOBIAN_LAYOUT = rule("jacobian_numerator_layout", "numerator layout: row i the derivatives of the i-th output, "
                                                    "column j those along the j-th variable")
JACOBIAN_THERE = rule("jacobian_there", "the Jacobian there")
JACOBIAN_DETERMINANT = rule("jacobian_determinant", "the Jacobian determinant")
