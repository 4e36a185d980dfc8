"""The reader of pdfTeX's PDFs that the split of a batch uses (answerkey/texpdf.py): its objects mean what
pypdf reads in them, strings stay strings, and what it does not know is read by pypdf (never a wrong PDF)."""
import io
import shutil
import zlib

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from answerkey import texbatch, texpdf

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
CONTENT = b"BT /F1 12 Tf 72 720 Td (Hello \\(1 0 R\\)) Tj ET"


def graph(obj, seen):
    """An object with everything it refers to, resolved (each object once), as plain values; a page's
    /Parent left out (each PDF has its own page tree)."""
    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return ("seen", seen[obj.idnum])
        seen[obj.idnum] = len(seen)
        return graph(obj.get_object(), seen)
    if isinstance(obj, StreamObject):
        return ("stream", {k: graph(v, seen) for k, v in obj.items() if k != "/Length"}, obj._data)
    if isinstance(obj, DictionaryObject):
        return {k: graph(v, seen) for k, v in obj.items() if k != "/Parent"}
    if isinstance(obj, ArrayObject):
        return [graph(v, seen) for v in obj]
    return (type(obj).__name__, obj)


def meaning(pdf: bytes):
    """What pypdf reads in a PDF: its pages' objects, its metadata, its /ID."""
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    tree = reader.root_object.raw_get("/Pages").idnum
    assert all(p.raw_get("/Parent").idnum == tree for p in reader.pages)  # every page's /Parent the file's tree
    seen: dict = {}
    return [graph(p.indirect_reference, seen) for p in reader.pages], dict(reader.metadata or {}), \
        reader.trailer["/ID"]


def both(pdf: bytes, ranges, texts):
    """The split by texpdf, and by pypdf (Pages(own=False)), of the same PDF."""
    made = texbatch.split(pdf, ranges, texts)
    original = texbatch.Pages.__init__
    try:
        texbatch.Pages.__init__ = lambda self, data, shift=3, own=True: original(self, data, shift, own=False)
        pypdf_made = texbatch.split(pdf, ranges, texts)
    finally:
        texbatch.Pages.__init__ = original
    return made, pypdf_made


def page(contents: int, resources: int, parent: int, extra: bytes = b"") -> bytes:
    return (b"<< /Type /Page /Contents %d 0 R /Resources %d 0 R /MediaBox [0 0 612 792] /Parent %d 0 R%s >>"
            % (contents, resources, parent, extra))


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), extra, data)


INFO = (b"<< /Producer (pdfTeX-1.40.24) /Title (Nested (paren (s)) and \\(escaped\\) \\\\ 2 0 R \\) ok)"
        b" /Subject (one \\) 1 0 R) /Author <FEFF0041> /PTEX.Fullbanner (This is pdfTeX (TeX Live) 1 0 R) >>")


def objects() -> dict:
    """A PDF of two pages in pdfTeX's shape, its strings full of what looks like syntax."""
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Count 2 /Kids [3 0 R 4 0 R] >>",
        3: page(5, 7, 2, b" /Annots [8 0 R]"),
        4: page(6, 7, 2),
        5: stream(zlib.compress(CONTENT), b" /Filter /FlateDecode"),
        6: stream(b"BT /F1 12 Tf 72 720 Td (Page (two) 3 0 R >> [) Tj ET"),
        7: b"<< /Font << /F1 9 0 R >> /ProcSet [/PDF /Text] >>",
        8: b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /Border [0 0 0]"
           b" /A << /S /URI /URI (http://example.org/a\\(b\\)c?d=1 0 R) >> /NM <3c3c2f>  >>",
        9: FONT,
        10: INFO,
    }


def classic(objs: dict, trailer: bytes = b"/Root 1 0 R /Info 10 0 R") -> bytes:
    """The PDF of these objects with a classic xref table (\\pdfobjcompresslevel=0)."""
    out = bytearray(b"%PDF-1.5\n%\xd0\xd4\xc5\xd8\n")
    offsets = {}
    for number, body in sorted(objs.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    size = max(objs) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 00000 f \n"
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, start)
    return bytes(out)


