"""The network_shapes kind's own rules (the shared ones, such as weights + biases, are in answerkey/rules.py):
each a stable name and its English wording, in the one table of rules. The table of layers does not print
them; a failed check names them."""
from ...rules import rule


CONV_SIZE = rule("conv_size", "conv")
DECONV_SIZE = rule("deconv_size", "deconv")
POOL_SIZE = rule("pool_size", "pool")
FLATTEN = rule("flatten", "flatten")
