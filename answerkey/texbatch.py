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
with its group; what it sets globally is put back by the next start. The split (texpdf reads pdfTeX's
objects, pypdf what it does not know) gives each document
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

import functools
import hashlib
import io
import marshal
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import parallel, texcompile, texpdf
from .errors import TexError

MOST = 25  # variants per batch at most (a key and a question sheet each with --sheet both)
SPREAD = 4  # batches: a multiple of this (every core its share on machines of 1, 2 or 4 cores)
BEGIN, END = "\\begin{document}\n", "\\end{document}"
# Commands a document's head may not use once the batch's document has begun: such documents go alone.
PREAMBLE_ONLY = re.compile(r"\\(?:usepackage|RequirePackage|documentclass|LoadClass|PassOptionsToPackage|"
                           r"geometry|usetikzlibrary|DeclareOption|ProcessOptions)\b")
# What \maketitle (article, exam) undefines globally once used: put back at each document's start.
SAVED = ("maketitle", "@maketitle", "title", "author", "date", "thanks", "and", "@title", "@author", "@date",
         "@thanks")
_PLAIN_NAME = re.compile(r"/[A-Za-z0-9_.+-]+")
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
    return "batch" not in texcompile._without()


def cut(text: str) -> tuple[str, str, str] | None:
    """(preamble, head, body) of a document, or None if it cannot share a TeX run with others."""
    preamble = texcompile.fixed_preamble(text)
    if preamble is None:
        return None
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
            command = texcompile.preloaded_command(preloaded, tmp, "batch")
            (folder / "batch.tex").write_text(rest, encoding="utf-8")
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


