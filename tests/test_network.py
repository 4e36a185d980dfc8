"""Issue 6: the network example against an independent numpy computation; figures compile and their
labels appear in the PDF; one input feeding three nodes gets the summed gradient."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def numpy_network():
    """The network by hand with numpy: forward, backward by the matrix chain rule, one update."""
    x = np.array([0.05, 0.10])
    W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
    b1 = 0.35
    W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
    b2 = 0.60
    t = np.array([0.01, 0.99])
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = sig(W1 @ x + b1)
    o = sig(W2 @ h + b2)
    E = 0.5 * np.sum((t - o) ** 2)
    d_o = (o - t) * o * (1 - o)
    gW2 = np.outer(d_o, h)
    d_h = (W2.T @ d_o) * h * (1 - h)
    gW1 = np.outer(d_h, x)
    return E, gW1, gW2, W1 - 0.5 * gW1, W2 - 0.5 * gW2


def test_network_example_matches_numpy(tmp_path):
    proc = subprocess.run([sys.executable, "generate.py", "problems/network.yaml", "--no-pdf", "-q", "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "network.answers.json").read_text(encoding="utf-8"))
    problem = data["problems"][0]
    assert problem["verified"]
    a = {k: v["value"] for k, v in problem["answers"].items()}
    E, gW1, gW2, W1new, W2new = numpy_network()
    assert a["output"] == pytest.approx(E, rel=1e-12)
    assert a["a"] == pytest.approx(gW2[0, 0], rel=1e-10)  # dE/dw5
    assert a["b"] == pytest.approx(gW1[0, 0], rel=1e-10)  # dE/dw1
    new = [W1new[0, 0], W1new[0, 1], W1new[1, 0], W1new[1, 1], W2new[0, 0], W2new[0, 1], W2new[1, 0], W2new[1, 1]]
    assert [a[f"new_w{i}"] for i in range(1, 9)] == pytest.approx(new, rel=1e-10)
    tex = (tmp_path / "network.tex").read_text(encoding="utf-8")
    assert "\\begin{tabular}" in tex and "\\begin{tikzpicture}" in tex


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler (installed by make test)")
def test_figures_compile_and_show_their_labels(tmp_path):
    spec = tmp_path / "fan.yaml"
    spec.write_text("title: Fan-out\nproblems:\n  - kind: backprop\n    id: fan\n"
                    "    graph: {p: 2*x, q: x*y, r: exp(x), f: p + q*r}\n    inputs: {x: 1, y: 3}\n"
                    "    ask: {a: x, b: y}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--sheet", "both", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    key = subprocess.run(["pdftotext", str(tmp_path / "fan.pdf"), "-"], capture_output=True, text=True).stdout
    questions = subprocess.run(["pdftotext", str(tmp_path / "fan.questions.pdf"), "-"], capture_output=True,
                               text=True).stdout
    flat = re.sub(r"\s+", "", key)
    assert "(a)=" in flat and "(b)=" in flat  # the asked labels with their values in the key's figure
    assert "summedoverthe3paths" in flat  # x feeds p, q and r: three paths, summed
    qflat = re.sub(r"\s+", "", questions)
    assert "(a)" in qflat and "(a)=" not in qflat  # the question sheet: labels, no gradients
    data = json.loads((tmp_path / "fan.answers.json").read_text(encoding="utf-8"))
    e = np.e
    assert data["problems"][0]["answers"]["a"]["value"] == pytest.approx(2 + 3 * e + 3 * e, rel=1e-12)


def test_a_network_draws_each_input_beside_the_gate_that_uses_it():
    """With many inputs (weights and biases), each sits in the column before its first consumer, not all
    in the first column; no two share a place. Small graphs keep every input in the first column."""
    from answerkey import graphfig
    from answerkey.build import load_spec
    from answerkey.kinds.backprop.fields import build_graph

    spec = load_spec(ROOT / "problems" / "network.yaml")
    inputs, nodes, _ = build_graph(spec.problems[0])
    position = graphfig.layout(inputs, nodes)
    assert len(set(position.values())) == len(position)
    for s in inputs:
        first = min(position[n][0] for n, e in nodes.items() if s in e.free_symbols)
        assert position[s][0] == pytest.approx(first - graphfig.X_STEP), s
    assert {str(s) for s in inputs if position[s][0] > 0} == {"w5", "w6", "w7", "w8", "b2"}
    small = load_spec(ROOT / "problems" / "dl-hw2.yaml").problems[3]
    inputs, nodes, _ = build_graph(small)
    assert all(graphfig.layout(inputs, nodes)[s][0] == 0 for s in inputs)
