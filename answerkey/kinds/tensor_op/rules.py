"""The tensor_op kind's own rules (the output size is conv_output_shape's rule): each a stable name and its
English wording, in the one table of rules."""
from ...rules import rule


ZERO_PADDING = rule("zero_padding", "zero padding, {p} on each side")
FLIPPED_KERNEL = rule("flipped_kernel", "convolution flips the kernel in both axes")
FLIPPED_KERNEL_1D = rule("flipped_kernel_1d", "convolution flips the kernel")
WINDOW_PRODUCTS = rule("window_products", "the window times the kernel, entry by entry, added up")
IN_NUMBERS = rule("in_numbers", "the entries' values")
WINDOW_PRODUCTS_FLIPPED = rule("window_products_flipped", "the window times the flipped kernel, entry by entry, "
                                                          "added up")
WINDOW_MAX = rule("window_max", "the largest entry of the window")
WINDOW_MEAN = rule("window_mean", "the mean of the window (padding counts as 0)")
CHANNELS_ADDED = rule("channels_added", "the channels' sums added")
CHANNELS_ADDED_BIAS = rule("channels_added_bias", "the channels' sums added, and the bias")
WHOLE_OUTPUT = rule("whole_output", "every window the same way")
