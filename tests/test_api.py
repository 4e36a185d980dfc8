"""The Python API: answerkey.build(spec, **options) takes a path or a dict and returns the solutions, the
answers (what answers.json says) and the files written; errors are raised, as the command reports them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import answerkey

ROOT = Path(__file__).resolve().parent.parent
QUIZ = {"title": "Quiz", "problems": [
    {"kind": "gradient", "function": "c*x**2 + y", "wrt": ["x", "y"], "at": {"x": 1, "y": 2},
     "params": {"c": {"randint": [2, 9], "default": 3}}},
    {"kind": "conv_output_shape", "input": {"width": 32, "height": 32}, "filters": 8, "kernel": 3,
     "stride": 1, "padding": 0}]}


def test_a_path_with_overrides_builds_the_key_and_returns_its_answers(tmp_path):
    key = answerkey.build(ROOT / "problems/dl-hw2.yaml", out=tmp_path, set={"4.inputs.z": 7}, pdf=False, jobs=1)
    assert key.ok and sorted(p.name for p in key.files) == ["dl-hw2.answers.json", "dl-hw2.tex"]
    written = json.loads((tmp_path / "dl-hw2.answers.json").read_text(encoding="utf-8"))
    assert key.answers == written
    # f = q z with q = x y, x = -2, y = 5 and z = 7 (the override): the output is -70, df/dx = y z = 35
    assert written["problems"][3]["answers"]["output"]["value"] == -70
    assert written["problems"][3]["answers"]["a"]["value"] == 35
    assert len(key.solutions) == len(key.spec.problems) and all(s.verified for s in key.solutions)


def test_a_dict_with_variants_gives_every_variants_answers(tmp_path):
    run = answerkey.build(QUIZ, name="quiz", out=tmp_path, variants=4, seed=2, pdf=False, jobs=1)
    assert run.ok and run.directory == tmp_path / "quiz-variants"
    assert [v["seed"] for v in run.variants] == [2, 3, 4, 5]
    for v in run.variants:  # the gradient at (1, 2) of c x^2 + y is (2c, 1), c drawn in 2..9
        assert v == json.loads((run.directory / f"quiz-seed{v['seed']}.answers.json").read_text(encoding="utf-8"))
        gx, gy = v["problems"][0]["answers"]["gradient_at"]["value"]
        assert gx in range(4, 19, 2) and gy == 1
        assert v["problems"][1]["answers"]["width"]["value"] == 30
    assert len({v["problems"][0]["answers"]["gradient_at"]["value"][0] for v in run.variants}) > 1


def test_check_writes_nothing(tmp_path):
    key = answerkey.build(QUIZ, out=tmp_path, check=True, jobs=1)
    assert key.files == [] and list(tmp_path.iterdir()) == []
    assert key.answers["problems"][1]["answers"]["filters"]["value"] == 8


def test_errors_are_raised_as_the_command_reports_them(tmp_path):
    with pytest.raises(answerkey.SpecError) as info:
        answerkey.build({"title": "T", "problems": [{"kind": "gradiant"}]}, check=True)
    assert "unknown kind 'gradiant'" in str(info.value) and "did you mean 'gradient'" in str(info.value)
    assert isinstance(info.value, answerkey.AnswerkeyError)
    with pytest.raises(answerkey.SpecError, match="no such file"):
        answerkey.build(tmp_path / "missing.yaml", check=True)
    with pytest.raises(TypeError, match="did you mean 'variants'"):
        answerkey.build(QUIZ, varients=3)
    with pytest.raises(TypeError, match="a path or a dict"):
        answerkey.build(42)


def test_the_pipeline_module_is_the_same_name():
    from answerkey import build

    assert build is answerkey.build and callable(build) and build.Options and build.run
