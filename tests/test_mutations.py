"""Printer mutations must fail the build.

Real problems are solved and their blocks rendered as the key prints them; then the PRINTED LATEX of one
displayed line is mutated the way a printer bug would: a bracket pair dropped around a sum or an argument,
a factor dropped, two indices swapped, a digit changed, a minus sign dropped, a factor of a denominator
dropped. The read-back (answerkey.readback.check) must then either raise VerificationError naming that
step, or, when the mutated line cannot be read, list that line in record.unread -- each mutation says which
of the two it ends in. Mutations that change nothing mathematically must still pass (no false alarms).

Tests marked xfail(strict=True) are mutations that change what the page means and yet pass the read-back:
bugs of the reader or of the read-back, described in their reasons.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pytest

from answerkey import linebreak, readback, render
from answerkey.build import load_spec
from answerkey.errors import VerificationError

from .conftest import ROOT

DL, LOSSES, MATRIX = "problems/dl-hw2.yaml", "problems/losses.yaml", "problems/matrix-calculus.yaml"
NETWORK = "problems/network.yaml"


@functools.lru_cache(maxsize=None)
def _spec(path):
    return load_spec(ROOT / path)


@functools.lru_cache(maxsize=None)
def solved(path, pid):
    """(problem, solution, rendered block) of the problem with that id."""
    problem = next(p for p in _spec(path).problems if p.label.endswith(f"({pid})"))
    solution = problem.kind.solve(problem)
    return problem, solution, render.solution_block(problem, solution)


def mutate(block: str, anchor: str, edits) -> tuple[str, tuple[int, int]]:
    """The block with `edits` ((old, new), each once) made in the first displayed line whose math contains
    `anchor` and every `old`; and that line's (part, line) key."""
    marks = list(readback.MARK.finditer(block))
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(block)
        chunk = block[mark.end():end]
        math = chunk.split("\\tag*{")[0]
        if "\\begin{aligned}" in math:  # a line broken into rows: mutated as the one line the reader reads
            chunk = linebreak.joined(math) + "\n" + chunk[len(math):]
            math = chunk.split("\\tag*{")[0]
        if anchor in math and all(old in math for old, _ in edits):
            changed = math
            for old, new in edits:
                changed = changed.replace(old, new, 1)
            assert changed != math
            return block[:mark.end()] + changed + chunk[len(math):] + block[end:], (int(mark.group(1)),
                                                                                      int(mark.group(2)))
    raise LookupError(f"no displayed line contains {anchor!r} and {[o for o, _ in edits]!r}: the printer's "
                      "output changed; update this mutation")


def line_number(solution, key) -> int:
    """The step number the read-back gives the line (part, line)."""
    number = 0
    for p, part in enumerate(solution.parts):
        for i, _ in enumerate(part.lines):
            number += 1
            if (p, i) == key:
                return number
    raise KeyError(key)


def outcome(path, pid, anchor, edits):
    """('fails', message), ('unread', why) or ('passes', record) for the mutated page."""
    problem, solution, block = solved(path, pid)
    mutated, key = mutate(block, anchor, edits)
    number = line_number(solution, key)
    try:
        record = readback.check(problem, solution, mutated, problem.kind.context(problem))
    except VerificationError as exc:
        return "fails", str(exc), number
    unread = [why for n, why in record.unread if n == number]
    if unread:
        return "unread", unread[0], number
    return "passes", record, number


@dataclass(frozen=True)
class Mutation:
    id: str
    path: str
    problem: str  # the problem's id
    anchor: str  # text that picks the displayed line
    edits: tuple  # ((old, new), ...) made in that line
    expect: str  # "fails" (VerificationError naming the step) or "unread" (record.unread lists the line)

    def param(self, *marks):
        return pytest.param(self, id=self.id, marks=marks)


