"""kind: receptive_field -- the receptive field and the jump of a chain of convolution and pooling layers,
layer by layer (with dilation).

fields.py reads the spec (its fields, the layers in order); solve.py derives the worked solution; confirm.py
traces which input positions reach one output, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import ReceptiveFieldFields, context
from .solve import describe, solve


KIND = Kind("receptive_field", ReceptiveFieldFields, solve, confirm, describe, context)
