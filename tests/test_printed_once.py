"""Each displayed line is printed once: the LaTeX that the read-back reads (render.solution_block) is the very
string that the key prints (render.render), not a second printing that could differ from it. A line changed
after it was printed is printed afresh, and the read-back sees the change."""
from __future__ import annotations

import pytest
import sympy as sp

from answerkey import linebreak, readback, render, verify
from answerkey.build import load_spec, solve_one
from answerkey.errors import VerificationError

from .conftest import ROOT

DL = ROOT / "problems" / "dl-hw2.yaml"


@pytest.fixture(scope="module")
def built():
    spec = load_spec(DL)
    return spec, [solve_one(p) for p in spec.problems]


def _lines(solution):
    return [(p, i, line) for p, part in enumerate(solution.parts) for i, line in enumerate(part.lines)]


def test_the_key_prints_the_strings_the_read_back_read(built):
    spec, solutions = built
    key = render.render(spec, solutions)
    checked = 0
    for problem, solution in zip(spec.problems, solutions):
        if problem.kind.context is None:
            continue
        read = {(d.part, d.line): d for d in readback.displays(render.solution_block(problem, solution))}
        view = render.problem_view(problem, solution)  # what the key's template is given
        for p, i, line in _lines(solution):
            assert line.printed is not None, (problem.label, p, i)  # printed while it was read back
            if solution.parts[p].columns:  # a table row: its cells, the same objects on every page
                cells = view["parts"][p]["table"]["rows"][i]["cells"]
                assert all(a is b for a, b in zip(cells, line.printed[1]["cells"]))
                assert all(str(c) in key for c in cells)
                continue
            math = view["parts"][p]["lines"][i]["math"]
            assert math is line.printed[1]["math"]  # the very string, not an equal one printed again
            assert math in key
            assert read[(p, i)].math == linebreak.joined(str(math))  # and that string is what was read back
            checked += 1
    assert checked > 40


def test_a_line_changed_after_printing_is_printed_again_and_fails(built):
    spec, solutions = built
    problem, solution = next((p, s) for p, s in zip(spec.problems, solutions) if p.kind.name == "backprop")
    line = next(line for part in solution.parts if not part.columns for line in part.lines
                if line.check and isinstance(line.rhs, sp.Integer))  # c = -10
    before = render.printed(line, "math")
    saved = line.rhs
    try:
        line.rhs = line.rhs + 1  # the page now shows a false line
        after = render.printed(line, "math")
        assert after != before and after is render.printed(line, "math")
        with pytest.raises(VerificationError, match="is wrong as printed"):
            verify.readback(problem, solution)
    finally:
        line.rhs = saved
    assert render.printed(line, "math") == before
