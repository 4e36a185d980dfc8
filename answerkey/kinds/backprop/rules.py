"""The backprop kind's own rules (the shared ones, such as the chain rule, are in answerkey/rules.py): each a
stable name and its English wording, in the one table of rules."""
from ...rules import rule


FORWARD = rule("forward", "forward")
WHAT_IS_ASKED = rule("what_is_asked", "what ({label}) asks")
OUTPUT_INDEPENDENT = rule("output_independent", "the output does not depend on {name}")
CHAIN_RULE_OVER_PATHS = rule("chain_rule_over_paths", "chain rule, summed over the {count} paths")
UPSTREAM_TIMES_LOCAL = rule("upstream_times_local", "upstream times local gradients")
LOCAL_TIMES_UPSTREAM = rule("local_times_upstream", "local times upstream")
GRADIENT_DESCENT_UPDATE = rule("gradient_descent_update", "gradient-descent update")
AT_ITS_KINK = rule("at_its_kink", "here at its kink")

# the local gradient of a gate, as the backprop notes name it
ADD_GATE = rule("add_gate", "add gate: distributes the gradient")
MULTIPLY_GATE = rule("multiply_gate", "multiply gate: swaps the inputs")
NODE_DERIVATIVE = rule("node_derivative", "local gradient: the derivative of the node's expression")
MAX_GATE = rule("max_gate", "max gate: routes the gradient to the larger input (a tie splits it equally)")
MIN_GATE = rule("min_gate", "min gate: routes the gradient to the smaller input (a tie splits it equally)")
RELU_GATE = rule("relu_gate", "relu gate: passes the gradient where its input is positive (at 0: none)")
SIGMOID_GATE = rule("sigmoid_gate", r"sigmoid gate: $\sigma'(u) = \sigma(u)(1 - \sigma(u))$")
EXP_GATE = rule("exp_gate", r"exp gate: $(e^u)' = e^u$")
LOG_GATE = rule("log_gate", r"log gate: $(\log u)' = 1/u$")
TANH_GATE = rule("tanh_gate", r"tanh gate: $\tanh'(u) = 1 - \tanh^2 u$")
LOCAL_GRADIENT = rule("local_gradient", "local gradient")
