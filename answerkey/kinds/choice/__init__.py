"""kind: choice -- multiple choice whose right option is computed from the answers before it (each option's
`true_if:`), or given (`correct:`); the question sheet shows the options, the key marks the right one(s)
and shows why.

fields.py reads the spec; solve.py evaluates the options; confirm.py evaluates them again in floating point,
sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import ChoiceFields, context
from .solve import describe, solve


KIND = Kind("choice", ChoiceFields, solve, confirm, describe, context, after=True)
