"""The graders' table (answers.csv) says what each variant's answers.json says, as numbers and readable
formulas, with a tolerance for the numbers; the run's folder holds one run, whole, with a manifest."""
from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import pytest
import yaml

from answerkey import build, outputs
from answerkey.errors import SpecError, VerificationError

ROOT = Path(__file__).resolve().parent.parent


def _run(spec, tmp_path, **options):
    options.setdefault("pdf", False)
    options.setdefault("jobs", 1)
    return build.run(spec, build.Options(out=tmp_path, **options))


def _leaves(value):
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


def test_table_says_what_every_answers_json_says(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text(yaml.safe_dump({"title": "T", "tolerance": "2%", "problems": [
        {"kind": "gradient", "function": "c*x**2*y + log(y)", "wrt": ["x", "y"], "at": {"x": 1, "y": 3},
         "params": {"c": {"randint": [2, 9], "default": 3}}},
        {"kind": "gradient", "function": "exp(-x**2)", "wrt": "x", "tolerance": 0.001, "at": {"x": 0.5}},
        {"kind": "conv_output_shape", "input": {"width": {"randint": [28, 40], "default": 32}, "height": 32},
         "filters": 4, "kernel": 5, "stride": 1, "padding": 2},
        {"kind": "matrix_gradient", "function": "x.T*A*x", "shapes": {"A": ["n", "n"], "x": ["n", 1]},
         "wrt": "x"},
    ]}, sort_keys=False))
    result = _run(spec, tmp_path, variants=4, seed=5)
    assert result.exit_code == 0, result.failures
    folder = tmp_path / "t-variants"
    rows = list(csv.DictReader((folder / "answers.csv").open(encoding="utf-8")))
    assert [int(r["seed"]) for r in rows] == [5, 6, 7, 8]
    seen = 0
    for row in rows:
        data = json.loads((folder / f"t-seed{row['seed']}.answers.json").read_text(encoding="utf-8"))
        assert data["variant_code"] == row["variant_code"]
        for problem in data["problems"]:
            for label, answer in problem["answers"].items():
                column = f"{problem['number']}.{label}"
                cell = row[column]
                if answer["value"] is None:
                    assert answer["tolerance"] is None and f"{column} tolerance" not in row
                    assert cell and "**" not in cell and ".T" not in cell  # readable, not SymPy source
                    continue
                assert json.loads(cell) == answer["value"]
                values = _leaves(answer["value"])
                tolerances = _leaves(answer["tolerance"])
                # exact for whole numbers; else 2% of the value (the spec's), or 0.001 (problem 2's own)
                for v, t in zip(values, tolerances):
                    if isinstance(v, int):
                        assert t == 0
                    elif problem["number"] == 2:
                        assert t == 0.001
                    else:
                        assert t == pytest.approx(0.02 * abs(v), rel=0.01)
                if any(not isinstance(v, int) for v in values):
                    assert json.loads(row[f"{column} tolerance"]) == answer["tolerance"]
                    seen += 1
    assert seen >= 4
    assert "x^T" in rows[0]["4.gradient"] or "A^T" in rows[0]["4.gradient"]  # the formula, readable


def test_formulas_read_as_a_grader_writes_them():
    import sympy as sp

    x, n, i = sp.symbols("x n i")
    X = sp.MatrixSymbol("X", 3, 3)
    assert outputs.readable(2 * x * sp.exp(-x ** 2)) == "2*x*exp(-x^2)"
    assert outputs.readable(sp.Matrix([[1, 2], [3, 4]])) == "[[1, 2], [3, 4]]"
    assert outputs.readable(sp.Matrix([sp.Rational(1, 4), 2])) == "[0.25, 2]"
    assert outputs.readable(X.T.inverse()) == "(X^T)^(-1)"
    assert outputs.readable(sp.Sum(sp.Indexed("x", i), (i, 1, n))) == "sum(x_i, i=1..n)"
    assert outputs.readable(sp.KroneckerDelta(i, n)) == "delta_in"
    # neither Piecewise(...), Lambda(...), Derivative(...) nor Eq(...): SymPy's source, not a grader's notation
    assert outputs.readable(sp.Piecewise((x, x > 0), (0, True))) == "(x if x > 0, 0 otherwise)"
    assert outputs.readable(sp.Lambda(x, x ** 2)) == "(x -> x^2)"
    assert outputs.readable(sp.Derivative(x ** 2, x)) == "d/dx(x^2)"
    assert outputs.readable(sp.Derivative(x ** 3, (x, 2))) == "d^2/dx^2(x^3)"
    assert outputs.readable(sp.Eq(x, 1)) == "x = 1" and outputs.readable(sp.Ne(x, 1)) == "x != 1"
    assert outputs.readable(x > 1) == "x > 1"


def test_roster_table_sorted_by_student_with_names(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name\ns10,Kim\ns2,Lee\ns1,Park\n", encoding="utf-8")
    result = _run(ROOT / "problems/dl-hw2.yaml", tmp_path, roster=str(roster))
    assert result.exit_code == 0 and result.directory == tmp_path / "dl-hw2-roster"
    rows = list(csv.DictReader((tmp_path / "dl-hw2-roster" / "answers.csv").open(encoding="utf-8")))
    assert [(r["student_id"], r["student_name"]) for r in rows] == [("s1", "Park"), ("s2", "Lee"), ("s10", "Kim")]
    assert not (tmp_path / "dl-hw2-variants").exists()  # a roster's run has its own folder


def _manifest_matches(folder: Path):
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                     if p.is_file() and p.name != "manifest.json")
    assert [f["path"] for f in manifest["files"]] == on_disk
    for f in manifest["files"]:
        data = (folder / f["path"]).read_bytes()
        assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
    return manifest


def test_a_rerun_replaces_the_folder_whole(tmp_path):
    spec = ROOT / "problems/dl-hw2.yaml"
    assert _run(spec, tmp_path, variants=5, seed=1).exit_code == 0
    folder = tmp_path / "dl-hw2-variants"
    (folder / "notes.txt").write_text("mine")  # anything in the folder belongs to the run that made it
    first = json.loads((folder / "manifest.json").read_text())
    assert first["built"] == 5 and len(first["sheets"]) == 5
    assert _run(spec, tmp_path, variants=2, seed=10).exit_code == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["answers.csv", "answers.tex", "dl-hw2-seed10.answers.json", "dl-hw2-seed10.tex",
                     "dl-hw2-seed11.answers.json", "dl-hw2-seed11.tex", "manifest.json"]
    manifest = _manifest_matches(folder)
    assert manifest["count"] == 2 and manifest["first_seed"] == 10 and manifest["failed"] == []
    assert [s["seed"] for s in manifest["sheets"]] == [10, 11]
    assert manifest["sheets"][0]["files"] == ["dl-hw2-seed10.tex", "dl-hw2-seed10.answers.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial folder left


def test_a_failed_or_stopped_run_leaves_the_folder_before(tmp_path, monkeypatch):
    spec = ROOT / "problems/dl-hw2.yaml"
    assert _run(spec, tmp_path, variants=2, seed=1).exit_code == 0
    folder = tmp_path / "dl-hw2-variants"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    from answerkey import variants

    def broken(*args, **kwargs):
        raise VerificationError("boom")

    monkeypatch.setattr(variants, "realize", broken)
    result = _run(spec, tmp_path, variants=3, seed=7)
    assert result.built == 0 and result.exit_code == 2
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(variants, "realize", stopped)
    with pytest.raises(KeyboardInterrupt):
        _run(spec, tmp_path, variants=3, seed=7)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dl-hw2-variants"]


def test_an_abandoned_partial_folder_is_removed(tmp_path):
    dead = tmp_path / ".dl-hw2-variants.partial-999999999-abc"
    dead.mkdir()
    (dead / "x.tex").write_text("old")
    assert _run(ROOT / "problems/dl-hw2.yaml", tmp_path, variants=1).exit_code == 0
    assert not dead.exists()
    alive = tmp_path / f".dl-hw2-variants.partial-{os.getpid()}-abc"  # a run still going: left alone
    alive.mkdir()
    assert _run(ROOT / "problems/dl-hw2.yaml", tmp_path, variants=1).exit_code == 0
    assert alive.exists()


@pytest.mark.parametrize("where, value, message", [
    ("top", "abc", "or a percentage of the answer (e.g. '1%'), got 'abc'"),  # the value, not {value!r}
    ("problem", -1, "expected a number >= 0"),
    ("problem", "5 %%", "a tolerance is a number"),
    ("group", "x%", "a tolerance is a number of at least 0"),
])
def test_a_bad_tolerance_is_an_error_at_its_field(tmp_path, where, value, message):
    problem = {"kind": "gradient", "function": "x**2", "wrt": "x"}
    data = {"title": "T", "problems": [problem]}
    if where == "top":
        data["tolerance"] = value
    elif where == "problem":
        problem["tolerance"] = value
    else:
        data["problems"] = [{"parts": [problem], "tolerance": value}]
    spec = tmp_path / "t.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SpecError) as info:
        build.run(spec, build.Options(out=tmp_path, check_only=True, jobs=1))
    text = str(info.value)
    assert message in text and "tolerance" in text and f"{spec}:" in text


def test_a_part_takes_its_problems_tolerance(tmp_path):
    data = {"title": "T", "problems": [{"tolerance": 0.5, "function": "exp(x)", "parts": [
        {"kind": "gradient", "wrt": "x", "at": {"x": 1}},
        {"kind": "gradient", "wrt": "x", "at": {"x": 2}, "tolerance": "10%"}]}]}
    spec = tmp_path / "t.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    result = _run(spec, tmp_path)
    assert result.exit_code == 0
    parts = json.loads((tmp_path / "t.answers.json").read_text())["problems"][0]["parts"]
    a, b = (p["answers"]["gradient_at"] for p in parts)
    assert _leaves(a["tolerance"]) == [0.5]
    assert _leaves(b["tolerance"])[0] == pytest.approx(0.1 * _leaves(b["value"])[0], rel=0.01)
