"""Exit codes and messages of the command line (0 done, 1 spec/command line, 2 check, 3 TeX)."""
import json
import subprocess
import sys
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return subprocess.run([sys.executable, "generate.py", *args], cwd=ROOT, capture_output=True, text=True)


def test_no_pdf_writes_tex_and_answers(tmp_path):
    proc = run("--no-pdf", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "dl-hw2.answers.json").read_text(encoding="utf-8"))
    assert data["title"] == "Deep Learning hw wr 2" and data["seed"] is None
    assert [p["number"] for p in data["problems"]] == [1, 2, 3, 4, 5, 6]
    assert all(p["verified"] for p in data["problems"])
    first = data["problems"][0]["answers"]["gradient"]
    assert first["index"] == "k"
    back = sp.sympify(first["sympy"])
    x, k, i, n = sp.IndexedBase("x"), sp.Symbol("k"), sp.Symbol("i"), sp.Symbol("n")
    assert back == sp.exp(x[k]) / sp.Sum(sp.exp(x[i]), (i, 1, n))
    assert data["problems"][3]["answers"]["a"] == {"latex": "15", "sympy": "15", "value": 15, "tolerance": 0}
    assert not (tmp_path / "dl-hw2.pdf").exists()


def test_check_writes_nothing(tmp_path):
    proc = run("--check", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "out").exists()


def test_bad_spec_is_exit_1_with_all_errors_located(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("title: T\nproblems:\n  - kind: gradiant\n    function: x\n  - kind: backprop\n"
                    "    graph: {q: x*y}\n    inputs: {x: two, y: 1}\n", encoding="utf-8")
    proc = run(str(spec), "--check")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"{spec}:3:11: problem 1 (1): kind: unknown kind 'gradiant' (did you mean 'gradient'?")
    assert lines[1].startswith(f"{spec}:7:17: problem 2 (2): inputs.x: expected")
    assert "Traceback" not in proc.stderr


def test_bad_set_path_and_bad_option_are_exit_1():
    proc = run("--set", "9.function=x", "--check")
    assert proc.returncode == 1 and "there is no problem '9'" in proc.stderr
    proc = run("--no-such-option")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


def test_set_changes_the_answer(tmp_path):
    proc = run("--no-pdf", "--out", str(tmp_path), "--set", "backprop.inputs.z=7")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "dl-hw2.answers.json").read_text(encoding="utf-8"))
    assert data["problems"][3]["answers"]["a"]["value"] == 35


def test_injection_runs_nothing(tmp_path):
    canary = tmp_path / "canary"
    spec = tmp_path / "evil.yaml"
    spec.write_text(f"title: T\nproblems:\n  - kind: gradient\n    function: __import__('os').system('touch {canary}')\n"
                    "    wrt: x\n", encoding="utf-8")
    proc = run(str(spec), "--check")
    assert proc.returncode == 1
    assert "function: double underscores are not allowed" in proc.stderr
    assert not canary.exists()


def test_failed_build_keeps_earlier_outputs(tmp_path):
    assert run("--no-pdf", "--out", str(tmp_path)).returncode == 0
    before = (tmp_path / "dl-hw2.tex").read_bytes()
    proc = run("--no-pdf", "--out", str(tmp_path), "--set", "6.stride=2")  # (32-3)/2+1 is not an integer
    assert proc.returncode == 1 and "is not an integer" in proc.stderr
    assert (tmp_path / "dl-hw2.tex").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------------------------------------
# The command line on small gradient specs written into tmp_path (SPEC.md sections 3 and 4).

import pytest  # noqa: E402

from .conftest import GOOD_SPEC, plain_symbols, run_cli, same, write_spec  # noqa: E402

X, Y = sp.Symbol("x"), sp.Symbol("y")
ANSWER_FIELDS = {"latex", "sympy", "value"}


def no_traceback(proc):
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def test_gradient_spec_no_pdf_writes_tex_and_answers(built):
    proc, out = built["proc"], built["out"]
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    assert sorted(p.name for p in out.iterdir()) == ["practice.answers.json", "practice.tex"]
    tex = (out / "practice.tex").read_text(encoding="utf-8")
    assert "\\documentclass" in tex and tex.rstrip().endswith("\\end{document}")
    assert "Gradient practice" in tex
    assert "Compute the gradient of" in tex  # the statement, as LaTeX


def test_answers_json_has_the_contract_structure(built):
    data = built["answers"]
    assert set(data) >= {"spec", "title", "seed", "problems"}
    assert data["spec"] == str(built["spec"])
    assert data["title"] == "Gradient practice"
    assert data["seed"] is None
    assert [(p["number"], p["id"], p["kind"]) for p in data["problems"]] == [(1, "lin", "gradient"),
                                                                               (2, "lse", "gradient")]
    for problem in data["problems"]:
        assert set(problem) >= {"number", "id", "kind", "verified", "answers"}
        assert problem["verified"] is True
        assert problem["answers"]
        for label, answer in problem["answers"].items():
            assert isinstance(label, str)
            assert ANSWER_FIELDS <= set(answer)
            assert isinstance(answer["latex"], str) and answer["latex"]
            assert isinstance(answer["sympy"], str) and answer["sympy"]


def test_answers_json_sympy_strings_read_back(built):
    lin = built["answers"]["problems"][0]["answers"]
    assert set(lin) == {"gradient", "gradient_at"}
    assert same(sp.sympify(lin["gradient"]["sympy"]), sp.Matrix([3 * Y + 2, 3 * X]))
    assert lin["gradient"]["value"] is None  # symbolic
    assert same(sp.sympify(lin["gradient_at"]["sympy"]), sp.Matrix([8, 3]))
    assert lin["gradient_at"]["value"] == [8, 3]


