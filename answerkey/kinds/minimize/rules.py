"""The minimize kind's own rules (the shared ones are in answerkey/rules.py): each a stable name and its
English wording, in the one table of rules."""
from ...rules import rule


SUMS_SPLIT = rule("sums_split", r"the sum split, constants out: $\sum_{{i=1}}^{{m}} c = m c$")
FACTORED = rule("factored", "factored")
SUBSTITUTED_BACK = rule("substituted_back", "the solution substituted back: the gradient vanishes")
GRADIENT_EXPANDED = rule("gradient_expanded", "expanded: the gradient is affine in ${variable}$")
NORMAL_EQUATIONS_SOLVED = rule("normal_equations_solved", r"the solution of ${equations}$ ({why})")
NEWTON_STEP = rule("newton_step", r"Newton's step ${point} - H^{{-1}} \nabla {f}$")
NEWTON_GRADIENT = rule("newton_gradient", "the gradient at the current point")
NEWTON_HESSIAN = rule("newton_hessian", "the Hessian at the current point")