class Pages:
    """The pages of one PDF (pdfTeX's batch), to be written into other PDFs fast: each object of the file
    is serialised once (texpdf reads pdfTeX's output as it is written, each object's bytes kept; pypdf
    parses and writes again a file texpdf does not know, or `own=False`), its references to other objects kept as their numbers so that any
    PDF it is written into can move them up (by `shift`), and each page's /Parent made `1 0 R` (the written
    file's page tree), so that the many PDFs split from one batch share that work. The written files number
    their page tree 1, catalog 2 and metadata 3 (`write`). `save` keeps the serialised objects beside the
    batch's PDF once its documents are split, and `saved` reads them back for the print files without
    parsing the PDF again."""

    def __init__(self, data: bytes | None, shift: int = 3, own: bool = True):
        self.shift = shift
        self.dumped: dict[int, tuple] = {}  # number -> pieces: bytes, and ints (references to objects)
        self.refs: dict[int, set[int]] = {}
        self._bodies: dict[int, bytes] = {}  # number -> its bytes as written (body)
        self.data = data
        if data is None:  # filled by `saved`
            return
        self.digest = hashlib.md5(data).digest()
        try:  # pdfTeX's own output, read by texpdf; anything else (or anything it does not know) by pypdf
            if not own:
                raise texpdf.Unknown("pypdf asked for")
            self.tex = texpdf.TexPdf(data)
            self.size = self.tex.size
            self.pages = self.tex.pages
            self.info = None if self.tex.info is None else self.tex.pieces(self.tex.info)[0]
            self.version = self.tex.version
            spans = [self.tex.locate(number)[3] for number in self.pages]
            self.plain = all("/MediaBox" in keys and "/Resources" in keys for keys in spans)
            self.closure(self.pages)  # every object the pages need read now: what it does not know shows here
            return
        except texpdf.Unknown:
            self.tex = None
            self.dumped.clear()
            self.refs.clear()
            self.__dict__.pop("_page_set", None)
        reader = self.reader
        self.size = int(reader.trailer["/Size"])
        self.pages = [page.indirect_reference.idnum for page in reader.pages]
        info = reader.trailer.get("/Info")
        self.info = None
        if info is not None:
            out: list = []
            self._dump(info.get_object(), out, set())
            self.info = _pieces(out)
        self.version = reader.pdf_header.encode("latin-1")
        self.plain = all("/MediaBox" in page and "/Resources" in page for page in reader.pages)

    @functools.cached_property
    def reader(self):
        """pypdf's reader of the PDF: when texpdf does not know it, and for what Writer cannot take."""
        from pypdf import PdfReader

        return PdfReader(io.BytesIO(self.data))

    FIELDS = ("digest", "size", "pages", "info", "version", "plain", "dumped", "refs")

    def save(self, path: Path) -> None:
        """The serialised objects (all that the split wrote: every page's), for `saved`."""
        path.write_bytes(marshal.dumps({name: getattr(self, name) for name in self.FIELDS}))

    @classmethod
    def saved(cls, path: Path, shift: int) -> "Pages":
        """The Pages that `save` kept (data only: marshal, which makes no objects but numbers, bytes and
        containers), with every object the split serialised; an object it did not is an error (Unfit)."""
        pages = cls(None, shift)
        for name, value in marshal.loads(path.read_bytes()).items():
            setattr(pages, name, value)
        return pages

    def body(self, number: int) -> bytes:
        """Object `number` as written, its references moved up by `shift` (kept: the documents of a batch
        share their fonts)."""
        if number not in self._bodies:
            self._bodies[number] = _joined(self.dumped[number], self.shift)
        return self._bodies[number]

    def _dump(self, obj, out: list, refs: set, page: bool = False) -> None:
        ArrayObject, DictionaryObject, IndirectObject, StreamObject = _generic()
        if isinstance(obj, IndirectObject):
            refs.add(obj.idnum)
            out.append(obj.idnum)
        elif isinstance(obj, DictionaryObject):
            out.append(b"<<")
            for key, value in obj.items():
                if isinstance(obj, StreamObject) and key == "/Length":
                    continue
                out.append(key.encode("ascii") if _PLAIN_NAME.fullmatch(key) else self._serial(key))
                out.append(b" ")
                if page and key == "/Parent":
                    out.append(b"1 0 R")
                else:
                    self._dump(value, out, refs)
                out.append(b"\n")
            if isinstance(obj, StreamObject):
                out.append(b"/Length %d>>\nstream\n" % len(obj._data))
                out.append(obj._data)
                out.append(b"\nendstream")
            else:
                out.append(b">>")
        elif isinstance(obj, ArrayObject):
            out.append(b"[")
            for n, value in enumerate(obj):
                if n:
                    out.append(b" ")
                self._dump(value, out, refs)
            out.append(b"]")
        else:
            out.append(self._serial(obj))

    @staticmethod
    def _serial(obj) -> bytes:
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        return buffer.getvalue()

    def obj(self, number: int) -> tuple:
        """Object `number` serialised (pieces), and the objects it refers to in refs."""
        if number not in self.dumped:
            if self.data is None:  # saved without it: not a page the split wrote
                raise Unfit
            if self.tex is not None:
                self.dumped[number], self.refs[number] = self.tex.pieces(number, page=number in self._page_set)
                return self.dumped[number]
            out: list = []
            refs: set = set()
            self._dump(self.reader.get_object(number), out, refs, page=number in self._page_set)
            self.dumped[number], self.refs[number] = _pieces(out), refs
        return self.dumped[number]

    @functools.cached_property
    def _page_set(self) -> set:
        return set(self.pages)

    def closure(self, pages: Sequence[int]) -> list[int] | None:
        """Every object the pages need, in number order; None if they reach a page of another document."""
        seen, todo = set(), list(pages)
        dumped, refs = self.dumped, self.refs
        while todo:
            number = todo.pop()
            if number in seen:
                continue
            seen.add(number)
            if number not in dumped:
                self.obj(number)
            todo.extend(refs[number])
        if (seen & self._page_set) - set(pages):
            return None
        return sorted(seen)


class Unfit(Exception):
    """Pages that Writer cannot take (they inherit their size or resources, or reach another document's):
    pypdf writes that PDF instead."""


_ENDOBJ = b"\nendobj\n"


