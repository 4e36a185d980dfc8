"""answerkey.texcompile.EarlyCompile with real pdflatex: TeX started on a document's head, the rest read
through a named pipe. The PDF is byte for byte compile_pdf's; a text that does not start with the head
falls back; an error in the body names its problem; close() leaves no TeX and no folder behind.

Each test compiles one or two small documents (~0.1-0.4 s each).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import pypdf
import pytest

from answerkey import render, texcompile
from answerkey.errors import TexError
from answerkey.texcompile import EarlyCompile, compile_pdf

pytestmark = [
    pytest.mark.skipif(shutil.which("pdflatex") is None,
                       reason="TeX is installed by `make test`; run through make"),
    pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="EarlyCompile needs named pipes"),
]

HEAD = "\\documentclass{article}\n\\begin{document}\n"
PROBLEMS = {"1": "problem 1 (warmup)", "2": "problem 2 (backprop)"}


def body(second: str = "The second answer is seven.") -> str:
    """A body laid out as the generated keys are: each problem between its markers."""
    return ("% problem 1\n\\noindent\\textbf{1}\n\nThe first answer is $x^2 + 1$, quartz zebra.\n"
            "% end problem 1\n\n"
            f"% problem 2\n\\noindent\\textbf{{2}}\n\n{second}\n% end problem 2\n\n\\end{{document}}\n")


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def no_fallback(monkeypatch):
    """compile_pdf refuses to run: a PDF can then only come from the early run through the pipe."""
    def refuse(*args, **kwargs):
        raise AssertionError("EarlyCompile fell back to compile_pdf")
    monkeypatch.setattr(texcompile, "compile_pdf", refuse)


def started(head: str, name: str = "doc") -> EarlyCompile:
    early = EarlyCompile(head, name)
    assert early.proc is not None and early.tmp is not None, "EarlyCompile did not start TeX"
    return early


def gone(early: EarlyCompile, proc, folder: Path) -> None:
    assert proc.poll() is not None, "pdflatex still running"
    assert not folder.exists(), f"{folder} left behind"
    assert early.proc is None and early.tmp is None


# ------------------------------------------------------------------------------------------------------
# The same PDF as compile_pdf


def test_same_bytes_as_compile_pdf(no_fallback):
    text = HEAD + body()
    early = started(HEAD)
    proc, folder = early.proc, Path(early.tmp.name)
    pdf = early.finish(text, PROBLEMS)
    expected = compile_pdf(text, "doc", PROBLEMS)  # this module's name: the real compile_pdf
    assert pdf == expected
    gone(early, proc, folder)
    words = text_of(pdf)
    for word in ("quartz", "zebra", "second answer is seven"):
        assert word in words


def test_same_bytes_with_the_real_preamble(no_fallback):
    """The key's own head (render.head: kotex, tikz, glyphtounicode, a Hangul author), a UTF-8 body."""
    spec = types.SimpleNamespace(title="Deep Learning hw wr 2", author="2018320161 컴퓨터학과 송대선",
                                 date="November 18, 2020", student=None, seed=None)
    head = render.head(spec)
    assert head.endswith("\\begin{document}\n")
    text = head + "\\maketitle\n\n" + body("The answer is $-\\alpha$ 송대선, ∴ done.")
    early = started(head, "dl-hw2")
    time.sleep(0.2)  # let TeX reach the pipe first: the usual order in a build
    pdf = early.finish(text, PROBLEMS)
    assert pdf == compile_pdf(text, "dl-hw2", PROBLEMS)  # this module's name: the real compile_pdf
    words = text_of(pdf)
    for word in ("Deep Learning hw wr 2", "송대선", "November 18, 2020", "quartz", "zebra"):
        assert word in words


