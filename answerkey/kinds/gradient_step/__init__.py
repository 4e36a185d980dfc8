"""kind: gradient_step -- one step of gradient descent, and the updates from a point.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every answer another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import GradientStepFields, context
from .solve import describe, solve


KIND = Kind("gradient_step", GradientStepFields, solve, confirm, describe, context)
