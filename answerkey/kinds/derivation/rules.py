r"""The derivation kind's own rules, in the one table of rules: the instructor's own words for a step (a
parameter, so a translated table keeps them as written), the steps without words, and the known identities
that name a step the instructor left without words.

IDENTITIES is data: each known identity as a rule and its two sides, in the wildcards u, v (a template
instantiated by matching); known.py finds the rule of a link by instantiating the identity inside one form
and checking that it gives the other (never by reading the instructor's text). BOUNDS are the known
inequalities, the same way. The identities that are procedures rather than templates (a shift of every
exponent, the one-hot values, a derivative) are named here and instantiated in known.py.
"""
import sympy as sp

from ... import mathobj as mo
from ...rules import rule


AS_WRITTEN = rule("instructor_step", "{words}")
FORM_GIVEN = rule("form_to_show", "to show")
CONCLUSION = rule("chain_conclusion", "the steps above")
CHECKED_AT_POINTS = rule("checked_at_points", "{rule} (checked at {points} points, not proved)")

SOFTMAX_SHIFT = rule("softmax_shift", r"softmax is unchanged when every score gains $c$: "
                                      r"$\mathrm{{softmax}}(x + c) = \mathrm{{softmax}}(x)$")
SIGMOID_DERIVATIVE = rule("sigmoid_derivative", r"the derivative of the sigmoid, $\sigma'(u) = \sigma(u)(1 - \sigma(u))$")
TWO_CLASS_SOFTMAX = rule("two_class_softmax", r"a two-class softmax is a sigmoid of the difference, "
                                              r"$e^{{u}}/(e^{{u}} + e^{{v}}) = \sigma(u - v)$")
DEFINITION_OF_SIGMOID = rule("definition_of_sigmoid", r"the definition of the sigmoid, $\sigma(u) = 1/(1 + e^{{-u}})$")
ONE_HOT = rule("one_hot_cross_entropy", "one-hot $y$: only the true class's term is left")
VALUES_ASSUMED = rule("values_assumed", "the values assumed")
LOG_OF_PRODUCT = rule("log_of_product", r"$\log(uv) = \log u + \log v$")
LOG_OF_QUOTIENT = rule("log_of_quotient", r"$\log(u/v) = \log u - \log v$")
EXP_LOG_INVERSE = rule("exp_log_inverse", r"$\exp$ and $\log$ are inverses")
DIFFERENTIATED = rule("differentiated", "differentiated term by term")
ALGEBRA = rule("algebra", "algebra")
LOG_BOUND = rule("log_bound", r"$\log(1 + u) \leq u$")
EXP_BOUND = rule("exp_bound", r"$e^{{u}} \geq 1 + u$")
SQUARE_DROPPED = rule("square_dropped", "a square is nonnegative")
DIFFERENCE_SIGN = rule("difference_sign", "the difference of the sides is {sign}")

u = sp.Wild("u", properties=[lambda e: e != 0])
v = sp.Wild("v", properties=[lambda e: e != 0])

IDENTITIES = (  # (rule, one side, the other side): equalities
    (TWO_CLASS_SOFTMAX, sp.exp(u) / (sp.exp(u) + sp.exp(v)), mo.sigmoid(u - v)),
    (DEFINITION_OF_SIGMOID, 1 / (1 + sp.exp(-u)), mo.sigmoid(u)),
)
BOUNDS = (  # (rule, the smaller side, the larger side): inequalities
    (LOG_BOUND, sp.log(1 + u), u),
    (EXP_BOUND, 1 + u, sp.exp(u)),
)