def test_same_bytes_for_a_body_larger_than_the_pipe_buffer(no_fallback):
    # mostly comment lines: TeX reads every byte through the pipe but has little to typeset
    filler = "".join(f"% filler line {m}: {'x' * 60}\n" + (f"Paragraph {m}.\n\n" if m % 500 == 0 else "")
                     for m in range(3000))
    text = HEAD + body(filler + "Last words: xylophone.")
    assert len(text.encode()) > 2 * 65536  # more than a pipe holds (64 KiB on Linux)
    pdf = started(HEAD).finish(text, PROBLEMS)
    assert pdf == compile_pdf(text, "doc", PROBLEMS)
    words = text_of(pdf)
    assert "Paragraph 2500." in words and "xylophone" in words


# ------------------------------------------------------------------------------------------------------
# Fallback and errors


def test_text_not_starting_with_the_head_falls_back(monkeypatch):
    text = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + body()
    calls = []
    monkeypatch.setattr(texcompile, "compile_pdf", lambda *args: calls.append(args) or compile_pdf(*args))
    early = started(HEAD)
    proc, folder = early.proc, Path(early.tmp.name)
    pdf = early.finish(text, PROBLEMS)
    assert calls == [(text, "doc", PROBLEMS)]
    gone(early, proc, folder)
    assert pdf == compile_pdf(text, "doc", PROBLEMS)
    assert "quartz" in text_of(pdf)


def test_error_in_the_body_names_the_problem():
    text = HEAD + body("Before the error. \\undefinedmacro after it.")
    line = text.splitlines().index("Before the error. \\undefinedmacro after it.") + 1
    early = started(HEAD)
    proc, folder = early.proc, Path(early.tmp.name)
    with pytest.raises(TexError) as caught:
        early.finish(text, PROBLEMS)
    message = str(caught.value)
    assert message.startswith("TeX failed in problem 2 (backprop)"), message
    assert f"(line {line} of doc.tex)" in message
    assert "Undefined control sequence" in message
    gone(early, proc, folder)


def test_error_early_in_a_large_body_names_the_problem():
    """TeX stops at the error while Python is still writing: a broken pipe, then compile_pdf's message."""
    filler = "".join(f"Paragraph {m} of the filler.\n\n" for m in range(8000))
    text = HEAD + body("\\undefinedmacro\n" + filler)
    assert len(text.encode()) > 2 * 65536  # more than a pipe holds (64 KiB on Linux)
    early = started(HEAD)
    proc, folder = early.proc, Path(early.tmp.name)
    with pytest.raises(TexError, match=r"^TeX failed in problem 2 \(backprop\) \(line \d+ of doc\.tex\): "
                                       r"Undefined control sequence"):
        early.finish(text, PROBLEMS)
    gone(early, proc, folder)


def test_error_in_the_head_is_reported_for_the_document():
    head = "\\documentclass{article}\n\\usepackage{no-such-package-here}\n\\begin{document}\n"
    early = started(head)
    proc, folder = early.proc, Path(early.tmp.name)
    with pytest.raises(TexError, match=r"^TeX failed in the document: .*no-such-package-here\.sty' not found"):
        early.finish(head + body(), PROBLEMS)
    gone(early, proc, folder)


# ------------------------------------------------------------------------------------------------------
# close()


@pytest.mark.parametrize("wait", [0, 0.5], ids=["at-once", "tex-waiting-on-the-pipe"])
def test_close_before_finish_stops_tex_and_removes_the_folder(wait):
    early = started(HEAD)
    proc, folder = early.proc, Path(early.tmp.name)
    assert folder.is_dir() and (folder / "rest.tex").exists()
    time.sleep(wait)
    assert proc.poll() is None  # TeX waits for the rest of the document
    early.close()
    gone(early, proc, folder)
    early.close()  # twice is harmless
    # finishing after close still gives the PDF, through compile_pdf
    text = HEAD + body()
    assert early.finish(text, PROBLEMS) == compile_pdf(text, "doc", PROBLEMS)


def test_without_tex_finish_reports_tex_missing(monkeypatch):
    monkeypatch.setattr(texcompile, "tex_available", lambda: False)
    early = EarlyCompile(HEAD, "doc")
    assert early.proc is None and early.tmp is None
    with pytest.raises(TexError, match="TeX is missing"):
        early.finish(HEAD + body(), PROBLEMS)


