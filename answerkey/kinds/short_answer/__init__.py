"""kind: short_answer -- a sentence written by the instructor, with computed values of the problems before
it embedded (<<a.total_params>>), and the claims it makes (`check:`) shown as checked lines.

fields.py reads the spec; solve.py fills the sentence and lays the checks out; confirm.py reads the filled
values back and re-evaluates the checks, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import ShortAnswerFields, context
from .solve import describe, solve


KIND = Kind("short_answer", ShortAnswerFields, solve, confirm, describe, context, after=True)
