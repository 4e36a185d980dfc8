"""The architecture kind's own rules (the shared ones, such as weights + biases, are in answerkey/rules.py):
each a stable name and its English wording, in the one table of rules, printed beside each line."""
from ...rules import rule


EMBEDDING_TABLE = rule("arch_embedding_table", "one row of $d$ per token of the vocabulary")
GATES = rule("arch_gates", "per gate: input weights, hidden weights, biases")
STACKED = rule("arch_stacked_layers", "layers after the first read the directions' hidden states")
DIRECTIONS = rule("arch_directions", "every layer, in each direction")
PROJECTIONS = rule("arch_projections", "four projections $Q, K, V, O$ of $d \\times d$ with biases")
HEAD_SIZE = rule("arch_head_size", "$d_k = d / \\mathit{{heads}}$")
FEED_FORWARD = rule("arch_feed_forward", "two linear layers $d \\to d_{{\\mathrm{{ff}}}} \\to d$")
TWO_NORMS = rule("arch_two_norms", "two LayerNorms, a scale and a shift each")
TWO_NORMS_NO_SHIFT = rule("arch_two_norms_no_shift", "two LayerNorms, a scale each (bias=False drops their shift too)")
SUM_OF_PARTS = rule("arch_sum_of_parts", "attention + feed-forward + norms")
SCALE_AND_SHIFT = rule("arch_scale_and_shift", "a scale and a shift per feature")
RUNNING_STATISTICS = rule("arch_running_statistics", "a running mean and variance per channel (not learned)")
OUTPUT_SIZE = rule("arch_output_size", "$(H + 2P - K)/S + 1$")
SAME_SHAPE = rule("arch_same_shape", "the shape is kept")
LAST_AXIS = rule("arch_last_axis", "applied to the last axis")
FLATTEN = rule("arch_flatten", "the axes after the batch as one")
STATE_SHAPES = rule("arch_state_shapes", "batch first; states: (layers $\\cdot$ directions, batch, hidden)")
ATTENTION_WEIGHTS = rule("arch_attention_weights", "one $T \\times T$ matrix per head")
MACS = rule("arch_macs", "one multiply-add per weight and position")
WINDOW_SHAPE = rule("arch_window_shape", "channels, then the output height and width")
NO_WEIGHTS = rule("arch_no_weights", "no weights")
NOT_COUNTED = rule("arch_not_counted", "no weight products (not counted)")
BLOCKS = rule("arch_blocks", "identical blocks, one after another")
