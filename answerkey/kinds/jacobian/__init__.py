"""kind: jacobian -- the Jacobian matrix of a vector function (numerator layout), entry by entry.

fields.py reads the spec; solve.py derives the worked solution; confirm.py checks every answer by numerical
differentiation, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import JacobianFields, context
from .solve import describe, solve


KIND = Kind("jacobian", JacobianFields, solve, confirm, describe, context)
