"""LaTeX in statements, checked where it was written (answerkey/texcheck.py): a statement TeX would stop at,
or silently lose part of, fails `--check` at the offending character's file:line:col, whatever the YAML
style of the string; valid statements (every example spec's) pass; what only TeX can see is reported by
the build at the field that produced TeX's line."""
from __future__ import annotations

import glob
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from answerkey import cli, loader, spec as specmod, texcheck
from answerkey.build import load_spec
from answerkey.errors import Collector

from .conftest import ROOT, run_cli

NEEDS_TEX = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="TeX is installed by `make test`")
HEAD = "title: T\nproblems:\n  - kind: conv_output_shape\n    input: {width: 8, height: 8}\n    filters: 2\n" \
       "    kernel: 3\n  - kind: conv_output_shape\n    input: {width: 8, height: 8}\n    filters: 2\n" \
       "    kernel: 3\n"


def yaml_string(key: str, text: str, style: str, indent: int = 4) -> str:
    """`key: text` in a YAML style, as an instructor would write it (block scalars: the text's lines
    indented under the key)."""
    pad = " " * indent
    if style == "plain":
        return f"{pad}{key}: {text}\n"
    if style == '"':
        return f'{pad}{key}: "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"\n'
    if style == "'":
        return f"{pad}{key}: '" + text.replace("'", "''") + "'\n"
    lines = text.split("\n")
    return f"{pad}{key}: {style}\n" + "".join(f"{pad}  {line}\n" for line in lines)


def expected_position(spec_text: str, key_line: str, text: str, index: int, style: str, indent: int = 4):
    """The 1-based (line, column) of character `index` of `text`, counted from the YAML as written (the key's
    line found in the file; the column worked out from the style's own escapes), not from the loader."""
    line = spec_text.split("\n").index(key_line) + 1
    if style in ("|", ">"):
        before = text[:index]
        return line + 1 + before.count("\n"), indent + 2 + len(before) - (before.rfind("\n") + 1) + 1
    written = {"plain": lambda s: s, '"': lambda s: s.replace("\\", "\\\\").replace('"', '\\"'),
               "'": lambda s: s.replace("'", "''")}[style]
    opening = 0 if style == "plain" else 1
    return line, indent + len("statement: ") + opening + len(written(text[:index])) + 1


BROKEN = [  # (statement, the offending piece, what the message says)
    ("Compute $x + 1 for the layer.", "$", "this $ opens math that is never closed"),
    ("Half is $\\frac{1}{2$ here.", "{2", "this { is never closed"),
    ("The layer keeps 50% of the width.", "%", "a % hides the rest of its line from TeX (write \\% for"),
    ("Half is $\\fracc{1}{2}$ of it.", "\\fracc", "unknown command \\fracc (did you mean \\frac?)"),
    ("Done.\\end{align} Then more.", "\\end{align}", "\\end{align} without \\begin{align}"),
]
STYLES = ["plain", '"', "'", "|", ">"]


