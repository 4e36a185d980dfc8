"""kind: normalization -- batch or layer normalisation of a given matrix (rows examples, columns features):
the means, the biased variances, x-hat and y = gamma x-hat + beta; with an upstream gradient dL/dy, the
backward pass by the computational graph (dL/dgamma, dL/dbeta, dL/dx over the mean and variance paths).

fields.py reads the spec (the matrices, as exact numbers) and names the page's graph; solve.py derives the
worked solution; confirm.py computes the forward pass again and the backward pass by central differences,
sharing no code with solve.py."""
from .. import Kind
from .confirm import confirm
from .fields import NormalizationFields, context
from .solve import describe, solve


KIND = Kind("normalization", NormalizationFields, solve, confirm, describe, context)
