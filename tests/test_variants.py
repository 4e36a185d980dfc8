"""Variants: draws within bounds, where: honoured, determinism, rosters, question sheets, the master key."""
import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from answerkey import build, draws, loader, variants
from answerkey.errors import SpecError, UsageError, VerificationError

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


def spec_file(tmp_path, *problems, name="v.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"title": "Variants", "problems": list(problems)}, sort_keys=False),
                    encoding="utf-8")
    return path


def test_draws_stay_in_bounds_and_honour_exclude():
    doc = loader.load_text("x: {randint: [-3, 3], exclude: [0, 2], default: 1}\n"
                           "y: {choice: [0.1, 0.05, 0.01], default: 0.1}\n", "d.yaml")
    seen_x, seen_y = set(), set()
    for seed in range(300):
        out = draws.resolve_tree(doc.data, (), doc, random.Random(seed))
        seen_x.add(out["x"])
        seen_y.add(out["y"])
    assert seen_x == {-3, -2, -1, 1, 3}
    assert seen_y == {0.1, 0.05, 0.01}
    assert draws.resolve_tree(doc.data, (), doc, None) == {"x": 1, "y": 0.1}


def test_a_draw_without_default_is_an_error(tmp_path):
    path = spec_file(tmp_path, {"kind": "backprop", "graph": {"f": "x * y"},
                                "inputs": {"x": {"randint": [1, 5]}, "y": 2}, "ask": {"a": "x"}})
    proc = run(path, "--check")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{path}:")
    assert "problem 1 (1): inputs.x: a draw needs a default" in proc.stderr


def where_spec(tmp_path, where, default_x=2):
    return spec_file(tmp_path, {"kind": "backprop", "graph": {"q": "x + y", "f": "q * q"},
                                "inputs": {"x": {"randint": [-4, 4], "default": default_x},
                                           "y": {"randint": [-4, 4], "default": 1}},
                                "ask": {"a": "x"}, "where": where})


def test_where_conditions_hold_in_every_variant(tmp_path):
    path = where_spec(tmp_path, ["x*y != 0", "x > y", "a > 4"])
    base = build.load_base(path)
    build.canonical(base, "v")
    for seed in range(1, 16):
        spec, solutions = variants.realize(base, "v", variants.Variant(seed, seed), build.solve_one)
        x, y = (int(spec.problems[0].fields.inputs[k]) for k in "xy")
        assert x * y != 0 and x > y and int(solutions[0].answers["a"].expr) > 4


def test_defaults_that_break_where_are_an_error(tmp_path):
    path = where_spec(tmp_path, ["x < y"])
    proc = run(path, "--check")
    assert proc.returncode == 1
    assert "problem 1 (1): where: the default values do not satisfy 'x < y'" in proc.stderr


def test_an_unsatisfiable_where_stops_after_bounded_tries(tmp_path):
    path = where_spec(tmp_path, ["answers are integers", "x > 100"])
    with pytest.raises(SpecError) as err:
        base = build.load_base(path)
        variants.realize(base, "v", variants.Variant(1, 1), build.solve_one)
    assert f"no draw in {variants.MAX_TRIES} tries gave a valid problem" in str(err.value)


def test_same_seed_same_bytes_different_seed_different_numbers(tmp_path):
    for out in ("a", "b"):
        assert run("--seed", 7, "--no-pdf", "-q", "--out", tmp_path / out).returncode == 0
    first = (tmp_path / "a" / "dl-hw2-seed7.tex").read_bytes()
    assert first == (tmp_path / "b" / "dl-hw2-seed7.tex").read_bytes()
    assert run("--seed", 8, "--no-pdf", "-q", "--out", tmp_path / "a").returncode == 0
    seven = json.loads((tmp_path / "a" / "dl-hw2-seed7.answers.json").read_text())
    eight = json.loads((tmp_path / "a" / "dl-hw2-seed8.answers.json").read_text())
    assert seven["seed"] == 7 and eight["seed"] == 8
    assert seven["problems"][3]["answers"] != eight["problems"][3]["answers"]


def test_defaults_stay_canonical(tmp_path):
    assert run("--no-pdf", "-q", "--out", tmp_path).returncode == 0
    golden = (ROOT / "tests/golden/dl-hw2.tex").read_text(encoding="utf-8")
    assert (tmp_path / "dl-hw2.tex").read_text(encoding="utf-8") == golden


