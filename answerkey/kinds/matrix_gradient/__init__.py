"""kind: matrix_gradient -- the derivative of a scalar function of vectors and matrices, in index notation.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every answer another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import MatrixGradientFields, context
from .solve import describe, solve


KIND = Kind("matrix_gradient", MatrixGradientFields, solve, confirm, describe, context)
