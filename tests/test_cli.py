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
    assert data["problems"][3]["answers"]["a"] == {"latex": "15", "sympy": "15", "value": 15}
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
