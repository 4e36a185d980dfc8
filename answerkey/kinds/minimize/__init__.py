"""kind: minimize -- stationary points: grad f = 0 solved step by step, each solution substituted back and
classified; the normal equations of a quadratic in a vector; Newton's step.

fields.py reads the spec; solve.py (with matrix.py and newton.py) derives the worked solution; confirm.py
checks every answer another way (finite differences, numerical minimisation, numpy's least squares),
sharing no code with the solver."""
from .. import Kind
from .confirm import confirm
from .fields import MinimizeFields, context
from .solve import describe, solve


KIND = Kind("minimize", MinimizeFields, solve, confirm, describe, context)
