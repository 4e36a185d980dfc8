"""Answers in words (short_answer, choice, true_false): the values in the instructor's sentences are the key's
own, the right option and the verdict are those an independent computation (plain integers here) gives, the
question sheet shows the options unmarked, variants recompute them, and references out of scope are errors."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from answerkey import render
from answerkey.errors import SpecError
from tests.kindutil import solve, write_spec


def net(units, inputs=16):
    side = int(inputs ** 0.5)
    return {"kind": "network_shapes", "input": {"channels": 1, "width": side, "height": side},
            "layers": [{"flatten": {}}, {"fc": {"units": units}}]}


def params(units, inputs=16):  # the layer's weights and biases, counted here
    return inputs * units + units


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(u=st.integers(1, 400), v=st.integers(1, 400), k=st.integers(0, 7000))
def test_verdicts_and_options_follow_the_numbers(tmp_path, u, v, k):
    a, b = params(u), params(v)
    problem = {"id": "two", "parts": [
        net(u), net(v),
        {"kind": "true_false", "claim": "(a) has more than <<" + str(k) + ">> parameters.", "true_if": f"a.total_params > {k}"},
        {"kind": "choice", "multiple": True, "options": [
            {"text": "(a) is larger", "true_if": "a.total_params > b.total_params"},
            {"text": "(b) is larger", "true_if": "b.total_params > a.total_params"},
            {"text": "they are equal", "true_if": "a.total_params == b.total_params"}]},
        {"kind": "short_answer", "answer": "(a) has <<a.total_params>>, (b) <<b.total_params>>, together "
                                           "<<a.total_params + b.total_params>>.",
         "check": ["a.total_params + b.total_params >= 2"]},
    ]}
    spec, solutions = solve(tmp_path, problem)
    verdict, choice, sentence = (s.answers["answer"].expr.args[0].name for s in solutions[2:])
    assert verdict == ("true" if a > k else "false")
    assert choice == ("a" if a > b else "b" if b > a else "c")
    assert sentence == f"(a) has ${a}$, (b) ${b}$, together ${a + b}$."
    assert all(s.verified for s in solutions)


def test_question_sheet_shows_the_options_unmarked_and_the_key_marks_the_right_one(tmp_path):
    problem = {"parts": [net(3), {"kind": "choice", "statement": "How many parameters?", "options": [
        {"text": "<<a.total_params - 3>>", "true_if": "a.total_params == 48"},
        {"text": "<<a.total_params>>", "true_if": "a.total_params == 51"}]}]}
    spec, solutions = solve(tmp_path, problem)
    key = render.render(spec, solutions)
    questions = render.render_questions(spec, solutions)
    assert r"\item[$\boxtimes$~(b)] \textbf{$51$}" in key
    assert r"\item[$\square$~(a)] $48$" in key
    assert r"\boxtimes" not in questions and r"\item[$\square$~(b)] $51$" in questions


def test_references_by_number_and_id_across_problems(tmp_path):
    problems = [{"id": "wide", **net(30)}, {"id": "narrow", **net(2)},
                {"kind": "short_answer", "answer": "<<wide.total_params>> against <<2.total_params>>",
                 "check": "1.total_params == 15 * narrow.total_params"}]
    spec, solutions = solve(tmp_path, *problems)
    assert solutions[2].answers["answer"].expr.args[0].name == f"${params(30)}$ against ${params(2)}$"
    assert params(30) == 15 * params(2)


@pytest.mark.parametrize("answer, message", [
    ("<<b.total_params>>", "names no answer in scope"),  # part (b) comes after it
    ("<<a.total_params.x>>", "has no answer 'total_params.x'"),
    ("<<a.params>>", "has no answer 'params'"),
    ("<<a.output_shape * 2>>", "is not a number"),
    ("\\write18{ls}", "is not allowed"),
])
def test_bad_references_are_errors_at_the_field(tmp_path, answer, message):
    problem = {"parts": [net(3), {"kind": "short_answer", "answer": answer}, net(4)]}
    with pytest.raises(SpecError) as info:
        solve(tmp_path, problem)
    text = str(info.value)
    assert message in text and "problem 1(b)" in text and "answer" in text


def test_a_variant_recomputes_the_verdict(tmp_path):
    from answerkey.build import Options, run

    problem = {"parts": [{**net(3), "layers": [{"flatten": {}}, {"fc": {"units": {"randint": [1, 6], "default": 3}}}]},
                         {"kind": "true_false", "claim": "More than 60 parameters.", "true_if": "a.total_params > 60"}]}
    path = write_spec(tmp_path, problem)
    result = run(str(path), Options(out=tmp_path / "out", variants=6, pdf=False))
    assert result.exit_code == 0
    seen = set()
    for f in sorted((tmp_path / "out" / "t-variants").glob("*.answers.json")):
        parts = json.loads(f.read_text())["problems"][0]["parts"]
        total = parts[0]["answers"]["total_params"]["value"]
        verdict = parts[1]["answers"]["answer"]["sympy"]
        assert verdict == ("true" if total > 60 else "false")
        seen.add(verdict)
    assert seen == {"true", "false"}


def test_rounding_rounds_halves_up_and_prints_exponents_as_numbers(tmp_path):
    # 51 parameters: 51 * 50 - 100 = 2450 is a tie at 2 digits (half up: 2500; Python's %g: 2.4e+03)
    problem = {"parts": [net(3), {"kind": "short_answer", "answer": "<<a.total_params * 50 - 100 : 2>>, "
                                  "<<a.total_params / 10**5 : 2>>, <<a.total_params / 10**7 : 2>>."}]}
    spec, solutions = solve(tmp_path, problem)
    assert params(3) * 50 - 100 == 2450
    sentence = solutions[1].answers["answer"].expr.args[0].name
    assert sentence == r"$2.5 \times 10^{3}$, $0.00051$, $5.1 \times 10^{-6}$."
    assert solutions[1].verified


def test_a_rounded_value_off_by_more_than_half_a_digit_fails(tmp_path):
    from answerkey.kinds.short_answer.confirm import values_read_back
    problem = {"parts": [net(3), {"kind": "short_answer", "answer": "<<a.total_params * 50 - 100 : 2>>"}]}
    spec, solutions = solve(tmp_path, problem)
    part, solution = spec.problems[1], solutions[1]
    assert values_read_back(part, solution) == 1
    text, _, value = solution.data["values"][0]
    solution.data["values"][0] = (text, r"2.3 \times 10^{3}", value)  # 6% off: more than half a unit in 2 digits
    with pytest.raises(Exception, match="shows"):
        values_read_back(part, solution)


def test_a_reference_to_a_part_that_failed_says_so_not_that_there_is_none(tmp_path):
    broken = {**net(3), "layers": [{"conv": {"filters": 1, "kernel": 9}}]}  # (a) fails: a 9 x 9 window on 4 x 4
    problem = {"parts": [broken, {"kind": "short_answer", "answer": "<<a.total_params>>"}]}
    with pytest.raises(SpecError) as info:
        solve(tmp_path, problem)
    text = str(info.value)
    assert "problem 1(a)" in text and "names no answer in scope" in text
    assert "there are none" not in text and "failed" in text


@pytest.mark.parametrize("word, verdict", [("a saddle point", "true"), ("a local minimum", "false"),
                                           ("saddle point", None), ("saddle", None)])
def test_a_worded_answer_is_compared_with_a_word_it_can_be(tmp_path, word, verdict):
    # x^2 - y^2 at the origin: gradient 0, Hessian diag(2, -2) indefinite, a saddle point (worked by hand)
    problem = {"parts": [{"kind": "hessian", "function": "x**2 - y**2", "wrt": ["x", "y"], "at": {"x": 0, "y": 0}},
                         {"kind": "true_false", "claim": "The origin is a saddle point.",
                          "true_if": f"a.point == {word}"}]}
    if verdict is None:  # not a word the hessian kind answers: a typo that would never hold
        with pytest.raises(SpecError, match="is not a word a.point can answer"):
            solve(tmp_path, problem)
        return
    spec, solutions = solve(tmp_path, problem)
    assert solutions[1].answers["answer"].expr.args[0].name == verdict
