"""The conv_output_shape kind's own rules (the shared ones, such as weights + biases, are in
answerkey/rules.py): each a stable name and its English wording, in the one table of rules."""
from ...rules import rule


DILATION_SPREADS_FILTER = rule("dilation_spreads_filter", "dilation spreads the filter")
OUTPUT_SIZE = rule("output_size", "(W - F + 2P)/S + 1")
ROUNDED_DOWN = rule("rounded_down", "rounded down")
ONE_FILTER_PER_MAP = rule("one_filter_per_map", r"one $F_w \times F_h \times C$ filter per output map")
ONE_BIAS_PER_FILTER = rule("one_bias_per_filter", "one per filter")
