"""kind: true_false -- a claim whose truth is computed from the answers before it (`true_if:`) or given;
the question sheet shows the claim with True / False, the key the verdict and why.

fields.py reads the spec; solve.py evaluates the claim; confirm.py evaluates it again in floating point,
sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import TrueFalseFields, context
from .solve import describe, solve


KIND = Kind("true_false", TrueFalseFields, solve, confirm, describe, context, after=True)
