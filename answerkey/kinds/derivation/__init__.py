"""kind: derivation ("show that") -- the chain of forms an instructor writes, every link checked.

fields.py reads the spec; solve.py lays the chain out; confirm.py checks the claim numerically, sharing no
code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import DerivationFields, context
from .solve import describe, solve


KIND = Kind("derivation", DerivationFields, solve, confirm, describe, context)
