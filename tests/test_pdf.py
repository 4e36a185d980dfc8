"""A real PDF, compiled by TeX and read back with pdftotext: title, Korean author, headings, answers."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
                                reason="TeX is installed by `make test`; run through make")


def build(tmp_path, *args):
    proc = subprocess.run([sys.executable, "generate.py", "--out", str(tmp_path), *args], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "dl-hw2.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    answers = json.loads((tmp_path / "dl-hw2.answers.json").read_text(encoding="utf-8"))
    return text, answers


def lines_of(text):
    """Each line of the PDF's text without spaces."""
    return {re.sub(r"\s+", "", line) for line in text.splitlines()}


def squash(text):
    """Without spaces: pdftotext spaces math unevenly."""
    return re.sub(r"\s+", "", text)


def test_default_key_pdf_reads_back(tmp_path):
    text, answers = build(tmp_path)
    flat = squash(text)
    assert "Deep Learning hw wr 2" in text
    assert re.search(r"2018320161\s+컴퓨터학과\s+송대선", text)
    assert "November 18, 2020" in text
    for heading in ("1", "2", "3", "4", "5", "6"):
        assert re.search(rf"^\s*{heading}\s*$", text, re.M), f"heading {heading}"
    for part in ("4.a)", "4.b)", "4.c)", "4.d)"):
        assert part in text
    assert "∴∇f(x)=softmax(x)" in flat
    assert "∴∇L(x)=softmax(x)−ei" in flat
    for label, value in (("a", "15"), ("b", "−6"), ("c", "−10"), ("d", "3")):
        assert f"∴{label}={value}" in lines_of(text), label
    assert re.search(r"∴\(numberof\S*,outputmapwidth,outputmapheight\)=\(8,30,30\)", flat)
    assert "=xxT" in flat
    assert all(p["verified"] for p in answers["problems"])


def test_set_override_reaches_pdf_and_answers(tmp_path):
    text, answers = build(tmp_path, "--set", "4.inputs.z=7")
    for label, value in (("a", "35"), ("b", "−14"), ("c", "−10"), ("d", "7")):
        assert f"∴{label}={value}" in lines_of(text), label
    bp = answers["problems"][3]["answers"]
    assert {k: bp[k]["value"] for k in "abcd"} == {"a": 35, "b": -14, "c": -10, "d": 7}


def test_tex_failure_names_the_problem(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("title: T\nproblems:\n  - kind: conv_output_shape\n    input: {width: 8, height: 8}\n"
                    "    filters: 2\n    kernel: 3\n  - kind: conv_output_shape\n    statement: 'broken $\\frac{1}$'\n"
                    "    input: {width: 8, height: 8}\n    filters: 2\n    kernel: 3\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 3
    assert f"{spec}:8:33: problem 2 (2): statement: TeX failed here" in proc.stderr  # at the $ TeX stopped at
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "bad.pdf").exists() and not (tmp_path / "bad.tex").exists()
