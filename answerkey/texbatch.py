"""Many documents per TeX run: the keys and question sheets of a run of variants typeset in a few pdflatex
runs (one batch of variants at a time on each core), and split back into one PDF per document.

Starting TeX, loading the format and the Hangul fonts is most of a variant's TeX time; a batch pays it once.
A document is batched as it is rendered, by cutting its text where the templates already mark it:

    preamble   up to `%endofdump` (texcompile.FIXED_END): the same for every document, read once (from the
               format of the shared preamble when there is one, texcompile.Preloaded);
    head       the rest up to \\begin{document}: the document's own settings (title, author, date, student,
               the variant code in the footer, \\pagestyle, \\printanswers ...);
    body       from \\begin{document} to \\end{document}.

The batch is the preamble, then \\begin{document}, then for each document: a fresh start (\\answerkeybegin: a
new page, every counter as it was at \\begin{document} (the page number 1 among them), \\maketitle and the
title's macros back, empty marks, a TeX group), its head and body, and \\answerkeyend (a new page, the group
closed, and the count of pages shipped so far written to BATCH.pages). Whatever a document sets locally ends
with its group; what it sets globally is put back by the next start. The split (pypdf) gives each document
its pages, the fonts and resources they use, the batch's metadata (pdfTeX's, with SOURCE_DATE_EPOCH) and an
/ID made from the document's own source: byte-identical from run to run, with the text of the document
compiled alone (tests/test_batch.py).

A document that cannot be batched (no `%endofdump`, another preamble, preamble-only commands in its head: a
course's own templates may have them) is compiled alone; a batch that fails in TeX is compiled document by
document, so that the error names the variant and the problem as a run without batches does.
ANSWERKEY_WITHOUT=batch turns batches off (`make bench` compares).

    outcomes, pages = texbatch.run_all(plan, make, finish, jobs, directory=..., preloaded=...)
    texbatch.print_files(directory, pages)      # all-keys.pdf, all-questions.pdf in the plan's order
"""
from __future__ import annotations

import hashlib
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import parallel, texcompile
from .errors import TexError

MOST = 25  # variants per batch (a key and a question sheet each with --sheet both)
BEGIN, END = "\\begin{document}\n", "\\end{document}"
# Commands a document's head may not use once the batch's document has begun: such documents go alone.
PREAMBLE_ONLY = re.compile(r"\\(?:usepackage|RequirePackage|documentclass|LoadClass|PassOptionsToPackage|"
                           r"geometry|usetikzlibrary|DeclareOption|ProcessOptions)\b")
# What \maketitle (article, exam) undefines globally once used: put back at each document's start.
SAVED = ("maketitle", "@maketitle", "title", "author", "date", "thanks", "and", "@title", "@author", "@date",
         "@thanks")
PRINTS = {"key": "all-keys.pdf", "questions": "all-questions.pdf"}


@dataclass
class Pending:
    """A PDF still to be made: the document's LaTeX, its file stem, its problems' labels (for errors), and
    which sheet it is (key, questions)."""
    text: str
    name: str
    problems: dict
    sheet: str = "key"


def enabled() -> bool:
    return "batch" not in os.environ.get("ANSWERKEY_WITHOUT", "").split(",")


def cut(text: str) -> tuple[str, str, str] | None:
    """(preamble, head, body) of a document, or None if it cannot share a TeX run with others."""
    marker = "\n" + texcompile.FIXED_END + "\n"
    if marker not in text:
        return None
    preamble = text[:text.index(marker) + len(marker)]
    rest = text[len(preamble):]
    if BEGIN not in rest or END not in rest:
        return None
    start = rest.index(BEGIN)
    head, body = rest[:start], rest[start + len(BEGIN):rest.rindex(END)]
    if PREAMBLE_ONLY.search(head) or BEGIN in body:
        return None
    return preamble, head, body


def _prologue() -> str:
    """The batch's own macros, defined before \\begin{document} (the saved state taken just after it)."""
    save = "".join(f"\\expandafter\\let\\csname answerkey@saved@{n}\\expandafter\\endcsname\\csname {n}\\endcsname"
                   for n in SAVED)
    restore = "".join(f"\\global\\expandafter\\let\\csname {n}\\expandafter\\endcsname"
                      f"\\csname answerkey@saved@{n}\\endcsname" for n in SAVED)
    return "\n".join([
        "\\makeatletter",
        "\\newwrite\\answerkey@pages\\immediate\\openout\\answerkey@pages=\\jobname.pages",
        "\\AtBeginDocument{" + save + "%",
        # every counter's value at \begin{document}, as assignments: \global\c@page=1\relax ...
        "\\begingroup\\def\\@elt#1{\\global\\csname c@#1\\endcsname\\the\\csname c@#1\\endcsname\\relax}%",
        "\\xdef\\answerkey@counters{\\cl@@ckpt}\\endgroup}",
        "\\def\\answerkeybegin{\\clearpage" + restore + "\\answerkey@counters\\mark{{}{}}\\begingroup}",
        "\\def\\answerkeyend#1{\\clearpage\\endgroup\\immediate\\write\\answerkey@pages{#1 \\the\\ReadonlyShipoutCounter}}",
        "\\makeatother", ""])


