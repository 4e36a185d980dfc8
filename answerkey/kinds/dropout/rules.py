"""The dropout kind's own rules: each a stable name and its English wording, in the one table of rules."""
from ...rules import rule


KEEP_PROBABILITY = rule("dropout_keep_probability", "a unit is kept with probability $1 - p$")
KEEP_GIVEN = rule("dropout_keep_given", "the keep probability, as given")
INVERTED_SCALE = rule("dropout_inverted_scale", "inverted dropout scales the kept units by $1/(1 - p)$ at training")
TEST_SCALE = rule("dropout_test_scale", "without inverted scaling the test-time output is scaled by $1 - p$")
MASKED_UNIT = rule("dropout_masked_unit", "mask times activation times scale")
MASKED_UNIT_PLAIN = rule("dropout_masked_unit_plain", "mask times activation (no scaling at training)")
WHOLE_OUTPUT = rule("dropout_whole_output", "the units together")
MASK_MEAN = rule("dropout_mask_mean", "$m_i = 1$ with probability $1 - p$, $m_i = 0$ with probability $p$")
LINEARITY = rule("dropout_linearity", "linearity of expectation; $h_i$ is fixed")
VARIANCE_RULE = rule("dropout_variance", r"$\mathrm{{Var}}[X] = \mathrm{{E}}[X^2] - \mathrm{{E}}[X]^2$, $m_i^2 = m_i$")
VARIANCE_NUMBERS = rule("dropout_variance_numbers", r"$\frac{{p}}{{1 - p}} h_i^2$ with the problem's numbers")
TEST_IDENTITY = rule("dropout_test_identity", "inverted dropout: at test time every unit is kept, unscaled")
TEST_EXPECTED = rule("dropout_test_expected", "at test time every unit is kept and scaled by $1 - p$: the "
                                              "training output's expectation")
