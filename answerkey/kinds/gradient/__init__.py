"""kind: gradient -- the gradient of a scalar function, component by component by the chain rule.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every answer another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import GradientFields, context
from .solve import describe, solve


KIND = Kind("gradient", GradientFields, solve, confirm, describe, context)
