"""kind: backprop -- a computational graph: the forward pass, then each asked gradient by the chain rule.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every answer another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import BackpropFields, context, entries, node_values
from .solve import describe, solve


KIND = Kind("backprop", BackpropFields, solve, confirm, describe, context, values=node_values, entries=entries)