def test_head_ending_mid_line_gives_the_same_pdf():
    """The rest would be read as a new line, whose leading space TeX skips ('Helloworld'): such a head
    is compiled the ordinary way."""
    head = HEAD + "Hello"
    text = head + " world\n\\end{document}\n"
    early = EarlyCompile(head, "doc")
    assert early.proc is None
    assert early.finish(text) == compile_pdf(text, "doc")


def test_tex_does_not_outlive_a_killed_python(tmp_path):
    """Python killed while TeX waits on the named pipe: TeX is killed too (Linux: PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux's")
    script = ("import os, time; from answerkey.texcompile import EarlyCompile; "
              "e = EarlyCompile('\\\\documentclass{article}\\n\\\\begin{document}\\n', 'doc'); "
              "print(e.proc.pid, flush=True); time.sleep(0.3); os._exit(0)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, TMPDIR=str(tmp_path)))  # the killed Python's folder stays there
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return  # gone
        if state in ("Z", "X"):  # killed, waiting to be reaped by init
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    pytest.fail("pdflatex kept running after its Python was killed")


# ------------------------------------------------------------------------------------------------------
# FormatBuild: the shared preamble held in a pdflatex format (variants)

FIXED = "\\documentclass{article}\n\\usepackage{xcolor}\n\\newcommand{\\note}[1]{\\textcolor{gray}{#1}}\n%endofdump\n"


@pytest.fixture
def format_of():
    """FormatBuild(head), closed (its folder removed) after the test."""
    builds = []

    def make(head):
        builds.append(texcompile.FormatBuild(head))
        return builds[-1]

    yield make
    for build in builds:
        build.close()
        assert build.tmp is None and build.proc is None


def test_a_format_compiles_the_rest_with_the_same_text(format_of):
    preloaded = format_of(FIXED + "\\title{T}\n\\begin{document}\n").result()
    assert preloaded is not None and Path(preloaded.path).exists()
    assert preloaded.preamble == FIXED
    text = FIXED + "\\title{T}\n\\begin{document}\n\\note{quartz} zebra\n" + body()
    fast = texcompile._compile_preloaded(text, "doc", preloaded)
    assert fast is not None  # the format route itself worked (no silent fallback)
    plain = compile_pdf(text, "doc", PROBLEMS)
    assert text_of(fast) == text_of(plain)
    assert compile_pdf(text, "doc", PROBLEMS, preloaded=preloaded) == fast


def test_a_format_falls_back_for_other_preambles_and_reports_errors(format_of):
    preloaded = format_of(FIXED + "\\begin{document}\n").result()
    other = HEAD + body()  # does not start with the format's preamble: compiled in full
    assert "quartz" in text_of(compile_pdf(other, "doc", PROBLEMS, preloaded=preloaded))
    broken = FIXED + "\\begin{document}\n" + body(second="\\undefinedmacro")
    with pytest.raises(TexError, match=r"^TeX failed in problem 2 \(backprop\) \(line \d+ of doc\.tex\): "
                                       r"Undefined control sequence"):
        compile_pdf(broken, "doc", PROBLEMS, preloaded=preloaded)


def test_no_format_without_the_marker(format_of):
    assert format_of(HEAD).result() is None


def test_a_format_is_kept_and_used_again_while_the_files_it_read_are_unchanged(format_of, tmp_path, monkeypatch):
    """The format is kept in the cache folder: a later run with the same preamble starts no -ini run and
    compiles from its own copy of it, to the same bytes; a file TeX read to make it that changed (its
    size) makes it afresh; ANSWERKEY_WITHOUT=format-cache neither reads nor writes the folder."""
    import json

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "answerkey" / "formats"
    head = FIXED + "\\title{T}\n\\begin{document}\n"
    text = head + "\\note{quartz} zebra\n" + body()
    first = format_of(head)
    assert first.proc is not None  # made by TeX
    made = first.result()
    assert made is not None and [p.suffix for p in sorted(folder.iterdir())] == [".deps", ".fmt"]
    stamps = json.loads(next(folder.glob("*.deps")).read_text())
    assert any(path.endswith("article.cls") for path, _, _ in stamps) and any(
        path.endswith("xcolor.sty") for path, _, _ in stamps)
    second = format_of(head)
    assert second.proc is None  # no TeX run: the kept format
    again = second.result()
    assert again is not None and Path(again.path).parent == Path(second.tmp.name) and again.path != made.path
    assert texcompile._compile_preloaded(text, "doc", again) == texcompile._compile_preloaded(text, "doc", made)
    stamps[0][1] += 1  # as if a TeX Live update changed a file the format was made from
    next(folder.glob("*.deps")).write_text(json.dumps(stamps))
    remade = format_of(head)
    assert remade.proc is not None and remade.result() is not None
    assert format_of(head).proc is None  # kept again, with the files as they are
    other = format_of(FIXED.replace("gray", "blue") + "\\begin{document}\n")  # another preamble
    assert other.proc is not None and other.result() is not None
    assert len(list(folder.glob("*.fmt"))) == 2
    monkeypatch.setenv("ANSWERKEY_WITHOUT", "format-cache")
    before = sorted(p.name for p in folder.iterdir())
    uncached = format_of(head)
    assert uncached.proc is not None and uncached.result() is not None
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.mark.parametrize("batched", [False, True])
def test_variants_compile_through_the_format(tmp_path, monkeypatch, batched):
    """A variants run builds the format once and every document starts from it: alone (ANSWERKEY_WITHOUT=
    batch), or the one TeX run of the batch holding them all (texbatch)."""
    from answerkey import build

    used, runs = [], []
    real, real_run = texcompile._compile_preloaded, texcompile._run

    def spy(tex_text, name, preloaded):
        pdf = real(tex_text, name, preloaded)
        used.append(pdf is not None)
        return pdf

    def spy_run(cmd, folder):
        runs.append(cmd)
        return real_run(cmd, folder)

    monkeypatch.setattr(texcompile, "_compile_preloaded", spy)
    monkeypatch.setattr(texcompile, "_run", spy_run)
    if not batched:
        monkeypatch.setenv("ANSWERKEY_WITHOUT", "batch")
    spec = Path(__file__).resolve().parent.parent / "problems" / "dl-hw2.yaml"
    result = build.run(spec, build.Options(out=tmp_path, variants=2, seed=3, jobs=1, sheet="both"))
    assert result.built == 2 and used == ([] if batched else [True] * 4)
    if batched:  # a TeX run from the format per batch (a variant's key and sheet: two variants, two batches)
        assert [c for c in runs if "batch.tex" in c] == [["pdflatex", "-fmt=answerkey",
                                                          *texcompile._command("batch")[1:]]] * 2
    for pdf in (tmp_path / "dl-hw2-variants").glob("dl-hw2-seed*.pdf"):
        assert "Deep Learning hw wr 2" in text_of(pdf.read_bytes())


def test_a_tex_loop_stops_at_the_time_limit_even_with_a_long_rest(monkeypatch):
    """TeX looping while more than a pipe's worth of the document is unread: the build ends with the
    time limit's message (once, not twice: no full compile after it), it does not hang."""
    monkeypatch.setattr(texcompile, "TIMEOUT", 3)
    rest = "\\def\\x{\\x}\\x\n" + "Some filler text in the body.\n" * 10000 + "\\end{document}\n"
    early = started(HEAD)
    proc, folder = early.proc, Path(early.tmp.name)
    start = time.monotonic()
    with pytest.raises(TexError, match="TeX did not finish within 3 s"):
        early.finish(HEAD + rest, PROBLEMS)
    assert time.monotonic() - start < 6
    gone(early, proc, folder)


