"""kind: dropout -- a dropout layer: its scaling factor, its output for a given mask, that the scaled output
is unbiased (E = h), the test-time output, and the variance it adds.

fields.py reads the spec (the activations, the drop or keep probability, the mask); solve.py derives the
worked solution; confirm.py checks every answer another way (every mask enumerated), sharing no code with
solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import DropoutFields, context
from .solve import describe, solve


KIND = Kind("dropout", DropoutFields, solve, confirm, describe, context)
