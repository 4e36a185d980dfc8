"""One rounding per key (issue 16): a table row computed from printed factors reproduces its printed result, or
says \\approx; a wrong number after \\approx still fails the read-back; the figure prints a value with the
same digits as the text."""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from answerkey import readback, render
from answerkey.build import load_spec
from answerkey.errors import VerificationError

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\$(.*?)\$ & \$\\displaystyle (.*?)\$ & \$(\\approx )?(-?[0-9.]+)\$ \\\\")
NUMBER = r"\(?(-?[0-9.]+)\)?"


@pytest.fixture(scope="module")
def network():
    spec = load_spec(ROOT / "problems" / "network.yaml")
    problem = spec.problems[0]
    solution = problem.kind.solve(problem)
    return problem, solution, render.solution_block(problem, solution)


def _printed_sum(arithmetic: str) -> Fraction | None:
    """The arithmetic of a row (a x b + c x d ...) computed here with its printed decimals, or None."""
    text = arithmetic.replace("\\left(", "(").replace("\\right)", ")")
    total = Fraction(0)
    for term in re.split(r" \+ ", text):
        m = re.fullmatch(NUMBER + r" \\times " + NUMBER, term.strip())
        if m is None:
            return None
        total += Fraction(m.group(1)) * Fraction(m.group(2))
    return total


def test_a_row_reproduces_its_printed_result_or_says_approx(network):
    _, _, block = network
    rows = [ROW.match(line) for line in block.split("\n")]
    rows = [r for r in rows if r and _printed_sum(r.group(2)) is not None]
    assert len(rows) > 10
    for row in rows:
        value = Fraction(row.group(4))
        digits = len(row.group(4).replace("-", "").replace(".", "").lstrip("0"))
        got = _printed_sum(row.group(2))
        exact = abs(got - value) <= abs(value) * Fraction(1, 10 ** digits) / 2 if value else got == 0
        assert exact or row.group(3), row.group(0)  # a row that does not reproduce its result says \approx
    assert any(r.group(3) for r in rows) and any(not r.group(3) for r in rows)


def test_a_wrong_number_after_approx_fails_the_read_back(network):
    problem, solution, block = network
    line = next(line for line in block.split("\n") if "\\approx 0.0413703" in line)
    bad = block.replace(line, line.replace("0.0413703", "0.0414703"))
    with pytest.raises(VerificationError):
        readback.check(problem, solution, bad, problem.kind.context(problem))


def test_the_figure_prints_the_texts_digits(network):
    """Every decimal in the figure (values above the wires, gradients below) is printed in the text with the
    same digits (the figure printed a 4-digit float to 6 digits: 0.000438567 against 0.000438568)."""
    _, solution, block = network
    figure = " ".join(str(t["key"]) for t in solution.data["figure"]["texts"])
    text = block.split("\\begin{tikzpicture}")[0] + block.split("\\end{tikzpicture}")[-1]
    decimals = set(re.findall(r"-?[0-9]+\.[0-9]+", figure))
    assert decimals  # a graph this large shows its output and a few values
    assert decimals <= set(re.findall(r"-?[0-9]+\.[0-9]+", text)), decimals - set(re.findall(r"-?[0-9]+\.[0-9]+", text))