def source(parts: Sequence[tuple[str, str]]) -> str:
    """The batch after the preamble: the prologue, then each document's (head, body) in a fresh start."""
    out = [_prologue(), BEGIN]
    for number, (head, body) in enumerate(parts):
        out.append(f"\\answerkeybegin\n{head}{body}\\answerkeyend{{{number}}}\n")
    out.append(END + "\n")
    return "".join(out)


def compile_batch(pending: Sequence[Pending], preloaded: texcompile.Preloaded | None
                  ) -> tuple[bytes, list[tuple[int, int]]] | None:
    """The batch's PDF and each document's pages [start, end); None if TeX failed (or anything else was
    unexpected), the documents are then compiled one by one."""
    cuts = [cut(p.text) for p in pending]
    if not cuts or any(c is None for c in cuts) or len({c[0] for c in cuts}) != 1:
        return None
    preamble = cuts[0][0]
    rest = source([(h, b) for _, h, b in cuts])
    with tempfile.TemporaryDirectory(prefix="answerkey-batch-") as tmp:
        folder = Path(tmp)
        if preloaded is not None and preloaded.preamble == preamble:
            try:
                os.symlink(preloaded.path, folder / "answerkey.fmt")
            except OSError:
                import shutil
                shutil.copy(preloaded.path, folder / "answerkey.fmt")
            (folder / "batch.tex").write_text(rest, encoding="utf-8")
            command = ["pdflatex", "-fmt=answerkey", *texcompile._command("batch")[1:]]
        else:
            (folder / "batch.tex").write_text(preamble + rest, encoding="utf-8")
            command = texcompile._command("batch")
        try:
            proc = texcompile._run(command, tmp)
        except TexError:
            return None
        pdf, pages = folder / "batch.pdf", folder / "batch.pages"
        if proc.returncode != 0 or not pdf.exists() or not pages.exists():
            return None
        ends = [int(line.split()[1]) for line in pages.read_text(encoding="utf-8").splitlines() if line.strip()]
        ranges = list(zip([0, *ends[:-1]], ends))
        if len(ranges) != len(pending) or any(end <= start for start, end in ranges):
            return None
        return pdf.read_bytes(), ranges


def _identifier(text: str) -> bytes:
    return hashlib.md5(text.encode("utf-8")).digest()


def _writer(info: dict, ident: bytes):
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    writer = PdfWriter()
    writer.add_metadata(info)
    writer._ID = ArrayObject([ByteStringObject(ident), ByteStringObject(ident)])
    return writer


def _bytes(writer) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _info(reader) -> dict:
    return dict(reader.metadata or {})