def test_variants_answers_csv_agrees_with_each_answers_json(tmp_path):
    proc = run("--variants", 5, "--seed", 3, "--no-pdf", "-j", 2, "--sheet", "both", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "dl-hw2-variants"
    rows = list(csv.DictReader((folder / "answers.csv").open(encoding="utf-8")))
    assert [int(r["variant"]) for r in rows] == [1, 2, 3, 4, 5]
    assert [int(r["seed"]) for r in rows] == [3, 4, 5, 6, 7]
    assert len({r["4.a"] for r in rows}) > 1, "real variants"
    for row in rows:
        data = json.loads((folder / f"dl-hw2-seed{row['seed']}.answers.json").read_text(encoding="utf-8"))
        assert all(p["verified"] for p in data["problems"])
        for problem in data["problems"]:
            for label, answer in problem["answers"].items():
                cell = row[f"{problem['number']}.{label}"]
                if answer["value"] is not None:  # a number (or numbers) wherever answers.json has one
                    assert json.loads(cell) == answer["value"]
                else:  # a formula as a grader reads it, not SymPy source
                    assert cell and not any(t in cell for t in ("**", "Matrix(", ".T", "KroneckerDelta", "Sum("))
        questions = (folder / f"dl-hw2-seed{row['seed']}.questions.tex").read_text(encoding="utf-8")
        assert "\\therefore" not in questions and "rulenote{" not in questions.split("\\begin{document}")[1]
    assert (folder / "answers.tex").exists()


def test_question_sheet_shows_the_drawn_values(tmp_path):
    assert run("--seed", 11, "--no-pdf", "--sheet", "questions", "--out", tmp_path).returncode == 0
    assert not (tmp_path / "dl-hw2-seed11.tex").exists()
    questions = (tmp_path / "dl-hw2-seed11.questions.tex").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "dl-hw2-seed11.answers.json").read_text(encoding="utf-8"))
    q = data["problems"][3]["answers"]["c"]["value"]  # df/dz = q = x*y, so x and y are shown in the statement
    assert "\\therefore" not in questions and "<<" not in questions
    assert "\\vspace{" in questions and "Name:" in questions
    import re
    x, y = (int(v) for v in re.search(r"\$x = (-?\d+)\$, \$y = (-?\d+)\$", questions).groups())
    assert x * y == q


def test_roster_gives_each_student_their_sheet(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n2024001,Kim Minji\n2024002,Lee Jun\n2024003,박서준\n", encoding="utf-8")
    for out in ("a", "b"):
        proc = run("--roster", roster, "--no-pdf", "--out", tmp_path / out)
        assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "a" / "dl-hw2-roster"
    for sid, name in (("2024001", "Kim Minji"), ("2024002", "Lee Jun"), ("2024003", "박서준")):
        tex = (folder / f"dl-hw2-{sid}.tex").read_text(encoding="utf-8")
        assert f"{name} ({sid})" in tex
        assert tex == (tmp_path / "b" / "dl-hw2-roster" / f"dl-hw2-{sid}.tex").read_text(encoding="utf-8")
        data = json.loads((folder / f"dl-hw2-{sid}.answers.json").read_text(encoding="utf-8"))
        assert data["student"] == {"id": sid, "name": name}
    rows = list(csv.DictReader((folder / "answers.csv").open(encoding="utf-8")))
    assert [r["student_id"] for r in rows] == ["2024001", "2024002", "2024003"]


def test_bad_roster_is_exit_1(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name\n1,A\n1,B\n", encoding="utf-8")
    proc = run("--roster", roster, "--check")
    assert proc.returncode == 1 and f"{roster}:3: the student id 1 is already on line 2" in proc.stderr
    proc = run("--roster", tmp_path / "missing.csv", "--check")
    assert proc.returncode == 1 and "no such roster file" in proc.stderr


def test_one_failing_variant_does_not_spoil_the_others(tmp_path, monkeypatch):
    real = variants.realize

    def flaky(base, name, variant, solve, shared=None):
        if variant.number == 2:
            raise VerificationError("boom")
        return real(base, name, variant, solve, shared)

    monkeypatch.setattr(variants, "realize", flaky)
    options = build.Options(out=tmp_path, pdf=False, variants=3, seed=1, jobs=1)
    result = build.run(ROOT / "problems/dl-hw2.yaml", options)
    assert result.built == 2 and result.exit_code == 2
    assert result.failures[0][0].startswith("variant 2 (seed 2): boom")
    rows = list(csv.DictReader((tmp_path / "dl-hw2-variants" / "answers.csv").open(encoding="utf-8")))
    assert [r["variant"] for r in rows] == ["1", "3"]


def test_two_students_whose_files_would_collide_are_refused(tmp_path):
    """Found in review: ids 'a b' and 'a_b' both wrote NAME-a_b.*, and the first student's sheet was lost
    while the run said 2 of 2 built; A1 and a1 collide on file systems that ignore case."""
    for rows in ("a b,One\na_b,Two\n", "A1,One\na1,Two\n"):
        roster = tmp_path / "r.csv"
        roster.write_text("id,name\n" + rows, encoding="utf-8")
        with pytest.raises(UsageError) as err:
            variants.read_roster(roster)
        assert "would write the same files" in str(err.value) and ":3:" in str(err.value)
