"""kind: hessian -- the Hessian of a scalar function, entry by entry, and the second-derivative test.

fields.py reads the spec; solve.py derives the worked solution; confirm.py checks every answer by numerical
differentiation and eigenvalues, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import HessianFields, context
from .solve import describe, solve


KIND = Kind("hessian", HessianFields, solve, confirm, describe, context)
