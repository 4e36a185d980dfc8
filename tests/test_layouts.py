"""The course's own layout: layout: exam (the exam class: the question sheet and the key from one source,
\\printanswers in the key only), paper: a4, --layout, and --templates DIR overriding a template by name; real
PDFs read back with pypdf."""
from __future__ import annotations

import subprocess

import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent


def build(tmp_path, spec, *args):
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--out", str(tmp_path), "-q", *args],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_exam_layout_on_a4_gives_the_key_and_the_question_sheet_from_one_source(tmp_path):
    spec = tmp_path / "hw.yaml"
    spec.write_text("layout: exam\npaper: a4\n" + (ROOT / "problems" / "dl-hw2.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    build(tmp_path, spec, "--sheet", "both")
    key_tex = (tmp_path / "hw.tex").read_text(encoding="utf-8")
    questions_tex = (tmp_path / "hw.questions.tex").read_text(encoding="utf-8")
    assert r"\documentclass[11pt]{exam}" in key_tex and r"\printanswers" in key_tex
    assert r"\printanswers" not in questions_tex
    assert key_tex.count(r"\begin{solution}") == questions_tex.count(r"\begin{solution}") == 6
    assert key_tex.count(r"\question") == 6
    for pdf in ("hw.pdf", "hw.questions.pdf"):
        box = PdfReader(tmp_path / pdf).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    key, questions = text(tmp_path / "hw.pdf"), text(tmp_path / "hw.questions.pdf")
    assert "Solution" in key and "softmax" in key
    assert "Solution" not in questions and "recognising the vector" not in questions
    assert "Name:" in questions and "Compute the gradient" in questions


def test_exam_layout_prints_points_of_problems_and_parts(tmp_path):
    spec = tmp_path / "parts.yaml"
    spec.write_text("title: Parts\nproblems:\n"
                    "  - {kind: gradient, function: x**2, wrt: x, points: 2}\n"
                    "  - points: 10\n    function: x**2*y\n    wrt: [x, y]\n    parts:\n"
                    "      - {kind: gradient, points: 6}\n      - {kind: hessian, points: 4}\n", encoding="utf-8")
    build(tmp_path, spec, "--layout", "exam", "--sheet", "both")
    tex = (tmp_path / "parts.tex").read_text(encoding="utf-8")
    assert r"\question[2]" in tex and r"\question[10]" in tex and r"\part[6]" in tex and r"\part[4]" in tex
    assert tex.count(r"\begin{parts}") == tex.count(r"\end{parts}") == 1
    questions = text(tmp_path / "parts.questions.pdf")
    assert "[10]" in questions and "[6]" in questions and "(a)" in questions and "(b)" in questions


def test_templates_dir_overrides_a_template_by_name(tmp_path):
    mine = tmp_path / "course"
    mine.mkdir()
    (mine / "head.tex").write_text('(% include "preamble.tex" %)\n\\begin{document}\n'
                                   '\\noindent\\textsc{Machine Learning 4771, Spring 2027}\\par\n', encoding="utf-8")
    build(tmp_path / "out", ROOT / "problems" / "dl-hw2.yaml", "--templates", str(mine))
    got = text(tmp_path / "out" / "dl-hw2.pdf")
    assert "MACHINE LEARNING 4771" in got.upper() and "Deep Learning hw wr 2" in got
    box = PdfReader(tmp_path / "out" / "dl-hw2.pdf").pages[0].mediabox  # letter, the default paper
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_a_missing_templates_folder_is_a_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "generate.py", "--templates", str(tmp_path / "nope"), "--out",
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1 and "no such folder" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name, body, said", [
    ("preamble.tex", "(% if title %)\n\\documentclass{article}\n", "preamble.tex:2: Unexpected end of template"),
    ("preamble.tex", "\\documentclass{article}\n(( title | nofilter ))\n", "No filter named 'nofilter'"),
    ("head.tex", "\\documentclass{article}\n\n(( course.name ))\n\\begin{document}\n", "head.tex:3: 'course' is undefined"),
])
def test_a_broken_course_template_is_an_error_at_its_line_not_a_traceback(tmp_path, name, body, said):
    mine = tmp_path / "course"
    mine.mkdir()
    (mine / name).write_text(body, encoding="utf-8")
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\nproblems:\n  - {kind: dropout, h: [1, 2], p: 0.5}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "generate.py", str(spec), "--templates", str(mine), "--out",
                           str(tmp_path / "out"), "--no-pdf"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert said in proc.stderr and str(mine) in proc.stderr


def test_fragments_input_into_a_course_document(tmp_path):
    """--fragments: NAME.problems/N.tex per problem and preamble.tex; a course's own document that \\inputs them
    compiles with real pdflatex and shows the problems' solutions."""
    build(tmp_path, ROOT / "problems" / "dl-hw2.yaml", "--fragments", "--no-pdf")
    folder = tmp_path / "dl-hw2.problems"
    assert sorted(p.name for p in folder.iterdir()) == [f"{n}.tex" for n in range(1, 7)] + ["preamble.tex"]
    assert r"\documentclass" not in (folder / "4.tex").read_text(encoding="utf-8")
    doc = tmp_path / "notes.tex"
    doc.write_text("\\documentclass{article}\n\\input{dl-hw2.problems/preamble.tex}\n\\begin{document}\n"
                   "\\section*{Selected solutions}\n\\input{dl-hw2.problems/4.tex}\n\\input{dl-hw2.problems/1.tex}\n"
                   "\\end{document}\n", encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]
    got = text(tmp_path / "notes.pdf")
    assert "Selected solutions" in got and "(a) = 15" in got and "softmax" in got


@pytest.mark.tex
def test_fragments_in_a_course_document_that_externalizes_its_tikz_pictures(tmp_path):
    """A course's document may cache its TikZ pictures (the external library: each picture compiled once
    into a PDF of its own, then included): the backprop figure's nodes and wires, typeset once into a box
    with its corner recorded as the picture ends (figure.tex), are then drawn in place, and the figure is
    the one the document shows without the library."""
    build(tmp_path, ROOT / "problems" / "dl-hw2.yaml", "--fragments", "--no-pdf")
    body = ("\\begin{document}\n\\begin{tikzpicture}\\draw (0,0) circle (3mm);\\end{tikzpicture}\n"
            "\\input{dl-hw2.problems/4.tex}\n\\end{document}\n")
    pages = {}
    for name, extra in (("cached", "\\usetikzlibrary{external}\n\\tikzexternalize\n"), ("plain", "")):
        (tmp_path / f"{name}.tex").write_text("\\documentclass{article}\n\\input{dl-hw2.problems/preamble.tex}\n"
                                              + extra + body, encoding="utf-8")
        for _ in range(2):  # the first run makes the pictures' PDFs, the second includes them
            proc = subprocess.run(["pdflatex", "-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                                   f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stdout[-2000:]
        pages[name] = [sorted(page.extract_text().split()) for page in PdfReader(tmp_path / f"{name}.pdf").pages]
    assert (tmp_path / "cached-figure0.pdf").exists()  # the course's own picture was cached
    assert "optimized" not in " ".join(pages["cached"][0]).lower()
    assert pages["cached"] == pages["plain"] and "15" in pages["plain"][0]