# ------------------------------------------------------------------------------------------------------
# The graders' table: two passes, each started early on the preamble (texcompile.EarlyPasses)


def master_text(count: int, language: str = "en", sample: bool = False) -> str:
    """The graders' table of `count` variants as build.master_files renders it, with Hangul names and cells
    of different widths (the longtable's column widths settle only in the second pass); `sample`: the
    text master_start starts TeX on (no rows yet)."""
    columns = [("1", ["gradient"]), ("2", ["loss", "gradient"])]
    rows = [{"variant": n, "seed": n, "code": f"C{n:04d}", "student": f"s{n} 김민준{'송' * (n % 7)}",
             "answers": {("1", "gradient"): f"\\frac{{{n}}}{{{n % 9 + 2}}} x" + " + y" * (n % 5),
                         ("2", "loss"): str(n * 3.25), ("2", "gradient"): "\\operatorname{softmax}(x) - e_{%d}" % n}}
            for n in range(1, count + 1)]
    return render.render_master("hw", "Homework 2", columns, [] if sample else rows, language=language,
                                count=count)


def plain_passes(text: str, name: str, passes: int) -> bytes:
    """`passes` ordinary pdflatex runs in one folder (no draft, no pipe): the PDF of the last."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"{name}.tex").write_text(text, encoding="utf-8")
        for _ in range(passes):
            assert texcompile._run(texcompile._command(name), tmp).returncode == 0
        return (Path(tmp) / f"{name}.pdf").read_bytes()


@pytest.mark.parametrize("count, language", [(50, "en"), (300, "ko")])
def test_the_graders_table_early_passes_give_the_two_pass_pdf(no_fallback, count, language):
    """The passes fed at the end (the first a draft) make the PDF of two ordinary pdflatex passes byte for
    byte, as compile_pdf does; the second pass read the first's .aux (one pass alone gives another PDF: its
    heading row is narrower)."""
    text = master_text(count, language)
    passes = texcompile.EarlyPasses(master_text(count, language, sample=True), "answers", passes=2)
    assert len(passes.runs) == 2 and all(run.proc is not None for run in passes.runs)
    procs = [run.proc for run in passes.runs]
    time.sleep(0.3)  # TeX reads the preamble and waits at the pipe, as during a variants run
    pdf = passes.finish(text)
    assert pdf == plain_passes(text, "answers", 2) == compile_pdf(text, "answers", passes=2)  # (the real one)
    assert pdf != plain_passes(text, "answers", 1)
    assert all(proc.poll() is not None for proc in procs) and all(run.tmp is None for run in passes.runs)
    words = text_of(pdf)
    assert f"s{count} 김민준" in words and f"C{count:04d}" in words
    assert ("300개 버전의 답" if language == "ko" else f"answers of {count} variants") in words


def test_the_graders_table_falls_back_when_its_preamble_differs(monkeypatch):
    """A run where a variant failed names fewer variants in the title than TeX was started on: the table
    is compiled in two passes the ordinary way, the same PDF."""
    calls = []
    monkeypatch.setattr(texcompile, "compile_pdf", lambda *a, **k: calls.append((a, k)) or compile_pdf(*a, **k))
    passes = texcompile.EarlyPasses(master_text(6, sample=True), "answers", passes=2)
    procs = [run.proc for run in passes.runs]
    text = master_text(5)
    pdf = passes.finish(text)
    assert calls == [((text, "answers", None), {"passes": 2})]
    assert pdf == compile_pdf(text, "answers", passes=2)
    assert all(proc.poll() is not None for proc in procs)


def test_a_variants_run_types_its_graders_table_on_the_early_passes(tmp_path, monkeypatch):
    """build.run_variants starts the table's passes with the run: answers.pdf never needs compile_pdf,
    and it is the two-pass PDF of answers.tex."""
    from answerkey import build

    real = texcompile.compile_pdf

    def refuse_the_table(tex_text, name, *args, **kwargs):
        assert name != "answers", "the graders' table fell back to compile_pdf"
        return real(tex_text, name, *args, **kwargs)

    monkeypatch.setattr(texcompile, "compile_pdf", refuse_the_table)
    spec = Path(__file__).resolve().parent.parent / "problems" / "dl-hw2.yaml"
    result = build.run(spec, build.Options(out=tmp_path, variants=2, seed=3, jobs=1))
    assert result.built == 2
    folder = tmp_path / "dl-hw2-variants"
    tex = (folder / "answers.tex").read_text(encoding="utf-8")
    assert (folder / "answers.pdf").read_bytes() == real(tex, "answers", passes=2)
    assert "answers of 2 variants" in text_of((folder / "answers.pdf").read_bytes())


# ------------------------------------------------------------------------------------------------------
# TeX started before the head is known (texcompile.prestart: the command line, before its imports)


def test_a_run_started_without_its_head_gives_the_same_pdf(no_fallback):
    """TeX reads the whole document from the pipe: the head fed once known, the rest at the end."""
    early = EarlyCompile(None, "doc")
    assert early.proc is not None
    time.sleep(0.2)  # TeX has loaded its format and waits at the pipe
    assert early.begin(HEAD)
    time.sleep(0.1)
    assert early.proc.poll() is None  # waiting for the rest
    text = HEAD + body()
    pdf = early.finish(text, PROBLEMS)
    assert pdf == compile_pdf(text, "doc", PROBLEMS)  # this module's name: the real compile_pdf
    assert "quartz" in text_of(pdf)


def test_headstart_takes_the_prestarted_run_and_stops_the_unused(no_fallback):
    texcompile.prestart(["doc", "doc.questions"])
    waiting = dict(texcompile._WAITING)
    assert set(waiting) == {"doc", "doc.questions"} and all(r.proc is not None for r in waiting.values())
    unused = waiting["doc.questions"]
    unused_proc, unused_folder = unused.proc, Path(unused.tmp.name)
    with texcompile.HeadStart(True, True) as tex:
        tex.start(HEAD, ["doc"])
        early = tex.take("doc")
        assert early is waiting["doc"] and early.head == HEAD
        text = HEAD + body()
        assert early.finish(text, PROBLEMS) == compile_pdf(text, "doc", PROBLEMS)
    assert texcompile._WAITING == {}
    gone(unused, unused_proc, unused_folder)


def test_a_head_that_stops_tex_falls_back_to_an_ordinary_run():
    """A prestarted run whose head fails in TeX is not used: the error is reported as compile_pdf does."""
    early = EarlyCompile(None, "doc")
    head = "\\documentclass{article}\n\\usepackage{nosuchpackage}\n\\begin{document}\n"
    ok = early.begin(head)
    time.sleep(0.3)
    with pytest.raises(TexError, match="nosuchpackage"):
        (early if ok else EarlyCompile(head, "doc")).finish(head + body(), PROBLEMS)


@pytest.mark.parametrize("args, names", [([], ["dl-hw2"]),
                                         (["--seed", "4", "--sheet", "both"], ["dl-hw2-seed4", "dl-hw2-seed4.questions"])])
def test_the_command_feeds_the_key_to_the_run_it_started_before_its_imports(tmp_path, monkeypatch, args, names):
    """One key (or a seed's key and question sheet, whose head names the seed's code): each document's PDF
    from the TeX run the command started first, never compile_pdf, and the same bytes."""
    from answerkey import cli

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no preamble guessed (the test below)
    begun, real_begin = [], EarlyCompile.begin
    monkeypatch.setattr(EarlyCompile, "begin", lambda self, head, *a: begun.append(
        (self.name, real_begin(self, head, *a))) or begun[-1][1])
    real = texcompile.compile_pdf

    def refuse_the_key(tex_text, name, *args, **kwargs):
        assert name not in names, f"{name} fell back to compile_pdf"
        return real(tex_text, name, *args, **kwargs)

    monkeypatch.setattr(texcompile, "compile_pdf", refuse_the_key)
    spec = Path(__file__).resolve().parent.parent / "problems" / "dl-hw2.yaml"
    assert cli.main([str(spec), "-q", "--out", str(tmp_path), *args]) == 0
    assert begun == [(name, True) for name in names] and texcompile._WAITING == {}
    for name in names:
        tex = (tmp_path / f"{name}.tex").read_text(encoding="utf-8")
        assert (tmp_path / f"{name}.pdf").read_bytes() == real(tex, name)


def test_the_second_build_starts_tex_on_the_preamble_the_first_left(tmp_path, monkeypatch):
    """prestart's guess: the first build of a spec keeps its preamble (cache folder heads/); the next build
    of it starts each TeX run on that preamble before its imports (no run waits for its head: begin is not
    called) and its PDF is that run's, byte for byte compile_pdf's. A build whose preamble differs (another
    layout) stops the guessed run, is compiled from its own head and keeps its preamble for next time."""
    from answerkey import cli

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = Path(__file__).resolve().parent.parent / "problems" / "dl-hw2.yaml"
    assert cli.main([str(spec), "-q", "--out", str(tmp_path / "first")]) == 0
    kept = list((tmp_path / "cache" / "answerkey" / "heads").glob("*.tex"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8").endswith("\n" + texcompile.FIXED_END + "\n")
    begun, started, real_init = [], [], EarlyCompile.__init__
    monkeypatch.setattr(EarlyCompile, "begin", lambda self, *a, **k: begun.append(self.name) or False)

    def record(self, head, name, *a, **k):
        started.append((name, head))
        real_init(self, head, name, *a, **k)

    monkeypatch.setattr(EarlyCompile, "__init__", record)
    real = texcompile.compile_pdf
    monkeypatch.setattr(texcompile, "compile_pdf", lambda tex_text, name, *a, **k: pytest.fail(
        f"{name} fell back to compile_pdf"))
    assert cli.main([str(spec), "-q", "--out", str(tmp_path / "second")]) == 0
    assert begun == [] and started == [("dl-hw2", kept[0].read_text(encoding="utf-8"))]
    tex = (tmp_path / "second" / "dl-hw2.tex").read_text(encoding="utf-8")
    assert (tmp_path / "second" / "dl-hw2.pdf").read_bytes() == real(tex, "dl-hw2") == \
        (tmp_path / "first" / "dl-hw2.pdf").read_bytes()
    monkeypatch.setattr(texcompile, "compile_pdf", real)
    started.clear()
    assert cli.main([str(spec), "-q", "--out", str(tmp_path / "exam"), "--layout", "exam"]) == 0
    assert len(list((tmp_path / "cache" / "answerkey" / "heads").glob("*.tex"))) == 2  # its own key
    assert cli.main([str(spec), "-q", "--out", str(tmp_path / "exam2"), "--layout", "exam"]) == 0
    tex = (tmp_path / "exam2" / "dl-hw2.tex").read_text(encoding="utf-8")
    assert "exam" in tex.split("\n", 1)[0] and (tmp_path / "exam2" / "dl-hw2.pdf").read_bytes() == real(tex, "dl-hw2")


def test_a_guessed_preamble_that_is_not_the_heads_is_not_used(tmp_path, monkeypatch, no_fallback):
    """A kept preamble that the build's head does not start with (the templates changed since): the run
    started on it is stopped and TeX started on the head; the new preamble is kept."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "answerkey" / "heads"
    folder.mkdir(parents=True)
    key = texcompile.preamble_key("spec.yaml", None, None, None)
    stale = "\\documentclass{article}\n\\usepackage{xcolor}\n" + texcompile.FIXED_END + "\n"
    (folder / f"{key}.tex").write_text(stale, encoding="utf-8")
    head = HEAD.replace("\\begin{document}", texcompile.FIXED_END + "\n\\begin{document}", 1) \
        if texcompile.FIXED_END not in HEAD else HEAD
    try:
        texcompile.prestart(["doc"], key)
        guessed = texcompile._WAITING["doc"]
        assert guessed.head == stale and guessed.proc is not None
        proc, tmp = guessed.proc, Path(guessed.tmp.name)
        with texcompile.HeadStart(True, True) as tex:
            tex.start(head, ["doc"])
            early = tex.take("doc")
            assert early is not guessed and early.head == head
            text = head + body()
            assert early.finish(text, PROBLEMS) == compile_pdf(text, "doc", PROBLEMS)
        gone(guessed, proc, tmp)
        assert (folder / f"{key}.tex").read_text(encoding="utf-8") == head[:head.index(texcompile.FIXED_END)] + \
            texcompile.FIXED_END + "\n"
    finally:
        texcompile.stop_waiting()
