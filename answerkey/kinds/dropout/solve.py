"""kind: dropout -- the scale, the output for the mask (a table, unit by unit), the expectation of a unit's
output derived with the spec's p (E[m_i h_i/(1 - p)] = (1 - p) h_i/(1 - p) = h_i), the variance it adds
(with `variance: true`), and the test-time output.

The symbolic lines are written in the letter p (or the keep letter q, 1 - p = q), valid for every p: the
read-back reads E[...] and Var[...] over the mask m_i ~ Bernoulli(1 - p) itself (reader.expectation)."""
from __future__ import annotations

import sympy as sp

from ... import mathobj as mo
from ...derivation import Answer, Part, Solution
from ...printer import tex
from .fields import Expectation, Variance, setup
from .rules import (INVERTED_SCALE, KEEP_GIVEN, KEEP_PROBABILITY, LINEARITY, MASK_MEAN, MASKED_UNIT,
                    MASKED_UNIT_PLAIN, TEST_EXPECTED, TEST_IDENTITY, TEST_SCALE, VARIANCE_NUMBERS, VARIANCE_RULE,
                    WHOLE_OUTPUT)


def _unit(shape, k) -> str:
    if len(shape) == 1:
        return str(k + 1)
    r, c = divmod(k, shape[1])
    return f"{r + 1}{c + 1}" if max(shape) < 10 else f"{r + 1},{c + 1}"


def _arranged(values, shape):
    """The values as the spec wrote h: a column for a list, the matrix for rows."""
    if len(shape) == 1:
        return sp.ImmutableMatrix(values)
    return sp.ImmutableMatrix(shape[0], shape[1], values)


def _answer(values, shape):
    m = _arranged(values, shape)
    return Answer(m, display=m)