def M(id, path, problem, anchor, old, new, expect="fails"):
    edits = ((old, new),) if isinstance(old, str) else tuple(zip(old, new))
    return Mutation(id, path, problem, anchor, edits, expect)


MUTATIONS = [
    # -- dl-hw2 problem 1: the gradient of log-sum-exp -----------------------------------------------------
    M("lse-swap-index-numerator", DL, "logsumexp", r"= \frac{\exp\left(x_{k}\right)}{",
      r"\frac{\exp\left(x_{k}\right)}", r"\frac{\exp\left(x_{i}\right)}"),
    M("lse-drop-denominator", DL, "logsumexp", r"= \frac{\exp\left(x_{k}\right)}{",
      r"\frac{\exp\left(x_{k}\right)}{\sum_{i=1}^{n} \exp\left(x_{i}\right)}", r"\exp\left(x_{k}\right)"),
    M("lse-swap-index-under-derivative", DL, "logsumexp", r"\frac{\frac{\partial}{\partial x_{k}} \exp",
      r"\exp\left(x_{k}\right)}{", r"\exp\left(x_{1}\right)}{"),
    M("lse-factor-in-result", DL, "logsumexp", r"\therefore", r"= \operatorname{softmax}(x)",
      r"= 2 \operatorname{softmax}(x)"),
    # -- dl-hw2 problem 2: softmax cross-entropy ----------------------------------------------------------
    M("ce-drop-minus-given", DL, "softmax-cross-entropy", r"L(x) = - \log{\left(\operatorname", r"L(x) = - \log",
      r"L(x) = \log"),
    M("ce-drop-minus-result", DL, "softmax-cross-entropy", r"\therefore", r"- e_{i}", r"+ e_{i}"),
    M("ce-swap-index-result", DL, "softmax-cross-entropy", r"\therefore", r"- e_{i}", r"- e_{k}"),
    M("ce-digit-in-case", DL, "softmax-cross-entropy", r"\partial x_{i}} = ", r"} - 1", r"} - 2"),
    M("ce-swap-index-log-rule", DL, "softmax-cross-entropy", r"L(x) = \log{\left(\sum_{j=1}^{n}",
      r"\right)} - x_{i}", r"\right)} - x_{j}"),
    # -- dl-hw2 problem 3: x^T W x with respect to W ----------------------------------------------------
    M("quad-swap-index-entry", DL, "quadratic-form", r"= x_{k} x_{l}", r"x_{k} x_{l}", r"x_{k} x_{k}"),
    M("quad-swap-index-sum", DL, "quadratic-form", r"f(W) = \sum", r"w_{ij} x_{i} x_{j}", r"w_{ij} x_{i} x_{i}"),
    # a side of another shape (1 x 1, n x 1 for n x n) is wrong as printed (it was listed as unread)
    M("quad-transpose-moved", DL, "quadratic-form", r"\therefore", r"= x x^{T}", r"= x^{T} x", "fails"),
    M("quad-drop-factor", DL, "quadratic-form", r"\therefore", r"= x x^{T}", r"= x", "fails"),
    # -- dl-hw2 problem 4: backpropagation -----------------------------------------------------------------
    M("bp-drop-minus-forward", DL, "backprop", r"q = x y = -10", r"= -10", r"= 10"),
    M("bp-digit-local", DL, "backprop", r"{\partial x} = y = 5", r"= 5", r"= 6"),
    M("bp-drop-factor", DL, "backprop", r"a = 5 \times 3", r"5 \times 3 \times 1", r"5 \times 1"),
    M("bp-swap-variable", DL, "backprop", r"b = \dfrac{\partial q}{\partial y}", r"{\partial y} \times",
      r"{\partial x} \times"),
    M("bp-digit-answer", DL, "backprop", r"\therefore a = 15", r"15", r"16"),
    M("bp-drop-minus-answer", DL, "backprop", r"\therefore b", r"-6", r"6"),
    # -- dl-hw2 problem 5: a gradient-descent step --------------------------------------------------------
    M("step-drop-minus", DL, "gradient-step", r"\therefore", r"= - \alpha \begin", r"= \alpha \begin"),
    M("step-drop-brackets-sum", DL, "gradient-step", r"\frac{\partial}{\partial x} \left(3 x y + 2 x\right)",
      r"\left(3 x y + 2 x\right)", r"3 x y + 2 x"),
    M("step-drop-brackets-sum-y", DL, "gradient-step", r"\frac{\partial}{\partial y} \left(3 x y + 2 x\right)",
      r"\left(3 x y + 2 x\right)", r"3 x y + 2 x"),
    M("step-digit", DL, "gradient-step", r"= 3 y + 2", r"3 y + 2", r"3 y + 3"),
    M("step-drop-factor", DL, "gradient-step", r"L(x, y) = 3 x y", r"+ 2 x", r"+ 2"),
    # -- dl-hw2 problem 6: a convolution's output shape ------------------------------------------------
    M("conv-digit-result", DL, "conv-shape", r"\text{output map width}", r"+ 1 = 30", r"+ 1 = 31"),
    M("conv-digit-denominator", DL, "conv-shape", r"\text{output map height}", r"\frac{32 - 3 + 2 \cdot 0}{1}",
      r"\frac{32 - 3 + 2 \cdot 0}{2}"),
    M("conv-digit-formula", DL, "conv-shape", r"\text{output map width}", r"{S} + 1 = \frac", r"{S} + 2 = \frac"),
    M("conv-digit-tuple", DL, "conv-shape", r"\therefore", r"\left(8, 30, 30\right)", r"\left(8, 30, 3\right)"),
    # -- losses.yaml ------------------------------------------------------------------------------------
    M("xent-digit-decimal", LOSSES, "cross-entropy", r"\approx", r"0.231224", r"0.281224"),
    M("xent-drop-minus-decimal", LOSSES, "cross-entropy", r"\approx", r"-0.371468", r"0.371468"),
    M("xent-drop-term-denominator", LOSSES, "cross-entropy", r"\therefore \nabla L(\begin{bmatrix}1\\2\\0.5\end{bmatrix}) =",
      r"{\exp\left(0.5\right) + \mathrm{e} + \exp\left(2\right)}", r"{\exp\left(0.5\right) + \mathrm{e}}"),
    M("xent-digit-sum-limit", LOSSES, "cross-entropy", r"L(x) = - \log{\left(\frac", r"\sum_{j=1}^{3}",
      r"\sum_{j=2}^{3}"),
    M("hinge-drop-term", LOSSES, "svm-hinge", r"L(x) = \max", r"x_{1} - x_{2} + 1\right)", r"x_{1} - x_{2}\right)"),
    M("hinge-drop-minus-point", LOSSES, "svm-hinge", r"\therefore \nabla L(\begin", r"\\-1\\", r"\\1\\"),
    M("hinge-flip-indicator", LOSSES, "svm-hinge", r"\partial x_{1}} = \mathbf{1}\left[x_{1} - x_{2} + 1 > 0\right] \frac",
      r"> 0\right] \frac", r"< 0\right] \frac"),
    M("hinge-swap-index", LOSSES, "svm-hinge", r"\partial x_{3}} = \mathbf{1}\left[x_{3} + 1 - x_{2} > 0\right]",
      r"x_{3} + 1", r"x_{1} + 1"),
    M("sqerr-drop-brackets-power", LOSSES, "squared-error", r"L(w) = \left(", r"\left(2 w_{1} - w_{2} - 3\right)^{2}",
      r"2 w_{1} - w_{2} - 3^{2}"),
    M("sqerr-drop-brackets-argument", LOSSES, "squared-error",
      r"= \frac{\partial}{\partial w_{1}} \left(2 w_{1} - w_{2} - 3\right)^{2}",
      r"\left(2 w_{1} - w_{2} - 3\right)^{2}", r"2 w_{1} - w_{2} - 3^{2}"),
    M("sqerr-drop-brackets-factor", LOSSES, "squared-error", r"\left(4 w_{1} - 2 w_{2} - 6\right) \frac",
      r"\left(4 w_{1} - 2 w_{2} - 6\right) \frac", r"4 w_{1} - 2 w_{2} - 6 \frac"),
    M("sqerr-digit", LOSSES, "squared-error", r"= 8 w_{1}", r"- 12", r"- 13"),
    M("sqerr-swap-index", LOSSES, "squared-error", r"= 8 w_{1}", r"8 w_{1}", r"8 w_{2}"),
    M("act-digit-power", LOSSES, "activations", r"= 1 - \tanh^{2}", r"\tanh^{2}", r"\tanh^{3}"),
    M("act-drop-brackets", LOSSES, "activations", r"= \left(1 - \sigma",
      r"\left(1 - \sigma\left(u\right)\right) \sigma", r"1 - \sigma\left(u\right) \sigma"),
    M("act-digit-decimal", LOSSES, "activations", r"\approx", r"0.786448", r"0.796448"),
    M("act-digit-point", LOSSES, "activations", r"\therefore \nabla f(0, 0.5, -1) =", r"{\left(0.5 \right)}",
      r"{\left(0.6 \right)}"),
    # -- matrix-calculus.yaml ---------------------------------------------------------------------------
    M("aXb-swap-indices", MATRIX, "aXb", r"= a_{k} b_{l}", r"a_{k} b_{l}", r"a_{l} b_{k}"),
    M("xAx-drop-brackets", MATRIX, "xAx-x", r"= \sum_{i=1}^{n} \left(a_{ik} + a_{ki}\right) x_{i}",
      r"\left(a_{ik} + a_{ki}\right) x_{i}", r"a_{ik} + a_{ki} x_{i}"),
    M("xAx-drop-transpose", MATRIX, "xAx-x", r"\therefore", r"= A x + A^{T} x", r"= A x + A x"),
    M("xAx-drop-plus", MATRIX, "xAx-x", r"\therefore", r"a_{ik} + a_{ki}", r"a_{ik} - a_{ki}"),
    M("det-drop-factor", MATRIX, "det", r"\therefore", r"= \det\left(X\right) \left(X^{T}\right)^{-1}",
      r"= \left(X^{T}\right)^{-1}"),
    M("logdet-drop-transpose", MATRIX, "logdet", r"\therefore", r"\left(X^{T}\right)^{-1}", r"X^{-1}"),
    M("aXinvb-drop-minus", MATRIX, "aXinvb", r"\therefore", r"= - \left(X^{T}", r"= \left(X^{T}"),
    M("norm-digit", MATRIX, "norm-x-a", r"\therefore", r"2 a_{k}}{2 \sqrt", r"2 a_{k}}{4 \sqrt"),
    M("norm-factor-in-denominator", MATRIX, "norm-x-a", r"\therefore", r"\frac{1}{\left\|", r"\frac{1}{2 \left\|"),
    M("norm-drop-denominator-factor", MATRIX, "norm-x-a", r"\therefore",
      r"\frac{1}{\left\|x - a\right\|}", r"\frac{1}{\left\|x\right\|}"),
    M("lsq-drop-brackets", MATRIX, "least-squares", r"\therefore", r"= 2 A^{T} \left(A x - b\right)",
      r"= 2 A^{T} A x - b"),
    M("frob-drop-factor", MATRIX, "trXTX", r"\therefore", r"= 2 X", r"= X"),
    M("sum-swap-indices", MATRIX, "sum", r"\therefore", r"2 a_{lk}", r"2 a_{kl}"),
    M("trAXB-swap-indices", MATRIX, "trAXB", r"\therefore", r"a_{qk} b_{lq}", r"a_{qk} b_{ql}"),
    M("norm2-digit-power", MATRIX, "norm2", r"= 2 x_{k}", r"2 x_{k}", r"2 x_{k}^{2}"),
    M("bad-subscript", MATRIX, "aXb", r"= a_{k} b_{l}", r"a_{k} b_{l}", r"a_{k} b_{l+}", "unread"),
]


