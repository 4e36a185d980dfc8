from . import Kind
from .common import Fields
class F(Fields):
    pass
def solve(problem): raise NotImplementedError
KIND = Kind("matrix_gradient", F, solve, None, "kinds/matrix_gradient.tex")
