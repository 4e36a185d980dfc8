"""kind: architecture -- parameters, shapes and multiply-adds of a stack of layers (embedding, RNN, GRU, LSTM,
multi-head attention, transformer encoder block, LayerNorm, BatchNorm, linear, convolution, pooling, flatten)
over a shaped input, every size a number or a letter; and whether the configuration is valid.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every answer another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import ArchitectureFields, context
from .solve import describe, solve


KIND = Kind("architecture", ArchitectureFields, solve, confirm, describe, context)