@pytest.fixture(scope="module", params=[DL, LOSSES, MATRIX, NETWORK])
def every_problem(request):
    return [(request.param, p.label[p.label.index("(") + 1:-1]) for p in _spec(request.param).problems]


def test_unmutated_pages_read_back_completely(every_problem):
    """The baseline: every line of every problem is read back and checked before any mutation."""
    for path, pid in every_problem:
        problem, solution, block = solved(path, pid)
        if problem.kind.context is None:
            continue
        record = readback.check(problem, solution, block, problem.kind.context(problem))
        assert record.unread == [], (path, pid, record.unread)


def test_the_mutations_are_many_and_distinct():
    assert len(MUTATIONS) >= 15
    assert len({m.id for m in MUTATIONS}) == len(MUTATIONS)
    assert len({(m.path, m.problem, m.anchor, m.edits) for m in MUTATIONS}) == len(MUTATIONS)
    covered = {(m.path, m.problem) for m in MUTATIONS}
    for pid in ("logsumexp", "softmax-cross-entropy", "quadratic-form", "backprop", "gradient-step", "conv-shape"):
        assert (DL, pid) in covered
    assert any(p == LOSSES for p, _ in covered) and any(p == MATRIX for p, _ in covered)


@pytest.mark.parametrize("mutation", [m.param() for m in MUTATIONS])
def test_mutation_is_caught(mutation):
    result, detail, number = outcome(mutation.path, mutation.problem, mutation.anchor, mutation.edits)
    assert result == mutation.expect, f"expected {mutation.expect}, got {result}: {detail}"
    if result == "fails":
        assert f": step {number} (" in detail and "is wrong as printed" in detail, detail
        assert ("the left side is" in detail and "the right side is" in detail
                or "it cannot be read one way" in detail), detail


