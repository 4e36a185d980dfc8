"""kind: tensor_op -- a cross-correlation or convolution (1-D or 2-D; stride, padding, dilation, channels,
several filters, a bias), or a max or average pooling, of arrays given in the spec: the output size, the
padded input, the first windows entry by entry, then the whole output.

fields.py reads the spec (the arrays, as exact numbers); solve.py derives the worked solution; confirm.py
computes the whole output again with its own loops, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import TensorFields, context
from .solve import describe, solve


KIND = Kind("tensor_op", TensorFields, solve, confirm, describe, context)
