"""Long displayed lines broken inside the margins (answerkey/linebreak.py): the rows, joined again as the
read-back joins them, read as the same value as the unbroken line, for sums, fractions of sums and
parenthesised sums of instructor-style terms; every row but an unbreakable one fits the width asked."""
from __future__ import annotations

import shutil

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from answerkey import linebreak, reader
from answerkey.printer import tex

x, y, w, lam = sp.symbols("x y w lambda", real=True)
m = sp.Symbol("m", positive=True)
ATOMS = [x, y, w, lam, sp.exp(x), sp.log(1 + y ** 2), sp.sqrt(1 + w ** 2), sp.tanh(x * y), sp.Integer(3)]


def context():
    ctx = reader.Context()
    ctx.scalars.update(x=x, y=y, w=w, lam=lam, m=m)
    return ctx


terms = st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(ATOMS), st.integers(-9, 9).filter(bool)),
                 min_size=3, max_size=14)


@settings(max_examples=60, deadline=None)
@given(terms=terms, shape=st.sampled_from(["sum", "fraction", "parenthesised", "vector"]),
       limit=st.sampled_from([120, 200, 300]))
def test_broken_rows_read_as_the_same_line(terms, shape, limit):
    total = sp.Add(*[c * a * b for a, b, c in terms])
    form = {"sum": total, "fraction": total / m, "parenthesised": lam * (total + 1) ** 2,
            "vector": sp.Matrix([total, total - x, 2 * total])}[shape]  # a column vector is never cut
    rows = linebreak.rows("L", [("=", tex(form))], limit)
    line = f"L = {tex(form)}"
    if rows is None:
        assert linebreak.width(line) <= limit / linebreak.SAFETY
        return
    broken = "\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}"
    joined = linebreak.joined(broken)
    got = reader.read(joined, context()).clauses[0][-1][1]
    want = reader.read(line, context()).clauses[0][-1][1]
    assert sp.simplify(sp.Matrix([got]) - sp.Matrix([want])) == sp.zeros(*sp.Matrix([want]).shape)
    assert rows[0].startswith("L &= ") and all(r.startswith("&") for r in rows[1:])


def test_a_chain_breaks_at_its_equals_before_inside_a_form():
    first = "f(x)"
    forms = [("=", tex(sp.Add(*[sp.exp(k * x) for k in range(1, 9)]))), ("=", tex(sp.Integer(5)))]
    rows = linebreak.rows(first, forms, 300)
    assert rows is not None and rows[-1] == "&= 5"


def test_a_short_line_stays_one_line():
    assert linebreak.rows("f(x)", [("=", "x^{2} + 1")], 468) is None
    assert linebreak.joined("x = 1") == "x = 1"


def test_a_matrix_keeps_its_rows_and_columns_when_the_line_is_joined():
    # a broken line holding a matrix: joined() must drop only the aligned block's \\ and &, not the matrix's
    entries = sp.Matrix([[sum(sp.exp(k * x) for k in range(1, 5)), lam], [y, sum(k * w ** k for k in range(1, 6))]])
    form = tex(entries) + r" + \left(" + tex(sp.Add(*[sp.tanh(k * x) for k in range(1, 12)])) + \
        r"\right) \begin{bmatrix}1 & 0\\0 & 1\end{bmatrix}"
    rows = linebreak.rows("G", [("=", form)], 200)
    assert rows is not None
    joined = linebreak.joined("\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}")
    got = reader.read(joined, context()).clauses[0][-1][1]
    want = reader.read(f"G = {form}", context()).clauses[0][-1][1]
    assert got.shape == (2, 2) and sp.simplify(got - want) == sp.zeros(2, 2)
    # no row ends inside a matrix
    for row in rows:
        assert row.count("\\begin{bmatrix}") == row.count("\\end{bmatrix}")


def wide(n):
    a = [sp.Symbol(f"a_{k}") for k in range(1, n)]
    ctx = context()
    ctx.scalars.update({str(s): s for s in a})
    return tex(sp.Add(*a) ** 2), tex(sp.Add(*[s ** 2 for s in a]) + 2 * x * y), ctx


@pytest.mark.parametrize("n, limit", [(12, 300), (20, 300), (20, 200)])
def test_rows_fit_after_a_wide_left_side_and_read_the_same(n, limit):
    # every row is aligned at the & after the left side, so a wide left side would push every row right: it
    # stands on rows of its own (broken too when wider than the page), and the rows fit from the margin
    first, form, ctx = wide(n)
    rows = linebreak.rows(first, [("=", form)], limit)
    assert rows is not None
    column = 0.0 if rows[0].startswith("&") else linebreak.width(first)
    for row in rows:
        body = row.split("&", 1)[1]
        assert column + linebreak.width(body) <= limit / linebreak.SAFETY + 1e-9, row
    joined = reader.read(linebreak.joined("\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}"), ctx)
    whole = reader.read(f"{first} = {form}", ctx)
    assert [rel for rel, _ in joined.clauses[0]] == [rel for rel, _ in whole.clauses[0]]
    for (_, got), (_, want) in zip(joined.clauses[0], whole.clauses[0]):
        assert sp.expand(got - want) == 0


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="TeX is not installed")
@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_the_width_lines_are_broken_to_is_the_papers_text_width(tmp_path, paper):
    # TeX's own \textwidth under the preamble's geometry (1 in margins) against the width used for this paper
    import subprocess
    doc = tmp_path / "w.tex"
    doc.write_text(f"\\documentclass[11pt]{{article}}\\usepackage[{paper}paper,margin=1in]{{geometry}}"
                   "\\begin{document}\\typeout{TEXTWIDTH=\\the\\textwidth}x\\end{document}", encoding="utf-8")
    out = subprocess.run(["pdflatex", "-interaction=nonstopmode", doc.name], cwd=tmp_path, capture_output=True,
                         text=True).stdout
    measured = float(out.split("TEXTWIDTH=")[1].split("pt")[0])
    linebreak.use_layout("article", paper)
    try:
        assert linebreak.LIMIT[0] <= measured and measured - linebreak.LIMIT[0] < 3, (measured, linebreak.LIMIT)
    finally:
        linebreak.use_layout("article")