def solve(problem) -> Solution:
    info = setup(problem)
    h, shape, drop, keep, letter, keep_form = (info[k] for k in ("h", "shape", "drop", "keep", "letter",
                                                                 "keep_form"))
    inverted = info["inverted"]
    numbers = {letter: keep if letter == keep_form else drop} if info["numeric"] else {}
    answers = {}
    scale = sp.nsimplify(1 / keep) if info["numeric"] else 1 / keep
    intro = ("$p$ is the probability of dropping a unit (PyTorch's convention); a unit is kept ($m_i = 1$) "
             "with probability $1 - p$")
    if letter == keep_form:
        intro = (f"${tex(letter)}$ is the probability of keeping a unit ($m_i = 1$), $1 - p$ for the "
                 "drop probability $p$ (PyTorch's convention)")
    first = Part(intro=intro + (". Inverted dropout scales the kept units at training, so that nothing "
                                "changes at test time." if inverted else
                                ". Without inverted scaling the training output is $m_i h_i$; the test-time "
                                "output is scaled instead."))
    if letter != keep_form:
        first.add(mo.text("keep probability"), keep_form, chain=[keep] if info["numeric"] else [],
                  rule=KEEP_PROBABILITY, value=keep_form, assume=numbers)
    elif info["numeric"]:
        first.add(mo.text("keep probability"), keep_form, chain=[keep], rule=KEEP_GIVEN, value=keep_form,
                  assume=numbers)
    if inverted:
        first.add(mo.text("scale"), 1 / keep_form, chain=[scale] if info["numeric"] else [], rule=INVERTED_SCALE,
                  value=1 / keep_form, assume=numbers, therefore=True)
        answers["scale"] = Answer(scale)
    else:
        first.add(mo.text("scale at test time"), keep_form, chain=[keep] if info["numeric"] else [], rule=TEST_SCALE,
                  value=keep_form, assume=numbers, therefore=True)
        answers["scale"] = Answer(keep)
    parts = [first]
    factor = scale if inverted else sp.Integer(1)
    if info["mask"] is not None:
        table = Part(intro="The output unit by unit: " + (r"$y_i = m_i h_i / (1 - p)$." if inverted else
                                                          r"$y_i = m_i h_i$."),
                     columns=["unit", "arithmetic", "output"])
        out = []
        for k, (m, v) in enumerate(zip(info["mask"], h)):
            value = m * v * factor
            shown = mo.Times(m, v, factor) if inverted else mo.Times(m, v)
            table.add(sp.Symbol(f"y_{{{_unit(shape, k)}}}"), shown, chain=[value],
                      rule=MASKED_UNIT if inverted else MASKED_UNIT_PLAIN, value=value,
                      rhs_tex=r"\textstyle " + tex(shown, inline=True))  # a row's height: 4/3, not a display fraction
            out.append(value)
        whole = _arranged(out, shape)
        together = Part()
        together.add(sp.Symbol("y"), whole, rule=WHOLE_OUTPUT, value=whole, therefore=True)
        parts.extend([table, together])
        answers["output"] = _answer(out, shape)
    # the expectation, for every p
    i = mo.index("i")
    mi, hi = mo.vector("m")[i], mo.vector("h")[i]
    exp = Part(intro="Each $m_i$ is a Bernoulli variable, and $h_i$ is fixed: the expectation over the mask"
                     + (", for any $p$." if letter != keep_form else "."))
    mean_m = keep_form
    exp.add(Expectation(mi), mo.Shown(sp.Add(mo.Times(1, keep_form), mo.Times(0, 1 - keep_form), evaluate=False)),
            chain=[keep_form], rule=MASK_MEAN, value=keep_form)
    if inverted:
        unit = mi * hi / keep_form
        exp.add(Expectation(unit), sp.Mul(mean_m, hi, sp.Pow(keep_form, -1), evaluate=False), chain=[hi],
                rule=LINEARITY, value=hi, therefore=True)
    else:
        unit = mi * hi
        exp.add(Expectation(unit), sp.Mul(keep_form, hi, evaluate=False), rule=LINEARITY, value=keep_form * hi,
                therefore=True)
    answers["expectation"] = Answer(hi if inverted else keep_form * hi, index=i)
    if info["variance"]:
        second = sp.Mul(mi ** 2, hi ** 2, sp.Pow(keep_form, -2), evaluate=False) if inverted else mi ** 2 * hi ** 2
        mean = hi if inverted else keep_form * hi
        form = (1 - keep_form) / keep_form * hi ** 2 if inverted else keep_form * (1 - keep_form) * hi ** 2
        exp.add(Variance(unit), mo.Shown(sp.Add(Expectation(second), -mean ** 2, evaluate=False)),
                chain=[mo.Shown(sp.Add(hi ** 2 / keep_form if inverted else keep_form * hi ** 2, -mean ** 2,
                                       evaluate=False)), form], rule=VARIANCE_RULE, value=form, therefore=True)
        if info["numeric"]:
            coef = sp.nsimplify((1 - keep) / keep) if inverted else keep * (1 - keep)
            rows = Part(intro="The variance unit by unit: " + (r"$\frac{p}{1 - p} h_i^2$." if inverted else
                                                               r"$p (1 - p) h_i^2$."),
                        columns=["unit", "arithmetic", "variance"])
            var = []
            for k, v in enumerate(h):
                value = coef * v ** 2
                shown = mo.Times(coef, sp.Pow(v, 2, evaluate=False))
                rows.add(mo.text(f"unit {_unit(shape, k)}"), shown, chain=[value], rule=VARIANCE_NUMBERS,
                         value=value, rhs_tex=r"\textstyle " + tex(shown, inline=True))
                var.append(value)
            parts.extend([exp, rows])
            answers["variance"] = _answer(var, shape)
        else:
            parts.append(exp)
            answers["variance"] = Answer(form, index=i)
    else:
        parts.append(exp)
    # test time
    test = Part(intro="At test time no unit is dropped.")
    if inverted:
        values = list(h)
        test.add(mo.text("output at test time"), _arranged(values, shape), rule=TEST_IDENTITY,
                 value=_arranged(values, shape), therefore=True)
    else:
        values = [keep * v for v in h]
        test.add(mo.text("output at test time"), mo.Scaled(keep, _arranged(h, shape)),
                 chain=[_arranged(values, shape)], rule=TEST_EXPECTED, value=_arranged(values, shape),
                 therefore=True)
    parts.append(test)
    answers["test_output"] = _answer(values, shape)
    return Solution(parts, answers)


def _inline(values, shape):
    return sp.Tuple(*values) if len(shape) == 1 else _arranged(values, shape)


def describe(problem) -> str:
    info = setup(problem)
    c = problem.fields
    if c.p is not None:
        prob = "drop probability $p$" if not info["numeric"] else f"drop probability $p = {tex(info['drop'])}$"
    else:
        prob = f"keep probability ${tex(info['letter'])}$" + ("" if not info["numeric"] else
                                                              f" $= {tex(info['keep'])}$")
    text = (f"A dropout layer with {prob} ($p$: the probability of dropping a unit, PyTorch's convention"
            + ("; inverted dropout" if info["inverted"] else "; no scaling at training") + ") receives the "
            f"activations $h = {tex(_inline(info['h'], info['shape']))}$.")
    if info["mask"] is not None:
        text += (f" With the mask $m = {tex(_inline(info['mask'], info['shape']))}$ (1: kept), what does the "
                 "layer output at training?")
    text += (" What is the scaling factor" + (", and why scale by $1/(1 - p)$?" if info["inverted"] else "?")
             + " Show that the expected output of a unit is " + ("$h_i$" if info["inverted"] else "$(1 - p) h_i$")
             + (", and find the variance dropout adds" if info["variance"] else "")
             + ". What does the layer output at test time?")
    return text
