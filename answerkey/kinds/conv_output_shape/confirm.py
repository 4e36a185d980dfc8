"""kind: conv_output_shape -- the independent confirmation of its answers (no code shared with its solver)."""
from __future__ import annotations

from ...numerics import array_size, failure, windows


def confirm(problem, solution) -> list[str]:
    """Slide a window along each axis of the padded input and count the positions where it fits;
    count the weights of a filter bank."""
    c = problem.fields

    def axes(v):
        return (v, v) if isinstance(v, int) else (v.width, v.height)

    (kw, kh), (sw, sh), (pw, ph), (dw, dh) = axes(c.kernel), axes(c.stride), axes(c.padding), axes(c.dilation)
    width, height = windows(c.input.width, kw, sw, pw, dw), windows(c.input.height, kh, sh, ph, dh)
    answers = solution.answers
    for label, want in (("width", width), ("height", height), ("filters", c.filters)):
        if int(answers[label].expr) != want:
            raise failure(problem, label, f"the key says {answers[label].expr}, a sliding window gives {want}")
    done = [f"shape: counting where a window fits, sliding over a {c.input.width} x {c.input.height} input, gives "
            f"{width} x {height}"]
    if "params" in answers:
        weights, biases = array_size([c.filters, c.input.channels, kh, kw]), c.filters
        if int(answers["params"].expr) != weights + biases:
            raise failure(problem, "params", f"the key says {answers['params'].expr}, a filter bank has "
                                           f"{weights + biases}")
        done.append(f"parameters: a filter bank has {weights} weights and {biases} biases")
    return done
