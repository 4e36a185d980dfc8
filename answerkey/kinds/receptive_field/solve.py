"""kind: receptive_field -- the receptive field R and the jump J (the distance, in input positions, between
neighbouring outputs) after each layer of a chain of convolutions and poolings, along one axis.

From R = 1, J = 1 at the input, each layer with kernel F, stride S and dilation D (effective kernel
F' = D(F - 1) + 1) gives R + (F' - 1)J and JS. Padding moves where a field starts, not its size.
"""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from .fields import D, F, Fe, J, R, S, layers
from .rules import (DILATED_TAPS_REACH_FURTHER, DILATION_SPREADS_KERNEL, POOL_STRIDE_MULTIPLIES_JUMP,
                    STRIDE_MULTIPLIES_JUMP, TAPS_REACH_FURTHER)


def _form(*terms):
    return mo.Shown(sp.Add(*terms, evaluate=False))


def solve(problem) -> Solution:
    part = Part(intro="$R$: receptive field and $J$: jump (input positions between neighbouring outputs) "
                      "before the layer, from $R = 1$ and $J = 1$ at the input; $F$: kernel size, $S$: stride, "
                      "$D$: dilation.")
    r, j = 1, 1
    answers = {}
    for step in layers(problem):
        kernel = step.kernel
        f = F
        if step.dilation != 1:
            kernel = step.dilation * (step.kernel - 1) + 1
            f = Fe
            part.add(mo.text(f"effective kernel of {step.name}"), D * (F - 1) + 1,
                     chain=[_form(mo.Times(step.dilation, sp.Add(step.kernel, -1, evaluate=False)), 1),
                            sp.Integer(kernel)],
                     rule=DILATION_SPREADS_KERNEL, value=D * (F - 1) + 1,
                     assume={D: step.dilation, F: step.kernel})
        new_r, new_j = r + (kernel - 1) * j, j * step.stride
        part.add(mo.text(f"receptive field after {step.name}"), _form(R, sp.Mul(sp.Add(f, -1, evaluate=False), J,
                                                                                 evaluate=False)),
                 chain=[_form(r, mo.Times(sp.Add(kernel, -1, evaluate=False), j)), sp.Integer(new_r)],
                 rule=DILATED_TAPS_REACH_FURTHER if step.dilation != 1 else TAPS_REACH_FURTHER,
                 value=R + (f - 1) * J, assume={R: r, J: j, f: kernel})
        part.add(mo.text(f"jump after {step.name}"), J * S, chain=[mo.Times(j, step.stride), sp.Integer(new_j)],
                 rule=STRIDE_MULTIPLIES_JUMP if step.stride_given else POOL_STRIDE_MULTIPLIES_JUMP,
                 value=J * S, assume={J: j, S: step.stride})
        r, j = new_r, new_j
        answers[f"{step.name}_rf"] = Answer(sp.Integer(r), description=f"receptive field after {step.name}")
        answers[f"{step.name}_jump"] = Answer(sp.Integer(j), description=f"jump after {step.name}")
    part.add(mo.text("receptive field of the output"), sp.Integer(r), therefore=True, value=sp.Integer(r))
    answers["receptive_field"] = Answer(sp.Integer(r), description="receptive field of the last layer")
    answers["jump"] = Answer(sp.Integer(j), description="jump of the last layer")
    return Solution([part], answers)


def describe(problem) -> str:
    def shown(step):
        text = f"{step.name}: {step.type} ${step.kernel}$, stride ${step.stride}$"
        return text + (f", dilation ${step.dilation}$" if step.dilation != 1 else "")

    return ("A network applies, in order, " + "; ".join(shown(s) for s in layers(problem))
            + ". Give the receptive field (in input positions, along one axis) and the jump of every layer's "
              "output.")
