"""kind: optimizer_step -- t steps of SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam or AdamW, from a point
on a given function or from given gradients: the update rules with the problem's numbers, then a table of
the iterates per step.

fields.py reads the spec (its fields, and them as mathematical objects); solve.py derives the worked
solution; confirm.py checks every iterate another way, sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import OptimizerStepFields, context
from .solve import describe, solve


KIND = Kind("optimizer_step", OptimizerStepFields, solve, confirm, describe, context)