# -- mutations that change nothing mathematically: they must pass --------------------------------------

HARMLESS = [
    M("sum-indices-renamed", DL, "quadratic-form", r"f(W) = \sum", r"w_{ij} x_{i} x_{j}", r"w_{ji} x_{i} x_{j}"),
    M("redundant-argument-brackets", DL, "logsumexp", r"= \frac{\exp\left(x_{k}\right)}{",
      r"\frac{\exp\left(x_{k}\right)}", r"\frac{\exp x_{k}}"),
    M("terms-reordered", DL, "gradient-step", r"L(x, y) = 3 x y", r"3 x y + 2 x", r"2 x + 3 x y"),
    M("redundant-brackets-after-derivative", DL, "logsumexp",
      r"\frac{\frac{\partial}{\partial x_{k}} \left(\sum", (r"\left(\sum", r"\right)\right)}{"),
      (r"\sum", r"\right)}{")),
    M("factors-reordered", DL, "backprop", r"a = 5 \times 3", r"5 \times 3 \times 1", r"3 \times 1 \times 5"),
    M("log-of-sigma-sum", LOSSES, "logsumexp-at", r"f(x) = \log{\left(\sum",
      (r"\log{\left(\sum", r"\right) \right)}"), (r"\log{\sum", r"\right) }")),
]


