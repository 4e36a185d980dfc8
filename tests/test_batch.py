"""Many sheets per TeX run (answerkey/texbatch.py): the split PDFs of a batch are the sheets compiled alone."""
import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from answerkey import build, render, texbatch
from answerkey.errors import TexError

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")


def run(*args):
    proc = subprocess.run([sys.executable, str(ROOT / "generate.py"), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def spec_file(tmp_path, layout="article"):
    """Two problems with draws: a backprop graph and a gradient, in the layout given."""
    path = tmp_path / "quiz.yaml"
    path.write_text(yaml.safe_dump({
        "title": "Batch quiz", "author": "Tester", "date": "Fall 2026", "layout": layout,
        "problems": [
            {"kind": "backprop", "graph": {"q": "x + y", "f": "q * q"},
             "inputs": {"x": {"randint": [1, 9], "default": 2}, "y": {"randint": [1, 9], "default": 1}},
             "ask": {"a": "x"}, "points": 4},
            {"kind": "gradient", "function": "a*x**2 + 3*x*y", "wrt": ["x", "y"],
             "params": {"a": {"randint": [2, 7], "default": 2}}, "at": {"x": 1, "y": 2}},
        ]}, sort_keys=False), encoding="utf-8")
    return path


def texts(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def embedded(path) -> bool:
    """Every font of every page has its font program in the file."""
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)
            descriptor = descriptor.get("/FontDescriptor")
            if descriptor is None or not any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2",
                                                                                      "/FontFile3")):
                return False
    return True


@pytest.mark.parametrize("layout", ["article", "exam"])
def test_split_sheets_are_the_variants_built_alone(tmp_path, layout):
    spec = spec_file(tmp_path, layout)
    run(spec, "--variants", 3, "--sheet", "both", "-j", 1, "--out", tmp_path / "many")
    folder = tmp_path / "many" / "quiz-variants"
    for seed in (3,):
        run(spec, "--seed", seed, "--sheet", "both", "--out", tmp_path / f"alone{seed}")
        for suffix in ("", ".questions"):
            split, alone = folder / f"quiz-seed{seed}{suffix}.pdf", tmp_path / f"alone{seed}" / f"quiz-seed{seed}{suffix}.pdf"
            assert len(PdfReader(split).pages) == len(PdfReader(alone).pages)
            assert texts(split) == texts(alone)
            assert embedded(split)
            assert PdfReader(split).metadata["/Producer"].startswith("pdfTeX")
    # the key and the sheet of one variant differ from another's (each document's own code in its footer)
    assert texts(folder / "quiz-seed1.pdf") != texts(folder / "quiz-seed2.pdf")


def test_roster_names_on_their_own_sheets_and_the_same_bytes_twice(tmp_path):
    roster = tmp_path / "roster.csv"
    students = [("2024001", "Kim Minji"), ("2024002", "Lee Jun"), ("2024003", "Park Seojun"), ("2024004", "Choi Yuna")]
    roster.write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in students), encoding="utf-8")
    spec = spec_file(tmp_path)
    sums = []
    for out in ("a", "b"):
        run(spec, "--roster", roster, "--sheet", "both", "-j", 2, "--out", tmp_path / out)
        folder = tmp_path / out / "quiz-roster"
        sums.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.pdf")})
    assert sums[0] == sums[1] and len(sums[0]) == 2 * len(students) + 3  # + answers, all-keys, all-questions
    folder = tmp_path / "a" / "quiz-roster"
    assert not list(folder.glob(".batch-*"))
    for sid, name in students:
        for suffix in ("", ".questions"):
            text = "".join(texts(folder / f"quiz-{sid}{suffix}.pdf"))
            assert name in text and sid in text
            assert not any(other in text for other_id, other in students if other_id != sid)
    # the print files: every sheet's pages, in roster order
    for sheet, suffix in (("keys", ""), ("questions", ".questions")):
        whole = texts(folder / f"all-{sheet}.pdf")
        assert whole == [t for sid, _ in students for t in texts(folder / f"quiz-{sid}{suffix}.pdf")]


def test_a_tex_error_in_one_variant_of_a_batch_names_it(tmp_path, monkeypatch):
    real = render.render

    def broken(spec, solutions, *args, **kwargs):
        text = real(spec, solutions, *args, **kwargs)
        if spec.seed == 2:  # a macro TeX does not know, inside problem 2's lines
            at = text.index("% problem 2\n") + len("% problem 2\n")
            text = text[:at] + "\\undefinedmacro\n" + text[at:]
        return text

    monkeypatch.setattr(render, "render", broken)
    monkeypatch.setattr(texbatch, "_writer", None)  # the split and the print files never need pypdf's writer
    result = build.run(spec_file(tmp_path), build.Options(out=tmp_path, variants=3, seed=1, jobs=1))
    assert result.built == 2 and result.exit_code == TexError("").exit_code
    message = result.failures[0][0]
    assert message.startswith("variant 2 (seed 2): TeX failed in problem 2") and "Undefined control sequence" in message
    folder = tmp_path / "quiz-variants"
    assert sorted(p.name for p in folder.glob("quiz-seed*.pdf")) == ["quiz-seed1.pdf", "quiz-seed3.pdf"]
    assert texts(folder / "all-keys.pdf") == texts(folder / "quiz-seed1.pdf") + texts(folder / "quiz-seed3.pdf")