class Writer:
    """A PDF written as it is made, into `sink` (a binary file): `add` pages of a Pages (their objects, each
    once), then `close` with the metadata of a Pages and an /ID. Page tree 1, catalog 2, metadata 3."""

    def __init__(self, sink, version: bytes):
        self.sink = sink
        self.position = 0
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self._put_raw(version + b"\n%\xd0\xd4\xc5\xd8\n")

    def _put_raw(self, data: bytes) -> None:
        self.sink.write(data)
        self.position += len(data)

    def _put(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        head = b"%d 0 obj\n" % number
        write = self.sink.write
        write(head)
        write(body)
        write(_ENDOBJ)
        self.position += len(head) + len(body) + len(_ENDOBJ)

    def add(self, source: Pages, indexes: Sequence[int]) -> None:
        """The pages of `source` with these indexes, after those added before; objects already written (by
        an earlier `add` of the same source) are not written again."""
        if not source.plain:
            raise Unfit
        numbers = [source.pages[i] for i in indexes]
        needed = source.closure(numbers)
        if needed is None:
            raise Unfit
        self.kids.extend(n + source.shift for n in numbers)
        for number in needed:
            if number + source.shift not in self.offsets:
                self._put(number + source.shift, source.body(number))

    def close(self, source: Pages, ident: bytes) -> None:
        self._put(1, b"<</Type /Pages /Count %d /Kids [%s]>>" % (len(self.kids),
                                                                b" ".join(b"%d 0 R" % k for k in self.kids)))
        self._put(2, b"<</Type /Catalog /Pages 1 0 R>>")
        self._put(3, _joined(source.info or (), source.shift) or b"<<>>")
        numbers = sorted(self.offsets)
        xref = [b"xref\n0 1\n0000000000 65535 f \n"]
        run: list[int] = []
        for number in numbers + [None]:  # the objects in runs of consecutive numbers (xref subsections)
            if run and (number is None or number != run[-1] + 1):
                xref.append(b"%d %d\n" % (run[0], len(run)))
                xref.extend(b"%010d 00000 n \n" % self.offsets[n] for n in run)
                run = []
            if number is not None:
                run.append(number)
        start = self.position
        self._put_raw(b"".join(xref))
        hexid = ident.hex().encode()
        self._put_raw(b"trailer\n<</Size %d /Root 2 0 R /Info 3 0 R /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n"
                      % (numbers[-1] + 1, hexid, hexid, start))


@functools.lru_cache(maxsize=1)
def _generic() -> tuple:
    """pypdf's object classes, imported once (Pages._dump runs for every object of a batch)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    return ArrayObject, DictionaryObject, IndirectObject, StreamObject


def _joined(pieces, shift: int) -> bytes:
    """A serialised object's bytes: its references (ints) written as `N 0 R`, moved up by `shift`."""
    return b"".join(p if p.__class__ is bytes else b"%d 0 R" % (p + shift) for p in pieces)


def _pieces(out: list) -> tuple:
    """A serialised object: its runs of bytes joined, its references (ints) between them."""
    pieces: list = []
    run: list = []
    for piece in out:
        if piece.__class__ is bytes:
            run.append(piece)
        else:
            if run:
                pieces.append(b"".join(run))
                run = []
            pieces.append(piece)
    if run:
        pieces.append(b"".join(run))
    return tuple(pieces)


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


class _Parts(list):
    """A sink for Writer that keeps what is written as it is (joined once at the end: no copies as it grows)."""
    write = list.append


def split(pdf: bytes, ranges: Sequence[tuple[int, int]], texts: Sequence[str], keep: Path | None = None
          ) -> list[bytes]:
    """One PDF per range of pages of `pdf`, each with the batch's metadata and an /ID from its text: written
    from objects serialised once for the batch (Pages, Writer), or by pypdf where that cannot be. `keep`:
    where to save the serialised objects for the print files (Pages.save), when every document was
    written from them."""
    pages = Pages(pdf)
    out = []
    fit = True
    for (start, end), text in zip(ranges, texts):
        parts = _Parts()
        try:
            writer = Writer(parts, pages.version)
            writer.add(pages, range(start, end))
            writer.close(pages, _identifier(text))
            out.append(b"".join(parts))
        except Unfit:
            fit = False
            writer = _writer(dict(pages.reader.metadata or {}), _identifier(text))
            for number in range(start, end):
                writer.add_page(pages.reader.pages[number])
            out.append(_bytes(writer))
    if keep is not None and fit:
        pages.save(keep)
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
        return split(pdf, ranges, [p.text for p in pending], _objects(batch_file) if batch_file else None), \
            [(batch_file, s, e) for s, e in ranges]
    results: list[bytes | TexError] = []
    for p in pending:  # alone: the error names the document's problem (texcompile.first_error)
        try:
            results.append(texcompile.compile_pdf(p.text, p.name, p.problems, preloaded=preloaded))
        except TexError as exc:
            results.append(exc)
    return results, [(None, 0, 0)] * len(pending)


def _objects(batch_file: Path) -> Path:
    """Where a batch's serialised objects are kept beside its PDF (Pages.save)."""
    return batch_file.with_suffix(".objects")


def batches(count: int, most: int = MOST, least: int = SPREAD) -> list[range]:
    """The items 0..count-1 in consecutive batches of at most `most`, as many as a multiple of `least` (so
    that 1, 2 or 4 cores share even a short run evenly), of sizes that differ by at most one. The cut depends on the count only,
    never on the machine's cores: a variant's PDF is the same on any machine (its fonts are subset with
    those of its batch)."""
    if count == 0:
        return []
    number = min(count, math.ceil(max(math.ceil(count / most), least) / least) * least)
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
    groups = batches(len(items)) if batched and enabled() else [range(i, i + 1) for i in range(len(items))]

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


def print_files(directory: Path, pages: Sequence[list]) -> list[Path]:
    """all-keys.pdf (and all-questions.pdf): the items' sheets in their order, written in `directory`, from
    the batches' PDFs (each read once, its fonts stored once in each print file), which are then removed."""
    wanted = {sheet: [(path, start, end) for item in pages for s, path, start, end in item if s == sheet]
              for sheet in PRINTS}
    wanted = {sheet: sources for sheet, sources in wanted.items() if sources}
    written = []
    try:
        if wanted:
            written = _combine(directory, wanted)
    except Unfit:
        written = [_combine_pypdf(directory / PRINTS[sheet], sources) for sheet, sources in wanted.items()]
    finally:
        for leftover in [*directory.glob(".batch-*.pdf"), *directory.glob(".batch-*.objects")]:
            leftover.unlink()
    return written


def _combine(directory: Path, wanted: dict) -> list[Path]:
    """The print files in one pass over the files their pages come from (each file read and its objects
    serialised once, for all the print files; dropped once its pages are written)."""
    order: list[Path] = []
    for sources in wanted.values():
        for path, _, _ in sources:
            if path not in order:
                order.append(path)
    last = {path: n for n, path in enumerate(order)}
    handles, writers, idents, shift, first = {}, {}, {}, 3, None
    try:
        for sheet in wanted:
            handles[sheet] = tempfile.NamedTemporaryFile(prefix=f".{PRINTS[sheet]}.", suffix=".tmp", dir=directory,
                                                         delete=False)
            idents[sheet] = hashlib.md5()
        cursor = {sheet: 0 for sheet in wanted}
        for n, path in enumerate(order):
            saved = _objects(Path(path))
            source = Pages.saved(saved, shift) if saved.exists() else Pages(Path(path).read_bytes(), shift)
            shift += source.size
            first = first or source
            for sheet, sources in wanted.items():
                if sheet not in writers:
                    writers[sheet] = Writer(handles[sheet], source.version)
                while cursor[sheet] < len(sources) and last[sources[cursor[sheet]][0]] <= n:
                    at, start, end = sources[cursor[sheet]]
                    if at != path:  # a file whose pages come back after another's: not one pass
                        raise Unfit
                    end = len(source.pages) if end is None else end
                    writers[sheet].add(source, range(start, end))
                    idents[sheet].update(source.digest + f"{start}-{end};".encode())
                    cursor[sheet] += 1
            del source
        from . import outputs

        out = []
        for sheet in wanted:
            writers[sheet].close(first, idents[sheet].digest())
            handles[sheet].close()
            os.chmod(handles[sheet].name, 0o666 & ~outputs._umask())  # as outputs.atomic_write's files
            os.replace(handles[sheet].name, directory / PRINTS[sheet])
            out.append(directory / PRINTS[sheet])
        return out
    finally:
        for handle in handles.values():
            handle.close()
            if os.path.exists(handle.name):
                os.unlink(handle.name)


def _combine_pypdf(target: Path, sources) -> Path:
    from pypdf import PdfReader

    readers: dict = {}
    writer = None
    ident = hashlib.md5()
    for path, start, end in sources:
        if path not in readers:
            data = Path(path).read_bytes()
            ident.update(hashlib.md5(data).digest())
            readers[path] = PdfReader(io.BytesIO(data))
        reader = readers[path]
        writer = writer or _writer(dict(reader.metadata or {}), b"")
        end = len(reader.pages) if end is None else end
        ident.update(f"{start}-{end};".encode())
        for number in range(start, end):
            writer.add_page(reader.pages[number])
    from pypdf.generic import ArrayObject, ByteStringObject

    writer._ID = ArrayObject([ByteStringObject(ident.digest()), ByteStringObject(ident.digest())])
    from . import outputs

    outputs.atomic_write(target, _bytes(writer))
    return target