def split(pdf: bytes, ranges: Sequence[tuple[int, int]], texts: Sequence[str]) -> list[bytes]:
    """One PDF per range of pages of `pdf`, each with the batch's metadata and an /ID from its text."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    info = _info(reader)
    out = []
    for (start, end), text in zip(ranges, texts):
        writer = _writer(info, _identifier(text))
        for number in range(start, end):
            writer.add_page(reader.pages[number])
        out.append(_bytes(writer))
    return out


def typeset(pending: Sequence[Pending], preloaded: texcompile.Preloaded | None, batch_file: Path | None = None
            ) -> tuple[list[bytes | TexError], list[tuple[Path | None, int, int]]]:
    """The PDF of each pending document (or its TexError), and where its pages are for the print files:
    (batch_file, start, end) when batched (the batch's PDF is written there), else (None, 0, pages)."""
    made = compile_batch(pending, preloaded) if len(pending) > 1 and enabled() else None
    if made is not None:
        pdf, ranges = made
        if batch_file is not None:
            batch_file.write_bytes(pdf)
        return split(pdf, ranges, [p.text for p in pending]), [(batch_file, s, e) for s, e in ranges]
    results: list[bytes | TexError] = []
    for p in pending:  # alone: the error names the document's problem (texcompile.first_error)
        try:
            results.append(texcompile.compile_pdf(p.text, p.name, p.problems, preloaded=preloaded))
        except TexError as exc:
            results.append(exc)
    return results, [(None, 0, 0)] * len(pending)


def batches(count: int, jobs: int, most: int = MOST) -> list[range]:
    """The items 0..count-1 in consecutive batches of at most `most`, as many as a multiple of `jobs` (so
    that every core has its share), of sizes that differ by at most one."""
    if count == 0:
        return []
    number = math.ceil(count / most)
    if count >= jobs:
        number = max(jobs, math.ceil(number / jobs) * jobs)
    number = min(number, count)
    size, extra = divmod(count, number)
    out, start = [], 0
    for k in range(number):
        end = start + size + (k < extra)
        out.append(range(start, end))
        start = end
    return out


def run_all(items: Sequence, make: Callable, finish: Callable, jobs: int,
            progress: Callable[[int, int], None] | None = None, directory: Path | None = None,
            preloaded: texcompile.Preloaded | None = None, batched: bool = True) -> tuple[list, list]:
    """`[finish(state, files, error) for each item]` in order, on up to `jobs` processes (parallel.run_all,
    one batch of items at a time per process), and where each item's sheets are for the print files.

    `make(item) -> (state, files)`: the item's files (path, content), a PDF still to be made as a Pending
    (files None when the item failed before). The Pendings of a batch are typeset together (`typeset`), then
    `finish(state, files, error)` is called with the PDFs in place, or with the first TexError of the item's
    documents. Pages: per item, [(sheet, pdf path, start, end)] (the batch's PDF, or the item's own)."""
    groups = batches(len(items), jobs) if batched and enabled() else [range(i, i + 1) for i in range(len(items))]

    def work(k: int):
        made = [make(items[i]) for i in groups[k]]
        pending = [(n, j, content) for n, (_, files) in enumerate(made) for j, (_, content) in enumerate(files or [])
                   if isinstance(content, Pending)]
        pdfs, where = typeset([c for _, _, c in pending], preloaded,
                              directory / f".batch-{k:05d}.pdf" if directory is not None else None)
        errors: dict[int, TexError] = {}
        pages: list[list] = [[] for _ in made]
        for (n, j, content), pdf, (source, start, end) in zip(pending, pdfs, where):
            if isinstance(pdf, TexError):
                errors.setdefault(n, pdf)
                continue
            path = made[n][1][j][0]
            made[n][1][j] = (path, pdf)
            pages[n].append((content.sheet, source or path, start, end if source else None))
        return [(finish(state, files, errors.get(n)), pages[n]) for n, (state, files) in enumerate(made)]

    def told(done: int, total: int) -> None:
        progress(min(len(items), sum(len(g) for g in groups[:done])), len(items))

    done = parallel.run_all(range(len(groups)), work, jobs, told if progress else None)
    flat = [pair for group in done for pair in group]
    return [outcome for outcome, _ in flat], [pages for _, pages in flat]


def combine(sources: Sequence[tuple[Path, int, int | None]]) -> bytes:
    """One PDF of the given pages, in order: (file, start, end), end None for all of the file's pages. The
    fonts of a batch are stored once (each batch's PDF is read once)."""
    from pypdf import PdfReader

    readers: dict[Path, PdfReader] = {}
    writer = None
    ident = hashlib.md5()
    for path, start, end in sources:
        if path not in readers:
            data = Path(path).read_bytes()
            ident.update(hashlib.md5(data).digest())
            readers[path] = PdfReader(io.BytesIO(data))
        reader = readers[path]
        if writer is None:
            writer = _writer(_info(reader), b"")
        end = len(reader.pages) if end is None else end
        ident.update(f"{start}-{end};".encode())
        for number in range(start, end):
            writer.add_page(reader.pages[number])
    from pypdf.generic import ArrayObject, ByteStringObject

    writer._ID = ArrayObject([ByteStringObject(ident.digest()), ByteStringObject(ident.digest())])
    return _bytes(writer)


def print_files(directory: Path, pages: Sequence[list]) -> list[tuple[Path, bytes]]:
    """all-keys.pdf (and all-questions.pdf) of the items' sheets in their order; the batches' PDFs, which
    they are made from, are removed from the folder."""
    files = []
    for sheet, name in PRINTS.items():
        sources = [(path, start, end) for item in pages for s, path, start, end in item if s == sheet]
        if sources:
            files.append((directory / name, combine(sources)))
    for leftover in directory.glob(".batch-*.pdf"):
        leftover.unlink()
    return files
