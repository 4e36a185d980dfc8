"""kind: initialization -- the variance, standard deviation and (uniform) bound of a weight initialisation
scheme (Xavier/Glorot, He/Kaiming, LeCun) as torch.nn.init defines it, the fans from a layer's shape, the
gain of a nonlinearity (calculate_gain), and the reason: Var(y) = fan_in Var(w) Var(x) kept at Var(x).

fields.py reads the spec; solve.py derives the worked solution; confirm.py recomputes every answer from
PyTorch's documented formulas written out on their own (and the variance of U(-a, a) by numeric
integration), sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import InitFields, context
from .solve import describe, solve


KIND = Kind("initialization", InitFields, solve, confirm, describe, context)
