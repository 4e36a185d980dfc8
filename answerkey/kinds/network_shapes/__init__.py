"""kind: network_shapes -- every layer's output shape and parameter count, and the totals.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every answer another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import NetworkFields, context
from .solve import describe, solve


KIND = Kind("network_shapes", NetworkFields, solve, confirm, describe, context)
