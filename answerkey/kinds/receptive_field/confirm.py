"""kind: receptive_field -- the independent confirmation: trace which input positions reach one output
position (and its neighbour) through the layers, backwards, and measure the span; no formula of solve.py."""
from __future__ import annotations

from ...numerics import failure
from .fields import layers


TRACED = 200_000  # above this many positions in play, the trace follows the two ends of each set instead


def _reach(steps, position: int) -> tuple[int, int, bool]:
    """The first and last input positions that output `position` of the last of `steps` reads (through
    every tap of every kernel: tap t of a window starting at p reads p*S + t*D), and whether every
    position was traced (else the ends only)."""
    cells = {position}
    exact = True
    for step in reversed(steps):
        if exact and len(cells) * step.kernel <= TRACED:
            cells = {p * step.stride + t * step.dilation for p in cells for t in range(step.kernel)}
        else:
            exact = False
            low, high = min(cells), max(cells)
            cells = {low * step.stride, high * step.stride + (step.kernel - 1) * step.dilation}
    return min(cells), max(cells), exact


def confirm(problem, solution) -> list[str]:
    steps = layers(problem)
    answers = solution.answers
    traced = True
    for i, step in enumerate(steps):
        first, last, exact = _reach(steps[: i + 1], 0)
        nxt, _, _ = _reach(steps[: i + 1], 1)
        traced = traced and exact
        for label, want in ((f"{step.name}_rf", last - first + 1), (f"{step.name}_jump", nxt - first)):
            if int(answers[label].expr) != want:
                raise failure(problem, label, f"the key says {answers[label].expr}, tracing the input positions "
                                              f"that reach one output gives {want}")
    if int(answers["receptive_field"].expr) != int(answers[f"{steps[-1].name}_rf"].expr):
        raise failure(problem, "receptive_field", "differs from the last layer's")
    return [f"{len(steps)} layer{'s' if len(steps) != 1 else ''}: the input positions that reach one output "
            f"(and its neighbour) traced back through every tap" + ("" if traced else " (the ends of the sets, "
                                                                    "where they grow large)")
            + " give every receptive field and jump"]
