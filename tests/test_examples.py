"""Every spec in problems/ builds, verified, with every displayed line read back from the page (none left
unread); the losses example against numpy."""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted(p.relative_to(ROOT) for p in (ROOT / "problems").glob("*.yaml"))


OVERFULL = re.compile(r"Overfull \\hbox \(([0-9.]+)pt too wide\) (?:in paragraph|detected) at lines? (\d+)")


def overfull(tex: Path) -> list[tuple[float, int]]:
    """TeX's overfull boxes of a document over 1 pt, (how much, the .tex line), from one real pdflatex pass."""
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tex.parent,
                   capture_output=True, text=True, timeout=120)
    log = tex.with_suffix(".log").read_text(encoding="latin-1")
    assert "Output written" in log, log[-2000:]
    return [(float(w), int(n)) for w, n in OVERFULL.findall(log) if float(w) > 1.0]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_every_example_spec_builds_verified(spec, tmp_path):
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--no-pdf", "-q", "--sheet", "both", "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / f"{spec.stem}.answers.json").read_text(encoding="utf-8"))
    assert data["problems"] and all(p["verified"] for p in data["problems"])
    # the page is the proof: every displayed line of every example read back from its LaTeX and checked
    for problem in [part for p in data["problems"] for part in p.get("parts", [p])]:  # a problem, or its parts
        assert problem["readback"]["unread"] == [], (problem.get("id"), problem.get("part"), problem["readback"])
        assert problem["readback"]["checked"] + problem["readback"]["definitions"] > 0 \
            or problem["kind"] in ("choice", "true_false")  # a choice given by correct:, no computation
    tex = (tmp_path / f"{spec.stem}.tex").read_text(encoding="utf-8")
    assert "not read back" not in tex and "displayed lines read back from the page and checked" in tex
    # inside the margins: no overfull box over 1 pt in the key or the question sheet (long lines are broken)
    for name in (f"{spec.stem}.tex", f"{spec.stem}.questions.tex"):
        assert overfull(tmp_path / name) == [], name


def test_losses_and_activations_at_numbers(tmp_path):
    proc = subprocess.run([sys.executable, "generate.py", "problems/losses.yaml", "--no-pdf", "-q", "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = {p["id"]: p["answers"]["gradient_at"]["value"]
           for p in json.loads((tmp_path / "losses.answers.json").read_text(encoding="utf-8"))["problems"]}
    x = np.array([1, 2, 0.5])
    p = np.exp(x) / np.exp(x).sum()
    assert got["cross-entropy"] == pytest.approx(p - np.array([0, 1, 0]), rel=1e-12)
    assert got["svm-hinge"] == [1, -1, 0]
    w, xx, y = np.array([0.5, 1.0]), np.array([2.0, -1.0]), 3.0
    assert got["squared-error"] == pytest.approx(2 * (w @ xx - y) * xx)
    assert got["activations"] == pytest.approx([0.25, 1 - np.tanh(0.5) ** 2, 0.0])
    z = np.array([0.0, 1.0, 2.0])
    assert got["logsumexp-at"] == pytest.approx(np.exp(z) / np.exp(z).sum(), rel=1e-12)
