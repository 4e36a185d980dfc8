"""The normalization kind's own rules (the shared ones are in answerkey/rules.py): each a stable name and
its English wording, in the one table of rules."""
from ...rules import rule


NORM_MEAN = rule("norm_mean", "the mean over {group}")
NORM_VARIANCE = rule("norm_variance", "the biased variance over {group} (divided by $m$)")
NORM_NORMALISED = rule("norm_normalised", "centred and divided by the standard deviation (with $\\varepsilon$)")
NORM_SCALED = rule("norm_scaled", "scaled by $\\gamma_{{j}}$ and shifted by $\\beta_{{j}}$")
NORM_WHOLE = rule("norm_whole", "every entry the same way")
NORM_D_BETA = rule("norm_d_beta", "$\\beta_{{j}}$ adds to every $y_{{ij}}$ of feature $j$")
NORM_D_GAMMA = rule("norm_d_gamma", "$\\gamma_{{j}}$ multiplies every $\\hat{{x}}_{{ij}}$ of feature $j$")
NORM_D_XHAT = rule("norm_d_xhat", "$\\hat{{x}}_{{ij}}$ reaches $L$ only through $y_{{ij}} = \\gamma_{{j}} "
                                  "\\hat{{x}}_{{ij}} + \\beta_{{j}}$")
NORM_D_VARIANCE = rule("norm_d_variance", "the variance path: $\\sigma^{{2}}$ reaches $L$ through every "
                                          "$\\hat{{x}}$ of its group")
NORM_D_MEAN = rule("norm_d_mean", "the mean paths: $\\mu$ reaches $L$ through every $\\hat{{x}}$ of its group and "
                                  "through $\\sigma^{{2}}$")
NORM_D_X = rule("norm_d_x", "the three paths from $x$ summed: through $\\hat{{x}}$, through $\\sigma^{{2}}$ and "
                            "through $\\mu$")
NORM_COMPACT = rule("norm_compact", "the compact formula, as a check")
NORM_IN_NUMBERS = rule("norm_in_numbers", "with the numbers")
NORM_SUMS = rule("norm_sums", "a sum the compact formula needs, over the example's features")