@pytest.mark.parametrize("extra, batched", [("\\newcommand{\\course}{Course CS101}\n", True),
                                            ("\\usepackage{xcolor}\n\\newcommand{\\course}{Course CS101}\n", False)])
def test_a_course_templates_folder_still_works(tmp_path, extra, batched, monkeypatch):
    """A head of the course's own: batched when it can share a TeX run, else each sheet alone."""
    shipped = (render.TEMPLATES / "preamble.tex").read_text(encoding="utf-8")
    own = tmp_path / "own"
    own.mkdir()
    (own / "preamble.tex").write_text(shipped.replace("%endofdump\n", "%endofdump\n" + extra), encoding="utf-8")
    (own / "document.tex").write_text((render.TEMPLATES / "document.tex").read_text(encoding="utf-8")
                                      .replace("\\maketitle\n", "\\maketitle\n\\course\n"), encoding="utf-8")
    calls = []
    real = texbatch.compile_batch
    monkeypatch.setattr(texbatch, "compile_batch", lambda *a: calls.append(real(*a)) or calls[-1])
    result = build.run(spec_file(tmp_path), build.Options(out=tmp_path, variants=2, seed=1, jobs=1, sheet="both",
                                                         templates=str(own)))
    assert result.built == 2 and not result.failures
    assert [c is not None for c in calls] == [batched] * 2  # a batch per variant (its key and question sheet)
    folder = tmp_path / "quiz-variants"
    for seed in (1, 2):
        assert "Course CS101" in texts(folder / f"quiz-seed{seed}.pdf")[0]
    assert len(PdfReader(folder / "all-keys.pdf").pages) == sum(len(PdfReader(folder / f"quiz-seed{s}.pdf").pages)
                                                               for s in (1, 2))


def test_batches_share_the_cores_evenly_and_never_depend_on_them():
    assert [len(b) for b in texbatch.batches(50)] == [13, 13, 12, 12]
    assert [len(b) for b in texbatch.batches(301)] == [19] * 13 + [18] * 3
    assert [len(b) for b in texbatch.batches(300)] == [25] * 12
    assert [len(b) for b in texbatch.batches(3)] == [1, 1, 1]
    assert sum(len(b) for b in texbatch.batches(1000)) == 1000 and len(texbatch.batches(1000)) == 40
    assert [b[0] for b in texbatch.batches(10)] == [0, 3, 6, 8]


def test_cut_refuses_what_cannot_share_a_run():
    head = "\\documentclass{article}\n%endofdump\n\\title{A}\n"
    assert texbatch.cut(head + "\\begin{document}\nHi\n\\end{document}\n") == (
        "\\documentclass{article}\n%endofdump\n", "\\title{A}\n", "Hi\n")
    assert texbatch.cut("\\documentclass{article}\n\\begin{document}\nHi\n\\end{document}\n") is None
    assert texbatch.cut(head + "\\usepackage{x}\n\\begin{document}\nHi\n\\end{document}\n") is None


def test_without_tex_a_batch_reports_tex_missing(tmp_path, monkeypatch):
    """No pdflatex on PATH: each sheet of a batch says TeX is missing (as a key alone does), no traceback."""
    monkeypatch.setenv("PATH", str(tmp_path))
    text = "\\documentclass{article}\n%endofdump\n\\begin{document}\nHi\n\\end{document}\n"
    pdfs, _ = texbatch.typeset([texbatch.Pending(text, "a", {}), texbatch.Pending(text, "b", {}, "questions")],
                               None)
    assert [isinstance(p, TexError) and "TeX is missing" in str(p) for p in pdfs] == [True, True]


def test_print_files_follow_the_umask(tmp_path):
    """all-keys.pdf of a roster carries students' names: under umask 077 it is the owner's alone, as every
    other file of the run (outputs.atomic_write)."""
    import os

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    with open(tmp_path / ".batch-00000.pdf", "wb") as handle:
        writer.write(handle)
    previous = os.umask(0o077)
    try:
        written = texbatch.print_files(tmp_path, [[("key", tmp_path / ".batch-00000.pdf", 0, 1)]])
    finally:
        os.umask(previous)
    assert written == [tmp_path / "all-keys.pdf"] and len(PdfReader(written[0]).pages) == 1
    assert (written[0].stat().st_mode & 0o777) == 0o600