def compressed(objs: dict, predictor: bool = False) -> bytes:
    """The PDF of these objects as pdfTeX writes it by default: the objects that are not streams in an
    object stream, a cross-reference stream (with the PNG predictor Up that pdfTeX does not use, when
    `predictor`)."""
    out = bytearray(b"%PDF-1.5\n%\xd0\xd4\xc5\xd8\n")
    where: dict = {}
    packed = [n for n in sorted(objs) if b"stream\n" not in objs[n]]
    for number in sorted(objs):
        if number not in packed:
            where[number] = (1, len(out), 0)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, objs[number])
    holder, xref = max(objs) + 1, max(objs) + 2
    body, header = b"", []
    for k, number in enumerate(packed):
        header.append(b"%d %d" % (number, len(body)))
        body += objs[number] + b"\n"
        where[number] = (2, holder, k)
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + body)
    where[holder] = (1, len(out), 0)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n" % (
        holder, len(packed), len(head), len(data), data)
    where[xref] = (1, len(out), 0)
    rows = b"".join(bytes([kind]) + field.to_bytes(3, "big") + bytes([other])
                    for kind, field, other in (where.get(n, (0, 0, 0)) for n in range(xref + 1)))
    xref_extra = b""
    if predictor:
        previous, predicted = bytes(5), b""
        for at in range(0, len(rows), 5):
            row = rows[at:at + 5]
            predicted += b"\x02" + bytes((x - y) % 256 for x, y in zip(row, previous))
            previous = row
        rows, xref_extra = predicted, b"\n/DecodeParms << /Columns 5 /Predictor 12 >>"
    table = zlib.compress(rows)
    start = len(out)
    out += (b"%d 0 obj\n<<\n/Type /XRef\n/Index [0 %d]\n/Size %d\n/W [1 3 1]\n/Root 1 0 R\n/Info 10 0 R\n"
            b"/ID [<00> <00>]%s\n/Length %d       \n/Filter /FlateDecode\n>>\nstream\n%s\nendstream\nendobj\n"
            b"startxref\n%d\n%%%%EOF\n") % (xref, xref + 1, xref + 1, xref_extra, len(table), table, start)
    return bytes(out)


@pytest.mark.parametrize("form", [classic, compressed])
def test_the_objects_read_mean_what_pypdf_reads_in_them(form):
    """Both forms pdfTeX writes: the split PDFs, read back by pypdf, hold the same objects, strings (nested
    and escaped parentheses, backslashes, `1 0 R`, `>>`, `[` inside them), metadata and /ID as pypdf's own
    split of the same file."""
    pdf = form(objects())
    assert texbatch.Pages(pdf).tex is not None  # read by texpdf, not by pypdf
    made, pypdf_made = both(pdf, [(0, 1), (1, 2)], ["first", "second"])
    assert made != pypdf_made
    assert [meaning(m) for m in made] == [meaning(m) for m in pypdf_made]
    first = PdfReader(io.BytesIO(made[0]))
    assert first.metadata["/Title"] == "Nested (paren (s)) and (escaped) \\ 2 0 R ) ok"
    assert first.metadata["/Author"] == "A" and first.metadata["/Subject"] == "one ) 1 0 R"
    link = first.pages[0]["/Annots"][0].get_object()
    assert link["/A"]["/URI"] == "http://example.org/a(b)c?d=1 0 R"
    assert first.pages[0].extract_text() == "Hello (1 0 R)"
    second = PdfReader(io.BytesIO(made[1]))
    assert second.pages[0].extract_text() == "Page (two) 3 0 R >> ["
    assert "/Annots" not in second.pages[0] and len(second.pages) == 1


