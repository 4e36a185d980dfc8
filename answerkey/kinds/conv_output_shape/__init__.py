"""kind: conv_output_shape -- the output shape (and parameters) of one convolution layer.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every answer another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import ConvFields, context
from .solve import describe, solve


KIND = Kind("conv_output_shape", ConvFields, solve, confirm, describe, context)
