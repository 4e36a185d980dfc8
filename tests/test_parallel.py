"""Problems solved on several processes: the same outcome as on one, whatever a helper does; errors in
problem order; a stopped build leaves no process and no temporary folder behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from answerkey import build, outputs
from answerkey.errors import SpecError

ROOT = Path(__file__).resolve().parent.parent


def test_a_solution_a_helper_cannot_send_is_solved_again_here():
    """Whichever process takes the problem, the build succeeds (the parent solves what a helper could not
    hand back) and gives the same answers as one process."""
    spec = build.load_spec(ROOT / "problems" / "dl-hw2.yaml")
    kind = spec.problems[5].kind
    original = kind.solve

    def solve(problem):
        solution = original(problem)
        solution.data["formatter"] = lambda v: v  # pickle cannot carry this
        return solution

    def answers(jobs):
        solutions = build.solve_all(build.load_spec(ROOT / "problems" / "dl-hw2.yaml"), jobs=jobs)
        return [{label: outputs.answer_record(a) for label, a in s.answers.items()} for s in solutions]

    object.__setattr__(kind, "solve", solve)  # Kind is frozen
    try:
        one = answers(1)
        assert answers(2) == one and answers(4) == one
        assert one[5]["width"]["value"] == 30
    finally:
        object.__setattr__(kind, "solve", original)


def test_spec_errors_come_in_problem_order(tmp_path):
    path = tmp_path / "order.yaml"
    path.write_text("title: Order\nproblems:\n"
                    "  - kind: backprop\n    graph:\n      q: x * y\n    inputs: {x: 1, y: 2}\n    output: zz\n"
                    "  - kind: gradient\n    statement: |\n      Value <<nothere>> here.\n    function: x**2\n"
                    "    wrt: x\n", encoding="utf-8")
    for jobs in (1, 2):
        with pytest.raises(SpecError) as err:
            build.solve_all(build.load_spec(path), jobs=jobs)
        messages = [str(d) for d in err.value.diagnostics]
        assert len(messages) == 2
        assert "problem 1 (1): output: 'zz' is not a node" in messages[0]
        assert "problem 2 (2): statement: <<nothere>>" in messages[1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and /proc")
def test_a_terminated_build_leaves_nothing_behind(tmp_path):
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), str(ROOT / "problems" / "matrix-calculus.yaml"),
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, TMPDIR=str(tmp)), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:  # solving: TeX started, helpers forked
        if subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True).stdout.split():
            break
        time.sleep(0.05)
    time.sleep(0.3)
    assert proc.poll() is None, "the build ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; nothing was written" in err
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        alive = [pid for pid in left if Path(f"/proc/{pid}/stat").exists()
                 and Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] not in ("Z", "X")]
        if not alive:
            break
        time.sleep(0.1)
    assert not alive, f"left running: {alive}"
    assert list(tmp.iterdir()) == []
    assert not out.exists() or list(out.iterdir()) == []