def test_a_stream_is_written_with_its_data_and_no_reference_in_a_string_is_followed():
    """`3 0 R` inside a content stream and a string is text: a page does not reach another page through
    it (it would have made the split refuse the page, texbatch.Unfit)."""
    pages = texbatch.Pages(compressed(objects()))
    pieces, refs = pages.tex.pieces(6)
    assert refs == set() and b"".join(pieces).endswith(b"3 0 R >> [) Tj ET\nendstream")
    assert pages.tex.pieces(8)[1] == set()  # the link's 1 0 R is its URI's text
    assert pages.tex.pieces(3, page=True)[1] == {5, 7, 8}  # the page's /Parent is 1 0 R, not a reference
    assert b"/Parent 1 0 R" in b"".join(p for p in pages.tex.pieces(3, page=True)[0] if isinstance(p, bytes))


def unknown_forms():
    objs = objects()
    yield "a generation other than 0", classic({**objs, 9: FONT.replace(b">>", b"/Extra 7 1 R >>")})
    yield "a token it does not know", classic({**objs, 7: objs[7].replace(b"[/PDF /Text]", b"{/PDF /Text}")})
    yield "a lone R", classic({**objs, 9: FONT.replace(b">>", b"/X 7 R >>")})
    yield "a string that does not end", classic({**objs, 10: b"<< /Title (open ( paren) >>"})
    yield "a stream longer than its /Length", classic({**objs, 6: objs[6].replace(b"/Length ", b"/Length 1")})
    yield "an incremental update", classic(objs, b"/Root 1 0 R /Info 10 0 R /Prev 9")
    yield "encryption", classic(objs, b"/Root 1 0 R /Info 10 0 R /Encrypt 9 0 R")
    yield "a predictor", compressed(objs, predictor=True)
    yield "a bracket closed that was not open", classic({**objs, 7: objs[7].replace(b" >>", b" ] >>")})
    for name, wrong in [("two values in one object", b"[1] [2]"), ("brackets crossed", b"<< /A [ >> ]"),
                        ("a bracket left open", b"<< /A [1 >>"), ("a dictionary closed twice", b"<< /A 1 >> >>")]:
        # in the object stream, the page's resources refer to it
        yield name, compressed({**objs, 7: objs[7].replace(b" >>", b" /X 11 0 R >>"), 11: wrong})


PYPDF_CANNOT = {"encryption"}  # (a made-up /Encrypt)


@pytest.mark.parametrize("case", list(unknown_forms()), ids=[name for name, _ in unknown_forms()])
def test_what_the_reader_does_not_know_is_read_by_pypdf(case):
    name, pdf = case
    with pytest.raises(texpdf.Unknown):
        reader = texpdf.TexPdf(pdf)
        for number in range(1, 12):
            reader.pieces(number, page=number in (3, 4))
    try:
        PdfReader(io.BytesIO(pdf), strict=False).pages[0]
    except Exception:
        assert name in PYPDF_CANNOT
        return  # pypdf does not read it either: the split fails as it did before texpdf
    pages = texbatch.Pages(pdf)
    assert pages.tex is None  # the whole file read by pypdf
    made, pypdf_made = both(pdf, [(0, 1), (1, 2)], ["first", "second"])
    assert made == pypdf_made