@pytest.mark.parametrize("mutation", [m.param() for m in HARMLESS])
def test_harmless_mutation_passes(mutation):
    result, detail, _ = outcome(mutation.path, mutation.problem, mutation.anchor, mutation.edits)
    assert result == "passes", detail
    assert detail.unread == []


# -- mutations that change the page's meaning and still pass: bugs -------------------------------------

ESCAPES = [
    M("log-argument-brackets-dropped", DL, "logsumexp", r"f(x) = \log{\left(\exp",
      (r"\log{\left(\exp\left(x_{1}\right)", r"\exp\left(x_{n}\right) \right)}"),
      (r"\log{\exp\left(x_{1}\right)", r"\exp\left(x_{n}\right) }")).param(),
    M("conv-formula-factor-dropped", DL, "conv-shape", r"\text{output map width}", r"{W - F + 2 P}",
      r"{W - F + P}").param(),
    M("conv-given-value-changed", DL, "conv-shape", r"number of filters} = 8", r"= 8", r"= 9").param(),
    M("decimal-5th-digit", LOSSES, "logsumexp-at", r"\approx", r"0.0900306", r"0.0900806").param(),
    M("small-decimal-9-percent", NETWORK, "network", r"\therefore b =", r"0.000438568", r"0.000398568").param(),
]


