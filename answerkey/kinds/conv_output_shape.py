from . import Kind
from .common import Fields
class F(Fields):
    pass
def solve(problem): raise NotImplementedError
KIND = Kind("conv_output_shape", F, solve, None, "kinds/conv_output_shape.tex")
