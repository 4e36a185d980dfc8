"""The receptive_field kind's own rules (the shared ones are in answerkey/rules.py): each a stable name and
its English wording, in the one table of rules."""
from ...rules import rule


DILATION_SPREADS_KERNEL = rule("dilation_spreads_kernel", "dilation spreads the kernel")
TAPS_REACH_FURTHER = rule("taps_reach_further", "each of the F taps reaches J positions further")
DILATED_TAPS_REACH_FURTHER = rule("dilated_taps_reach_further", "each of the F' taps reaches J positions further")
STRIDE_MULTIPLIES_JUMP = rule("stride_multiplies_jump", "the stride multiplies the jump")
POOL_STRIDE_MULTIPLIES_JUMP = rule("pool_stride_multiplies_jump",
                                   "the stride multiplies the jump (a pool's stride defaults to its kernel)")