def test_answers_json_entry_of_a_vector_of_symbolic_length(built):
    answer = built["answers"]["problems"][1]["answers"]["gradient"]
    assert answer["index"] == "k"
    assert answer["value"] is None
    x, k, i, n = sp.IndexedBase("x"), sp.Symbol("k"), sp.Symbol("i"), sp.Symbol("n")
    back = sp.sympify(answer["sympy"])
    assert back == sp.exp(x[k]) / sp.Sum(sp.exp(x[i]), (i, 1, n))
    # and it is the softmax: check at n = 3, k = 2
    at = back.subs({n: 3, k: 2}).doit().subs({x[1]: 0.1, x[2]: -0.4, x[3]: 1.2})
    assert float(at) == pytest.approx(2.718281828 ** -0.4 / sum(2.718281828 ** v for v in (0.1, -0.4, 1.2)),
                                      rel=1e-8)


def test_check_validates_and_writes_nothing(good_spec, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(good_spec, "--check", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert not out.exists()
    assert "nothing written" in proc.stdout


def test_short_out_option_and_quiet(good_spec, tmp_path):
    out = tmp_path / "o"
    proc = run_cli(good_spec, "--no-pdf", "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert (out / "spec.answers.json").exists()


def test_bad_spec_exits_1_with_located_message_and_no_traceback(tmp_path):
    spec = write_spec(tmp_path, GOOD_SPEC.replace("wrt: [x, y]", "wrt: 5"))
    out = tmp_path / "out"
    proc = run_cli(spec, "--no-pdf", "--out", out)
    assert proc.returncode == 1
    no_traceback(proc)
    assert proc.stderr.startswith(f"{spec}:7:10: problem 1 (lin): wrt: expected")
    assert proc.stdout == ""
    assert not out.exists()


def test_missing_spec_file_exits_1(tmp_path):
    proc = run_cli(tmp_path / "nope.yaml", "--no-pdf", "--out", tmp_path / "out")
    assert proc.returncode == 1
    no_traceback(proc)
    assert proc.stderr.strip() == f"{tmp_path / 'nope.yaml'}: no such file"


@pytest.mark.parametrize("args, message", [
    (["--set", "9.function=x"], "there is no problem '9'"),
    (["--set", "nope.function=x"], "there is no problem 'nope'"),
    (["--set", "1.function"], "expected PROBLEM.FIELD=VALUE"),
    (["--set", "lin.at.z.w=3"], "has no field"),
    (["--set", "1.function=expp(x)"], "unknown function 'expp'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--out"], "expected one argument"),
    (["extra.yaml"], "unrecognized arguments"),
])
def test_bad_command_line_exits_1_and_writes_nothing(good_spec, tmp_path, args, message):
    out = tmp_path / "out"
    proc = run_cli(good_spec, "--no-pdf", "--out", out, *args) if args != ["--out"] \
        else run_cli(good_spec, "--no-pdf", *args)
    assert proc.returncode == 1
    no_traceback(proc)
    assert message in proc.stderr
    assert not out.exists()


def test_set_changes_the_gradient_answer(good_spec, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(good_spec, "--no-pdf", "--out", out, "--set", "1.function=x**2*y", "--set", "lin.at.y=5")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "spec.answers.json").read_text(encoding="utf-8"))
    answers = data["problems"][0]["answers"]
    assert same(sp.sympify(answers["gradient"]["sympy"]), sp.Matrix([2 * X * Y, X ** 2]))
    assert answers["gradient_at"]["value"] == [10, 1]
    assert data["problems"][0]["verified"] is True


def test_hostile_expression_through_the_command_line_runs_nothing(tmp_path):
    canary = tmp_path / "canary"
    spec = write_spec(tmp_path, GOOD_SPEC)
    proc = run_cli(spec, "--check", "--set", f"1.function=__import__('os').system('touch {canary}')")
    assert proc.returncode == 1
    no_traceback(proc)
    assert not canary.exists()


def test_sympy_strings_match_the_solved_answers(good_spec):
    """Every answer's `sympy` string reads back as the answer the package computed (names compared
    without their assumptions, which a string cannot carry)."""
    from answerkey import outputs
    from answerkey.build import load_spec, solve_all

    spec = load_spec(good_spec)
    solutions = solve_all(spec)
    data = json.loads(outputs.answers_json(spec, solutions))
    for problem, solution in zip(data["problems"], solutions):
        for label, answer in solution.answers.items():
            back = sp.sympify(problem["answers"][label]["sympy"])
            assert same(back, plain_symbols(answer.expr)), (problem["id"], label)


def test_out_that_is_a_file_is_a_clear_error(good_spec, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    proc = run_cli(good_spec, "--no-pdf", "--out", blocker)
    assert proc.returncode == 1
    no_traceback(proc)


def test_huge_float_literal_is_a_clear_error(tmp_path):
    spec = write_spec(tmp_path, GOOD_SPEC.replace("function: 2*x + 3*x*y", "function: 1e5000*x + 3*x*y"))
    proc = run_cli(spec, "--no-pdf", "--out", tmp_path / "out")
    no_traceback(proc)
    assert proc.returncode == 1


def test_every_option_of_the_contract_is_accepted():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for option in ("--out", "--set", "--seed", "--variants", "--roster", "--sheet", "--no-pdf", "--check",
                   "--jobs"):
        assert option in proc.stdout, option