def test_a_pdf_pypdf_wrote_is_still_split():
    """A PDF of another writer (pypdf's: no pdfTeX objects) goes through Pages as ever."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_blank_page(300, 300)
    buffer = io.BytesIO()
    writer.write(buffer)
    made, pypdf_made = both(buffer.getvalue(), [(0, 1), (1, 2)], ["a", "b"])
    assert [meaning(m)[0] for m in made] == [meaning(m)[0] for m in pypdf_made]
    assert [PdfReader(io.BytesIO(m)).pages[0].mediabox.width for m in made] == [200, 300]


TEX = "\\documentclass{article}\n%endofdump\n"


def document(head: str, body: str) -> str:
    return f"{TEX}{head}\\begin{{document}}\n{body}\n\\end{{document}}\n"


@pytest.mark.tex
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_a_batch_pdflatex_wrote_is_read_by_texpdf_and_means_what_pypdf_reads():
    """A real batch: pdfTeX's object streams and xref stream read by texpdf (no fallback), its strings
    (an /Info title and a link's URI with parentheses, backslashes and `1 0 R`) kept, each object's fast
    reading the tokeniser's, and the split PDFs what pypdf's split gives."""
    link = ("\\pdfstartlink user{/Subtype /Link /Border [0 0 0] /A << /S /URI"
            " /URI (https://example.org/q\\string\\(1 0 R\\string\\)) >>}a link\\pdfendlink")
    title = "\\pdfinfo{/Title (Key (one) \\string\\(x\\string\\) \\string\\\\ 1 0 R)}\n"
    pending = [texbatch.Pending(document(title, "First $x^2$ " + link), "a", {}),
               texbatch.Pending(document("", "Second \\newpage Third"), "b", {}, "questions")]
    pdf, ranges = texbatch.compile_batch(pending, None)
    reader = texpdf.TexPdf(pdf)
    assert any(isinstance(w, tuple) for w in reader.where.values())  # object streams: the default form
    slow = texpdf.TexPdf(pdf)
    slow._plain = lambda holder, index: None
    fast = 0
    for number in reader.where:
        if isinstance(reader.where[number], tuple) and number not in reader.pages:
            fast += reader._plain(*reader.where[number]) is not None
            assert reader.pieces(number) == slow.pieces(number)
    assert fast > 0
    assert texbatch.Pages(pdf).tex is not None
    made, pypdf_made = both(pdf, ranges, [p.text for p in pending])
    assert [meaning(m) for m in made] == [meaning(m) for m in pypdf_made]
    assert texbatch.split(pdf, ranges, [p.text for p in pending]) == made  # the same bytes again
    first = PdfReader(io.BytesIO(made[0]))
    assert first.metadata["/Title"] == "Key (one) (x) \\ 1 0 R"
    uri = [a.get_object()["/A"]["/URI"] for a in first.pages[0]["/Annots"]]
    assert uri == ["https://example.org/q(1 0 R)"]
    assert [len(PdfReader(io.BytesIO(m)).pages) for m in made] == [1, 2]
    assert "First" in first.pages[0].extract_text()


def test_pages_that_inherit_their_resources_are_written_by_pypdf():
    """Pages without their own /Resources (they inherit the tree's): Writer cannot take them (Unfit), and
    pypdf's writer writes those PDFs from its own reading of the file, the inherited resources in each
    page. (The split that read such a file with pypdf, Pages(own=False), took them for plain, pypdf's
    pages having the inherited entries, and wrote the pages without them; pdfTeX writes no such pages.)"""
    objs = objects()
    objs[2] = b"<< /Type /Pages /Count 2 /Kids [3 0 R 4 0 R] /Resources 7 0 R >>"
    objs[3] = objs[3].replace(b" /Resources 7 0 R", b"")
    objs[4] = objs[4].replace(b" /Resources 7 0 R", b"")
    pdf = compressed(objs)
    pages = texbatch.Pages(pdf)
    assert pages.tex is not None and not pages.plain
    made = texbatch.split(pdf, [(0, 1), (1, 2)], ["first", "second"])
    assert all(m.startswith(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3") for m in made)  # pypdf's writer's header
    for pdf_made, text in zip(made, ["Hello (1 0 R)", "Page (two) 3 0 R >> ["]):
        reader = PdfReader(io.BytesIO(pdf_made), strict=True)
        (only,) = reader.pages
        assert b"/Resources" in pdf_made  # written in the page (its tree has none)
        assert only["/Resources"]["/Font"]["/F1"]["/BaseFont"] == "/Helvetica"
        assert only.extract_text() == text
        assert reader.metadata["/Title"].startswith("Nested (paren (s))")