@pytest.mark.parametrize("style", STYLES, ids=["plain", "double-quoted", "single-quoted", "literal", "folded"])
@pytest.mark.parametrize("statement, piece, message", BROKEN, ids=["dollar", "frac", "percent", "unknown", "end"])
def test_broken_statement_fails_check_at_its_character(tmp_path, capsys, style, statement, piece, message):
    if style in ("|", ">"):  # over two lines: the fault on the block's second line
        statement = "A first line of the statement,\n" + statement
    text = HEAD + yaml_string("statement", statement, style)
    assert yaml.safe_load(text)["problems"][1]["statement"].rstrip("\n").replace("\n", " ") == \
        statement.replace("\n", " ")  # the YAML says what we mean (folded: lines joined by a space)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    index = statement.index(piece)
    key_line = next(line for line in text.split("\n") if line.startswith("    statement:"))
    line, col = expected_position(text, key_line, statement, index, style)
    code = cli.main([str(path), "--check", "-q", "-j", "1"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith(f"{path}:{line}:{col}: problem 2 (2): statement: {message}"), err
    assert "Traceback" not in err


def test_every_fault_of_every_problem_is_reported_together(tmp_path, capsys):
    text = ("title: T\nproblems:\n"
            "  - kind: choice\n    statement: Pick $x.\n    options: ['$a$', '50% off', {text: '\\alpha'}]\n"
            "    correct: 1\n"
            "  - id: g\n    statement: 'A group with x^2 outside math.'\n    parts:\n"
            "      - kind: short_answer\n        answer: 'It is $\\frac{1}{2}$ and \\fracc{1}{2}.'\n"
            "      - kind: derivation\n        start: x\n        steps:\n"
            "          - {form: x, rule: 'by $\\sqrtt{x}$, the rule'}\n")
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    assert cli.main([str(path), "--check", "-q", "-j", "1"]) == 1
    err = capsys.readouterr().err.strip().split("\n")
    lines = text.split("\n")

    def at(needle, n=1):
        row = next(i for i, x in enumerate(lines) if needle in x)
        return f"{path}:{row + 1}:{lines[row].index(needle) + n}:"

    alpha, fracc, sqrtt = at("\\alpha"), at("\\fracc"), at("\\sqrtt")
    assert err == [
        f"{at('$x.')} problem 1 (1): statement: this $ opens math that is never closed (close the math with $, "
        "or write \\$ for a dollar sign)",
        f"{at('% off')} problem 1 (1): options.1: a % hides the rest of its line from TeX (write \\% for a "
        "percent sign)",
        f"{alpha} problem 1 (1): options.2.text: \\alpha is math: it only works between $...$ "
        "(write $\\alpha...$)",
        f"{at('^2')} problem 2 (g): statement: ^ is math: it only works between $...$ (write $x^2$, or "
        "\\textasciicircum{} for the character)",
        f"{fracc} problem 2(a) (g): answer: unknown command \\fracc (did you mean \\frac?)",
        f"{sqrtt} problem 2(b) (g): steps.0.rule: unknown command \\sqrtt (did you mean \\sqrt?)",
    ], err


def test_a_macro_of_the_courses_preamble_is_known(tmp_path, capsys):
    """--templates with a preamble that defines \\R: a statement may use it; \\RR stays unknown."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    shipped = (ROOT / "templates" / "preamble.tex").read_text(encoding="utf-8")
    (folder / "preamble.tex").write_text(shipped.replace("%endofdump", "\\newcommand{\\R}{\\mathbb{R}}\n%endofdump"),
                                         encoding="utf-8")
    path = tmp_path / "macro.yaml"
    path.write_text(HEAD + "    statement: 'Let $x \\in \\R^n$.'\n", encoding="utf-8")
    assert cli.main([str(path), "--check", "-q", "-j", "1", "--templates", str(folder)]) == 0, \
        capsys.readouterr().err
    assert cli.main([str(path), "--check", "-q", "-j", "1"]) == 1
    assert "unknown command \\R" in capsys.readouterr().err


# -- no false alarms ---------------------------------------------------------------------------------


SPECS = sorted(glob.glob(str(ROOT / "problems" / "*.yaml"))) + \
    sorted(glob.glob(str(ROOT / "answerkey" / "kinds" / "*" / "example.yaml")))


@pytest.mark.parametrize("path", SPECS, ids=[str(Path(p).relative_to(ROOT)) for p in SPECS])
def test_the_example_specs_statements_pass(path):
    """Every example spec validates (the LaTeX check runs in validation), and has LaTeX to check."""
    assert load_spec(path).problems


def test_the_example_specs_have_latex_to_check():
    texts = [s for path in SPECS for s in texcheck.sources(load_spec(path))]
    assert len(texts) > 50 and any("$" in s.text for s in texts) and any(s.field == "options.0" for s in texts)


LATEX_KEYS = {"statement", "answer", "claim", "reason", "text", "rule"}


def _texts(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and key in LATEX_KEYS:
                yield path + (key,), value
            elif key == "options" and isinstance(value, list):
                for i, option in enumerate(value):
                    if isinstance(option, str):
                        yield path + (key, i), option
                    else:
                        yield from _texts(option, path + (key, i))
            else:
                yield from _texts(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _texts(value, path + (i,))


def test_the_test_specs_and_kind_cases_have_no_false_alarms():
    """The texts of tests/specs and of the kinds' cases.yaml pass, but those the cases expect to fail."""
    files = sorted(glob.glob(str(ROOT / "tests" / "specs" / "**" / "*.yaml"), recursive=True)) + \
        sorted(glob.glob(str(ROOT / "answerkey" / "kinds" / "*" / "cases.yaml")))
    known = texcheck.known(texcheck.preamble_texts([ROOT / "templates"]))
    count = 0
    for file in files:
        data = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
        for entry in (data if file.endswith("cases.yaml") else [data]):
            if file.endswith("cases.yaml") and "error" in entry or "hostile-tex" in file:
                continue
            for where, text in _texts(entry):
                count += 1
                assert texcheck.check(text, known, words=where[-1] == "rule") is None, (file, where, text)
    assert count > 20


# -- what only TeX sees, at the field that produced TeX's line ---------------------------------------


@NEEDS_TEX
def test_a_tex_error_the_check_cannot_see_names_the_field_and_its_position(tmp_path):
    """\\frac with one argument and \\left without \\right are lexically fine: TeX stops, and the error is
    at the statement's own character (a block scalar, after a filled <<value>>), quoting TeX."""
    statement = "The output of the layer:\nthe width <<input.width>> is $\\frac{1}$ of it."
    text = HEAD + yaml_string("statement", statement, "|") + \
        "  - kind: choice\n    statement: Pick one.\n    options: ['$a$', '$\\left( b$ or not']\n    correct: 1\n"
    path = tmp_path / "tex.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli(path, "-o", out, "-j", "1")
    assert proc.returncode == 3, proc.stderr
    lines = text.split("\n")
    row = next(i for i, x in enumerate(lines) if "\\frac{1}$" in x)
    col = lines[row].index("\\frac{1}$") + len("\\frac{1}") + 1  # TeX stops at the $ that ends the math
    first = proc.stderr.strip().split("\n")[0]
    assert first.startswith(f"{path}:{row + 1}:{col}: problem 2 (2): statement: TeX failed here (line "), first
    assert "! Missing } inserted. l." in first and "is $\\frac{1}$" in first
    assert "tex.tex is not written" in first
    assert not out.exists() or not list(out.iterdir())
    # the option: on the question sheet, at the option's own column
    proc = run_cli(path, "-o", out, "-j", "1", "--sheet", "questions", "--set", "2.statement=Fine.")
    assert proc.returncode == 3, proc.stderr
    row = next(i for i, x in enumerate(lines) if "\\left( b$" in x)
    col = lines[row].index("\\left( b$") + len("\\left( b") + 1
    assert proc.stderr.startswith(f"{path}:{row + 1}:{col}: problem 3 (3): options.1: TeX failed here (line "), \
        proc.stderr
    assert "! Missing \\right. inserted." in proc.stderr and "tex.questions.tex is not written" in proc.stderr


# -- random statements -------------------------------------------------------------------------------


GOOD = ["Compute", "the gradient", "of the layer.", "$x^2$", "$\\frac{a}{b}$", "\\textbf{bold}", "\\emph{this}",
        "50\\%", "$$\\sum_{i=1}^n x_i$$", "\\(a_1\\)", "\\[ \\sqrt{y} \\]", "<<input.width>>", "$<<input.width>>$",
        "\\begin{itemize}\\item one \\item two\\end{itemize}", "한국어 문장", "$\\text{if $a$ holds} b$",
        "$\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$", "\\begin{align} a &= b \\\\ c &= d \\end{align}",
        "$\\mathbb{R}^{n \\times m}$", "$\\left( \\tfrac14 \\right)$", "\\{a, b\\}", "\\$5", "a \\& b", "\\#3",
        "$\\operatorname{ReLU}(z)$", "{\\small small}", "$\\|w\\|_2$"]
BAD = [  # (piece, the index of its fault in it); each stops the check at once, wherever it is
    ("50% of", 2), ("$\\fracc{1}{2}$", 1), ("\\end{align}", 0), ("}", 0), ("x^2", 1), ("a & b", 2),
    ("\\alpha", 0), ("#3", 0), ("$\\frac{1}{2$", 9), ("\\begin{pmatrix}", 0), ("\\begin{alignn}", 7)]
STRING_STYLES = ['"', "'", "|"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(GOOD), min_size=1, max_size=8),
       seps=st.lists(st.sampled_from([" ", "\n"]), min_size=8, max_size=8), style=st.sampled_from(STRING_STYLES))
def test_random_valid_statements_pass(pieces, seps, style):
    if style != "|":
        seps = [" "] * len(seps)
    statement = "".join(p + s for p, s in zip(pieces, seps)).strip()
    doc = loader.load_text(HEAD + yaml_string("statement", statement, style), "r.yaml")
    errors = Collector()
    specmod.build(doc, "r", errors)
    assert errors.diagnostics == []


@settings(max_examples=80, deadline=None)
@given(pieces=st.lists(st.sampled_from(GOOD), min_size=0, max_size=6), bad=st.sampled_from(BAD),
       where=st.integers(0, 6), seps=st.lists(st.sampled_from([" ", "\n"]), min_size=8, max_size=8),
       style=st.sampled_from(STRING_STYLES))
def test_one_broken_piece_fails_at_its_column(pieces, bad, where, seps, style):
    piece, inside = bad
    where = min(where, len(pieces))
    if style != "|":  # a quoted string's line break would be read as a space: one line
        seps = [" "] * len(seps)
    pieces = pieces[:where] + [piece] + pieces[where:]
    statement, index = "", None
    for p, s in zip(pieces, seps + [" "] * len(pieces)):
        if p is piece and index is None:
            index = len(statement) + inside
        statement += p + s
    statement = statement.rstrip()
    text = HEAD + yaml_string("statement", statement, style)
    doc = loader.load_text(text, "r.yaml")
    errors = Collector()
    specmod.build(doc, "r", errors)
    key_line = next(line for line in text.split("\n") if line.startswith("    statement:"))
    line, col = expected_position(text, key_line, statement, index, style)
    assert [(d.where.line, d.where.col, d.where.field) for d in errors.diagnostics] == [(line, col, "statement")], \
        (statement, [str(d) for d in errors.diagnostics])


@NEEDS_TEX
def test_a_command_the_list_lacks_is_asked_of_tex(tmp_path, capsys):
    """\\textcircled (LaTeX's own) is not in tex_commands.yaml: TeX, reading the preamble alone, says it is
    defined, so the statement passes; \\textcircledd it does not know, so that is an error."""
    known = texcheck.known(texcheck.preamble_texts([ROOT / "templates"]))
    assert "textcircled" not in known.any | known.math
    path = tmp_path / "probe.yaml"
    path.write_text(HEAD + "    statement: 'Mark \\textcircled{a}.'\n", encoding="utf-8")
    assert cli.main([str(path), "--check", "-q", "-j", "1"]) == 0, capsys.readouterr().err
    path.write_text(HEAD + "    statement: 'Mark \\textcircledd{a}.'\n", encoding="utf-8")
    assert cli.main([str(path), "--check", "-q", "-j", "1"]) == 1
    assert "unknown command \\textcircledd" in capsys.readouterr().err


@NEEDS_TEX
def test_a_tex_error_after_a_long_line_of_hangul_is_at_its_character(tmp_path):
    """TeX shortens a long line's context to `...its end`, and may cut a Hangul character in two there: the
    error is still at the $ TeX stopped at."""
    statement = "한국어 문장으로 된 아주 긴 설명이 여기에 있습니다. 그리고 더 많은 단어들이 이어집니다 $\\frac{1}$ 끝."
    text = HEAD + yaml_string("statement", statement, "|")
    path = tmp_path / "ko.yaml"
    path.write_text(text, encoding="utf-8")
    proc = run_cli(path, "-o", tmp_path / "out", "-j", "1")
    assert proc.returncode == 3, proc.stderr
    key_line = next(line for line in text.split("\n") if line.startswith("    statement:"))
    line, col = expected_position(text, key_line, statement, statement.index("$ 끝"), "|")
    assert proc.stderr.startswith(f"{path}:{line}:{col}: problem 2 (2): statement: TeX failed here"), proc.stderr


# -- course LaTeX the check once refused (review of issue 17) ------------------------------------------


def course_preamble() -> str:
    """The shipped preamble with hyperref, as a course's --templates would have it."""
    shipped = (ROOT / "templates" / "preamble.tex").read_text(encoding="utf-8")
    return shipped.replace("%endofdump", "\\usepackage{hyperref}\n%endofdump")


VALID_COURSE_LATEX = [  # each valid for pdflatex with the shipped preamble plus hyperref
    "The \\ensuremath{\\alpha} of the layer, in text.",
    "See \\url{https://example.org/~user/conv_layers.html}.",
    "See \\href{https://example.org/notes.html#conv_output}{the notes on $3\\times 3$ kernels}.",
    "The file \\url{https://example.org/a%20b.pdf}.",
    "\\begin{equation} y = Wx \\label{eq:conv_out} \\end{equation} By \\eqref{eq:conv_out} and \\ref{fig_a}.",
    "As in \\cite[p.~3]{lecun_1998}.",
]


@pytest.mark.parametrize("statement", VALID_COURSE_LATEX)
def test_valid_course_latex_passes(statement):
    known = texcheck.known((course_preamble(),))
    assert texcheck.check(statement, known) is None


@pytest.mark.parametrize("statement, piece, message", [
    ("A \\label{eq:a%b} here.", "%", "a % hides"),  # a key's % still hides its line
    ("See \\url{https://example.org/a_b and more.", "{", "this { is never closed"),
    ("See \\href{https://example.org/#x}{50% off}.", "%", "a % hides"),  # the link's text is typeset
])
def test_a_raw_argument_still_has_its_faults(statement, piece, message):
    known = texcheck.known((course_preamble(),))
    fault = texcheck.check(statement, known)
    assert fault is not None and fault.message.startswith(message) and fault.offset == statement.index(piece), fault


@NEEDS_TEX
def test_valid_course_latex_compiles_with_a_course_preamble(tmp_path):
    """The same statements pass --check and compile, with a course's preamble that loads hyperref."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "preamble.tex").write_text(course_preamble(), encoding="utf-8")
    text = "title: T\nproblems:\n" + "".join(
        "  - kind: conv_output_shape\n    input: {width: 8, height: 8}\n    filters: 2\n    kernel: 3\n"
        + yaml_string("statement", s, "|") for s in VALID_COURSE_LATEX)
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    proc = run_cli(path, "--check", "-j", "1", "--templates", folder)
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(path, "-o", tmp_path / "out", "-j", "1", "--templates", folder)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "course.pdf").stat().st_size > 1000


WITHOUT_TEX = [  # LaTeX's and amsmath's own commands that the list lacked: refused where TeX is not installed
    "$a \\not= b$, $x \\notin S$, $A \\cong B$, $M \\models \\phi$, $p \\Longrightarrow q$, $x \\longmapsto y$.",
    "$\\{x \\mid x \\in A\\}$ and ${n \\choose k}$ and $a\\medspace b\\thickspace c$.",
    "\\begin{minipage}{0.5\\linewidth} half \\hspace{0.1\\textwidth} \\end{minipage} \\boldmath bold \\unboldmath",
    "The file name\\textunderscore 2 costs \\textdollar 5, \\textsection 3.",
]


@pytest.mark.parametrize("statement", WITHOUT_TEX)
def test_latex_own_commands_pass_without_tex(statement, monkeypatch):
    """Without TeX to ask, the list alone decides: LaTeX's own commands must be on it."""
    from answerkey import texcompile

    monkeypatch.setattr(texcompile, "tex_available", lambda: False)
    known = texcheck.known(texcheck.preamble_texts([ROOT / "templates"]))
    assert known.complete
    assert texcheck.check(statement, known) is None
    assert texcheck.check(statement.replace("\\", "\\zzq", 1), known) is not None  # the check does run


@NEEDS_TEX
def test_latex_own_commands_compile(tmp_path):
    text = "title: T\nproblems:\n" + "".join(
        "  - kind: conv_output_shape\n    input: {width: 8, height: 8}\n    filters: 2\n    kernel: 3\n"
        + yaml_string("statement", s, "|") for s in WITHOUT_TEX)
    path = tmp_path / "own.yaml"
    path.write_text(text, encoding="utf-8")
    proc = run_cli(path, "-o", tmp_path / "out", "-j", "1")
    assert proc.returncode == 0, proc.stderr