def test_print_files_from_the_saved_objects_are_those_from_the_batch_pdfs(tmp_path):
    """The print files are written from each batch's objects as its split serialised them (kept beside the
    batch's PDF, Pages.save): byte for byte what parsing the batch's PDF again gives, and nothing is left."""
    render.use_templates(None)  # the shipped templates (an earlier test's run may have used a course's)
    spec, solutions = build.canonical(build.load_base(spec_file(tmp_path)), "quiz")
    pending = [texbatch.Pending(render.render(spec, solutions), "quiz", {}),
               texbatch.Pending(render.render_questions(spec, solutions), "quiz.questions", {}, "questions")] * 2
    made = {}
    for how in ("saved", "parsed"):
        folder = tmp_path / how
        folder.mkdir()
        batch = folder / ".batch-00000.pdf"
        pdfs, where = texbatch.typeset(pending, None, batch)
        assert all(isinstance(p, bytes) for p in pdfs) and batch.with_suffix(".objects").exists()
        if how == "parsed":
            batch.with_suffix(".objects").unlink()
        pages = [[(p.sheet, path, start, end)] for p, (path, start, end) in zip(pending, where)]
        written = texbatch.print_files(folder, pages)
        made[how] = {p.name: p.read_bytes() for p in written}
        assert not list(folder.glob(".batch-*"))
    assert made["saved"] == made["parsed"] and sorted(made["saved"]) == ["all-keys.pdf", "all-questions.pdf"]
    keys = PdfReader(tmp_path / "saved" / "all-keys.pdf")
    assert [p.extract_text() for p in keys.pages] == [p for pdf, d in zip(pdfs, pending) if d.sheet == "key"
                                                       for p in [q.extract_text() for q in PdfReader(io.BytesIO(pdf)).pages]]


def colours(pdf: bytes) -> list:
    """The colour of every mark a PDF's pages make, in order: (operator, colour) for each path stroked or
    filled and each text shown, from pypdf's parse of the page content (setting a colour draws nothing)."""
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    marks = []
    for page in reader.pages:
        state, saved = {"fill": (0.0,), "stroke": (0.0,)}, []
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op in (b"rg", b"g", b"k", b"RG", b"G", b"K"):
                state["stroke" if op.isupper() else "fill"] = tuple(float(x) for x in operands)
            elif op == b"q":
                saved.append(dict(state))
            elif op == b"Q":
                state = saved.pop()
            elif op in (b"S", b"s"):
                marks.append((op.decode(), state["stroke"]))
            elif op in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
                marks.append((op.decode(), state["fill"]))
            elif op in (b"Tj", b"TJ", b"'", b'"'):
                marks.append(("text", state["fill"]))
    return marks


def fonts(pdf: bytes) -> list:
    """The fonts of each page of a PDF (their names without the subset's prefix)."""
    return [sorted(str(f.get_object()["/BaseFont"]).split("+")[-1] for f in page["/Resources"]["/Font"].values())
            for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.tex
def test_a_figure_in_another_colour_is_not_drawn_from_the_skeleton_set_in_the_first(tmp_path):
    """The figure's nodes and wires are typeset once per TeX run (figure.tex) and TikZ fixes the colour of
    the place where that happens: a course whose key shows its figures in blue must still get black
    figures on the question sheets that share the key's run, as when each is compiled alone."""
    own = tmp_path / "own"
    own.mkdir()
    kind = (render.TEMPLATES / "kind.tex").read_text(encoding="utf-8")
    (own / "kind.tex").write_text("{\\color{blue}\\boldmath%\n" + kind + "}\n", encoding="utf-8")
    render.use_templates(str(own))
    try:
        spec, solutions = build.canonical(build.load_base(spec_file(tmp_path)), "quiz")
        key = texbatch.Pending(render.render(spec, solutions), "quiz", {})
        questions = texbatch.Pending(render.render_questions(spec, solutions), "quiz.questions", {}, "questions")
        (key_pdf, questions_pdf), _ = texbatch.typeset([key, questions], None, None)
        (key_alone,), _ = texbatch.typeset([key], None, None)
        (questions_alone,), _ = texbatch.typeset([questions], None, None)
    finally:
        render.use_templates(None)
    blue = ("S", (0.0, 0.0, 1.0))
    assert blue in colours(key_pdf) and blue not in colours(questions_alone)
    assert colours(questions_pdf) == colours(questions_alone)
    assert colours(key_pdf) == colours(key_alone)
    assert any("LMMathItalic10-Bold" in f for f in fonts(key_pdf)) and not any("LMMathItalic10-Bold" in f for f in fonts(questions_alone))
    assert fonts(questions_pdf) == fonts(questions_alone)