@pytest.mark.parametrize("mutation", ESCAPES)
def test_meaningful_mutation_does_not_escape(mutation):
    result, detail, _ = outcome(mutation.path, mutation.problem, mutation.anchor, mutation.edits)
    assert result in ("fails", "unread"), f"the mutated page passed the read-back: {detail}"


# -- the printer itself: what it prints must be readable by a person ------------------------------------


def _printed(path):
    for problem in _spec(path).problems:
        pid = problem.label[problem.label.index("(") + 1:-1]
        _, solution, block = solved(path, pid)
        for shown in readback.displays(block):
            yield pid, shown.math if shown.math is not None else " & ".join(shown.cells)


SUM = re.compile(r"\\sum_\{([A-Za-z])=([^{}]*)\}\^\{([^{}]*)\}")


@pytest.mark.parametrize("path", [DL, LOSSES, MATRIX])
def test_a_sum_index_is_not_its_own_limit(path):
    bad = [(pid, text) for pid, text in _printed(path) for var, lo, hi in SUM.findall(text)
           if re.search(rf"(?<![A-Za-z\\]){var}(?![A-Za-z])", lo + " " + hi)]
    assert not bad, bad[:3]


@pytest.mark.parametrize("path", [DL, MATRIX])
def test_exact_lines_have_no_decimals(path):
    """Outside the lines of a point's numbers (an \\approx, a given decimal input), symbolic results are
    exact: no decimal point in a line about symbols."""
    bad = []
    for pid, text in _printed(path):
        if "\\approx" in text or re.search(r"\\nabla \w+\(\\begin|\\nabla \w+\([-\d]", text):
            continue
        if re.search(r"(?<![\d.])\d+\.\d+", text):
            bad.append((pid, text))
    assert not bad, bad[:3]


# -- what becomes of a line the read-back cannot read -------------------------------------------------


def test_an_unread_mutated_line_is_named_in_the_key(monkeypatch):
    """A mutation that makes a line unreadable does not fail the build (the line is then checked as built),
    but the key's record of checks names it: the page says which line was not read back."""
    from answerkey import verify

    problem, solution, block = solved(MATRIX, "aXb")
    mutated, key = mutate(block, r"= a_{k} b_{l}", ((r"a_{k} b_{l}", r"a_{k} b_{l+}"),))
    number = line_number(solution, key)
    monkeypatch.setattr(render, "solution_block", lambda p, s, *a, **k: mutated)
    fresh = problem.kind.solve(problem)
    fresh = verify.verify(problem, fresh)
    assert [n for n, _ in fresh.unread] == [number]
    assert f"not read back: line {number} (" in fresh.checks[0]


def test_a_mutation_never_crashes_the_read_back():
    result, _, _ = outcome(MATRIX, "sum", r"f(X) = 2 \sum", ((r"+ \sum_{q=1}", r"+ y \sum_{q=1}"),
                                                            (r"x_{pq} y_{p} y_{q}", r"x_{pq} y y_{q}")))
    assert result in ("fails", "unread")
