"""The initialization kind's own rules: each a stable name and its English wording, in the one table of rules."""
from ...rules import rule


CONV_FAN_IN = rule("init_conv_fan_in", r"a filter sees $C_{{in}} k_h k_w$ inputs")
CONV_FAN_OUT = rule("init_conv_fan_out", r"an input reaches $C_{{out}} k_h k_w$ outputs")
LINEAR_FAN_IN = rule("init_linear_fan_in", "a unit sees every input feature")
LINEAR_FAN_OUT = rule("init_linear_fan_out", "an input feeds every output unit")
GAIN_OF = rule("init_gain_of", "PyTorch's calculate_gain('{nonlinearity}')")
GAIN_GIVEN = rule("init_gain_given", "the gain, as given")
GLOROT_VARIANCE = rule("init_glorot_variance", r"Glorot: $g^2 \cdot 2/(n_{{in}} + n_{{out}})$")
HE_VARIANCE = rule("init_he_variance", r"He: $g^2/n$ for the fan $n$ (mode {mode})")
LECUN_VARIANCE = rule("init_lecun_variance", r"LeCun: $1/n_{{in}}$")
STD_ROOT = rule("init_std_root", "the standard deviation is the root of the variance")
GLOROT_BOUND = rule("init_glorot_bound", r"Glorot uniform: $a = g \sqrt{{6/(n_{{in}} + n_{{out}})}}$")
HE_BOUND = rule("init_he_bound", r"He uniform: $a = g \sqrt{{3/n}}$")
LECUN_BOUND = rule("init_lecun_bound", r"LeCun uniform: $a = \sqrt{{3/n_{{in}}}}$")
UNIFORM_VARIANCE = rule("init_uniform_variance", r"$U$ uniform on $(-a, a)$ has variance $a^2/3$: the scheme's variance")
ROUNDED = rule("init_rounded", "rounded")
PRODUCT_VARIANCE = rule("init_product_variance", r"$w_j$, $x_j$ independent, zero mean: "
                                                 r"$\mathrm{{E}}[w_j^2 x_j^2] = \mathrm{{E}}[w_j^2]\,\mathrm{{E}}[x_j^2]$")
SUM_VARIANCE = rule("init_sum_variance", "the variances of independent terms add")
KEPT_VARIANCE = rule("init_kept_variance", r"with $\sigma_w^2 = {variance}$ the variance is kept")
RELU_HALVES = rule("init_relu_halves", r"$x = \mathrm{{relu}}(z)$, $z$ symmetric: half the second moment")
BACKWARD_TOO = rule("init_backward_too", r"the gradients need $n_{{out}} \sigma_w^2 = 1$: "
                                         "the harmonic compromise")
