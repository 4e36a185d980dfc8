"""A reader of the PDFs pdfTeX writes, for the split of a batch (texbatch.Pages): each object as the pieces
the split writes (runs of bytes, and ints for references to other objects), without a general PDF parser.

pdfTeX writes a PDF in one pass and in one shape: a header, objects numbered from 1 with generation 0
(dictionaries, arrays, numbers, names, strings; streams and their /Length), most of them in object
streams (\\pdfobjcompresslevel=2, TeX Live's pdftexconfig) indexed by a cross-reference stream, or all of them
plain with a classic xref table (level 0), no incremental update, no encryption. This module reads that and
nothing else: whatever it meets that it does not know (another xref form, a predictor, a /Prev, a
generation other than 0, a token it cannot name, a stream whose /Length does not end at `endstream`) raises
Unknown, and the caller reads the file with pypdf instead; it never guesses.

An object is tokenised, not rebuilt: its bytes are written as they are in the file, except each reference
`N 0 R` (an int in the pieces: the written file moves it up), the /Parent of a page (`1 0 R`: the written
file's page tree) and a stream's /Length (dropped from the dictionary and written last, with the data's
length). Strings are skipped as strings (literal strings with nested parentheses and escapes, hex strings
told from `<<`), so a `1 0 R` inside a string stays text. Most objects (fonts, widths, resources) hold no
string: they are checked in one match and cut at their references by a search (`_plain`, the same pieces
as the tokeniser's: tests/test_split_reader.py).

    pdf = TexPdf(data)              # or Unknown
    pdf.pages                       # the page objects' numbers, in order
    pdf.pieces(number, page=True)   # (pieces, refs)
"""
from __future__ import annotations

import re
import zlib

_WS = rb"\x00\t\n\x0c\r "  # white space, for the patterns
_SPACE = b"\x00\t\n\x0c\r "  # the same bytes
_DELIM = rb"()<>\[\]{}/%"
_END = rb"(?=[" + _WS + _DELIM + rb"]|\Z)"
# One token after optional white space: a reference, a name, a dictionary or array bracket, a literal string
# without nested parentheses, a number or keyword, a hex string, a comment, any other literal string.
_TOKEN = re.compile(
    rb"[" + _WS + rb"]*(?:"
    rb"(?P<ref>(?P<num>\d+)[" + _WS + rb"]+(?P<gen>\d+)[" + _WS + rb"]+R" + _END + rb")"
    rb"|(?P<name>/[^" + _WS + _DELIM + rb"]*)"
    rb"|(?P<numbers>\[(?:[" + _WS + rb"]*[+-]?(?:\d+\.?\d*|\.\d+)" + _END + rb")*[" + _WS + rb"]*\])"
    rb"|(?P<open><<|\[)|(?P<close>>>|\])"
    rb"|(?P<string>\((?:[^()\\]|\\.)*\))"
    rb"|(?P<atom>(?:[+-]?(?:\d+\.?\d*|\.\d+)|true|false|null)" + _END + rb")"
    rb"|(?P<hex><[0-9A-Fa-f" + _WS + rb"]*>)"
    rb"|(?P<comment>%[^\r\n]*)"
    rb"|(?P<paren>\()"
    rb")", re.S)
_PARENS = re.compile(rb"[()\\]")
# The fast reading of an object without strings or comments (`plain`): every byte in one of these tokens
# (references of generation 0 only), then the references found by a search (in such bytes each match of
# _REF is a reference: a lone R is no token), the brackets (no hex strings: each < or > one of a pair).
_PLAIN = re.compile(
    rb"(?:[" + _WS + rb"]*(?:\d+[" + _WS + rb"]+0[" + _WS + rb"]+R" + _END + rb"|/[^" + _WS + _DELIM + rb"]*"
    rb"|<<|>>|\[|\]|(?:[+-]?(?:\d+\.?\d*|\.\d+)|true|false|null)" + _END + rb"))*[" + _WS + rb"]*")
_REF = re.compile(rb"(\d+)[" + _WS + rb"]+0[" + _WS + rb"]+R")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"<>[]")
_OBJ = re.compile(rb"[" + _WS + rb"]*(\d+)[" + _WS + rb"]+(\d+)[" + _WS + rb"]+obj" + _END)
_AFTER = re.compile(rb"[" + _WS + rb"]*(endobj|stream(?:\r\n|\n))")
_ENDSTREAM = re.compile(rb"(?:\r\n|\n|\r)?endstream" + _END)
_STARTXREF = re.compile(rb"startxref[" + _WS + rb"]+(\d+)[" + _WS + rb"]+%%EOF[" + _WS + rb"]*\Z")
_HEADER = re.compile(rb"%PDF-\d\.\d")
_SUBSECTION = re.compile(rb"(\d+) (\d+)[" + _WS + rb"]*\n")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \r| \n|\r\n)")


class Unknown(Exception):
    """What this reader does not know: read the file with pypdf."""


class Ref(int):
    """A reference to an object (its number) among the values `value` gives."""


class Numbers(bytes):
    """An array of numbers only, among the values `value` gives: its text (`_numbers` reads it)."""


class TexPdf:
    """The objects of a PDF that pdfTeX wrote (`Unknown` if it is not one this reader knows)."""

    def __init__(self, data: bytes):
        self.data = data
        header = _HEADER.match(data)
        if header is None:
            raise Unknown("no header")
        self.version = header.group()
        end = _STARTXREF.search(data, max(0, len(data) - 64))
        if end is None:
            raise Unknown("no startxref at the end")
        self.where: dict[int, int | tuple[int, int]] = {}  # number -> offset, or (object stream, index)
        self.streams: dict[int, tuple] = {}  # object stream -> (data, offsets, ends or None)
        self.located: dict[int, tuple] = {}
        start = int(end.group(1))
        if data.startswith(b"xref", start):
            trailer = self._table(start + 4)
        else:
            trailer = self._xref_stream(start)
        if "/Prev" in trailer or "/Encrypt" in trailer:
            raise Unknown("an incremental update or encryption")
        self.size = _int(trailer.get("/Size"))
        root, info = trailer.get("/Root"), trailer.get("/Info")
        if not isinstance(root, Ref) or not (info is None or isinstance(info, Ref)):
            raise Unknown("no /Root")
        self.info = info
        catalog = self.value(root)
        if not isinstance(catalog, dict) or catalog.get("/Type") != b"/Catalog":
            raise Unknown("no catalog")
        self.pages: list[int] = []
        self._tree(catalog.get("/Pages"), set())

    # the cross-reference: a classic table, or pdfTeX's xref stream (no predictor)
    def _table(self, pos: int) -> dict:
        data = self.data
        while True:
            found = _SUBSECTION.match(data, _skip(data, pos))
            if found is None:
                break
            first, count = int(found.group(1)), int(found.group(2))
            pos = found.end()
            for number in range(first, first + count):
                entry = _ENTRY.match(data, pos)
                if entry is None:
                    raise Unknown("a bad xref entry")
                pos = entry.end()
                if entry.group(3) == b"n":
                    if int(entry.group(2)) != 0:
                        raise Unknown("a generation other than 0")
                    self.where.setdefault(number, int(entry.group(1)))
        pos = _skip(data, pos)
        if not data.startswith(b"trailer", pos):
            raise Unknown("no trailer")
        trailer, _ = self._parse(data, pos + 7, None)
        if not isinstance(trailer, dict) or "/XRefStm" in trailer:
            raise Unknown("a bad trailer")
        return trailer

    def _xref_stream(self, pos: int) -> dict:
        _, head, stream, *_ = self._object_at(pos)
        if not isinstance(head, dict) or head.get("/Type") != b"/XRef" or stream is None:
            raise Unknown("no xref stream")
        table = _decoded(head, self.data[stream[0]:stream[1]])
        widths = _numbers(head.get("/W"))
        if not (isinstance(widths, list) and len(widths) == 3 and all(type(w) is int and 0 <= w <= 8
                                                                      for w in widths)):
            raise Unknown("a bad /W")
        size = _int(head.get("/Size"))
        index = _numbers(head.get("/Index", [0, size]))
        if not (isinstance(index, list) and len(index) % 2 == 0 and all(type(i) is int for i in index)):
            raise Unknown("a bad /Index")
        a, b, c = widths
        row = a + b + c
        pos = 0
        for first, count in zip(index[::2], index[1::2]):
            if pos + count * row > len(table):
                raise Unknown("a short xref stream")
            for number in range(first, first + count):
                kind = int.from_bytes(table[pos:pos + a], "big") if a else 1
                field = int.from_bytes(table[pos + a:pos + a + b], "big")
                other = int.from_bytes(table[pos + a + b:pos + row], "big")
                pos += row
                if kind == 1:
                    if other != 0:
                        raise Unknown("a generation other than 0")
                    self.where.setdefault(number, field)
                elif kind == 2:
                    self.where.setdefault(number, (field, other))
                elif kind != 0:
                    raise Unknown("an xref entry of another type")
        return head

    def _tree(self, node, seen: set) -> None:
        """The pages under a node of the page tree, in order."""
        if not isinstance(node, Ref) or node in seen:
            raise Unknown("a bad page tree")
        seen.add(node)
        value = self.value(node)
        kind = value.get("/Type") if isinstance(value, dict) else None
        if kind == b"/Page":
            self.pages.append(int(node))
        elif kind == b"/Pages" and isinstance(_numbers(value.get("/Kids")), list):
            for kid in _numbers(value["/Kids"]):
                self._tree(kid, seen)
        else:
            raise Unknown("a bad page tree")

    # objects
    def _object_at(self, pos: int):
        """(number, value, stream span or None, top-level dict spans, value span, references) of the
        object `N 0 obj` at pos."""
        data = self.data
        found = _OBJ.match(data, pos)
        if found is None or found.group(2) != b"0":
            raise Unknown("no object where the xref says")
        spans: dict = {}
        refs: list = []
        start = _skip(data, found.end())
        value, end = self._parse(data, start, spans, refs)
        after = _AFTER.match(data, end)
        if after is None:
            raise Unknown("no endobj")
        stream = None
        if after.group(1) != b"endobj":
            if not isinstance(value, dict):
                raise Unknown("a stream without a dictionary")
            length = value.get("/Length")
            if isinstance(length, Ref):
                length = self.value(length)
            if type(length) is not int or length < 0:
                raise Unknown("a stream without a length")
            stream = (after.end(), after.end() + length)
            if _ENDSTREAM.match(data, stream[1]) is None:
                raise Unknown("a stream's /Length does not end it")
        return int(found.group(1)), value, stream, spans, (start, end), refs

    def locate(self, number: int):
        """(data, value, stream span or None, top-level dict spans, value span, references) of object
        `number` (kept: the pages are read for the page tree, and again for their pieces)."""
        if number not in self.located:
            self.located[number] = self._locate(number)
        return self.located[number]

    def _locate(self, number: int):
        where = self.where.get(number)
        if where is None:
            raise Unknown("an object the xref does not have")
        if type(where) is int:
            found, *rest = self._object_at(where)
            if found != number:
                raise Unknown("another object where the xref says")
            return (self.data, *rest)
        holder, index = where
        data, offsets, ends = self._object_stream(holder)
        if index >= len(offsets):
            raise Unknown("an object stream's index")
        spans: dict = {}
        refs: list = []
        start = _skip(data, offsets[index])
        value, end = self._parse(data, start, spans, refs)
        if ends[index] is not None and data[end:ends[index]].strip(_SPACE):
            raise Unknown("more than one value in an object stream's object")
        return data, value, None, spans, (start, end), refs

    def _object_stream(self, number: int):
        if number not in self.streams:
            where = self.where.get(number)
            if type(where) is not int:
                raise Unknown("an object stream not in the file's body")
            found, head, stream, *_ = self._object_at(where)
            if found != number or not isinstance(head, dict) or head.get("/Type") != b"/ObjStm" or stream is None:
                raise Unknown("no object stream")
            data = _decoded(head, self.data[stream[0]:stream[1]])
            count, first = _int(head.get("/N")), _int(head.get("/First"))
            numbers = data[:first].split()
            if len(numbers) != 2 * count or not all(n.isdigit() for n in numbers):
                raise Unknown("an object stream's header")
            offsets = []
            for k in range(count):
                if self.where.get(int(numbers[2 * k])) != (number, k):
                    raise Unknown("an object stream's object not where the xref says")
                offsets.append(first + int(numbers[2 * k + 1]))
            ends = offsets[1:] + [len(data)]
            if any(end < start for start, end in zip(offsets, ends)):
                ends = [None] * count  # not in order: each object read by the tokeniser
            self.streams[number] = (data, offsets, ends)
        return self.streams[number]

    def value(self, number: int):
        """Object `number` as Python values (dict of names, list, int, float, Ref, Numbers: an array of
        numbers only, bytes for the rest)."""
        return self.locate(number)[1]

    def pieces(self, number: int, page: bool = False) -> tuple[tuple, set]:
        """Object `number` as the split writes it (module docstring), and the objects it refers to."""
        where = self.where.get(number)
        if not page and type(where) is tuple:
            found = self._plain(*where)
            if found is not None:
                return found
        data, value, stream, spans, (start, end), refs = self.locate(number)
        cuts = list(refs)  # (start, end, replacement: an int for a reference, or bytes)
        if page and "/Parent" in spans:
            cuts.append((*spans["/Parent"][1:], b"1 0 R"))
        if stream is not None:
            if "/Length" not in spans or data[end - 2:end] != b">>":
                raise Unknown("a stream dictionary of another shape")
            cuts.append((spans["/Length"][0], spans["/Length"][2], b""))
        cuts.sort(key=lambda cut: (cut[0], -cut[1], type(cut[2]) is int))  # an entry cut out before its reference
        out: list = []
        run: list = []
        pos = start
        for at, stop, what in cuts:
            if at < pos:  # a reference inside an entry cut out (/Parent, /Length): gone with it
                continue
            run.append(data[pos:at])
            if type(what) is int:
                out.append(b"".join(run))
                out.append(what)
                run = []
            else:
                run.append(what)
            pos = stop
        if stream is None:
            run.append(data[pos:end])
        else:  # the dictionary up to its `>>`, then the stream's length, data and end
            run.append(data[pos:end - 2])
            run.append(b"/Length %d>>\nstream\n" % (stream[1] - stream[0]))
            run.append(data[stream[0]:stream[1]])
            run.append(b"\nendstream")
        out.append(b"".join(run))
        return tuple(p for p in out if p != b""), {p for p in out if type(p) is int}

    def _plain(self, holder: int, index: int) -> tuple[tuple, set] | None:
        """`pieces` of an object of an object stream without strings, comments or hex strings: its bytes
        checked in one match (every byte in a token, one value), its references found by a search; None
        for the tokeniser to read (a string, anything unsure)."""
        data, offsets, ends = self._object_stream(holder)
        if index >= len(offsets) or ends[index] is None:
            return None
        chunk = data[offsets[index]:ends[index]].strip(_SPACE)
        if (b"(" in chunk or b"%" in chunk or chunk.count(b"<") != 2 * chunk.count(b"<<")
                or chunk.count(b">") != 2 * chunk.count(b">>") or not _PLAIN.fullmatch(chunk)):
            return None
        # its brackets alone, << and >> as < and >: one pair around pairs that nest (one value)
        shape = chunk.translate(None, _NOT_BRACKETS).replace(b"<<", b"<").replace(b">>", b">")
        if shape[:1] + shape[-1:] not in (b"<>", b"[]") or not chunk.startswith(b"<<" if shape[0] == 60 else b"[") \
                or not chunk.endswith(b">>" if shape[-1] == 62 else b"]"):
            return None
        inner = shape[1:-1]
        while inner:
            fewer = inner.replace(b"<>", b"").replace(b"[]", b"")
            if fewer == inner:
                return None  # closed wrong
            inner = fewer
        parts = _REF.split(chunk)  # bytes, number, bytes, number ...
        parts[1::2] = map(int, parts[1::2])
        return tuple(p for p in parts if p != b""), set(parts[1::2])

    # the tokeniser
    def _parse(self, data: bytes, pos: int, spans: dict | None, refs: list | None = None):
        """(value, end) of the one value at `pos`; the spans (key start, value start, value end) of the
        entries of a top-level dictionary into `spans`; (start, end, number) of every reference into
        `refs`."""
        stack: list = []  # [container, pending key, key start] of the open dictionaries and arrays
        while True:
            token = _TOKEN.match(data, pos)
            if token is None:
                raise Unknown("a token this reader does not know at %d" % pos)
            kind = token.lastgroup
            begin = token.start(kind)
            pos = token.end()
            if kind == "comment":
                continue
            if kind == "ref":
                if token.group("gen") != b"0":
                    raise Unknown("a generation other than 0")
                value = Ref(int(token.group("num")))
                if refs is not None:
                    refs.append((begin, pos, int(value)))
            elif kind == "name":
                value = token.group(kind)
                if stack and type(stack[-1][0]) is dict and stack[-1][1] is None:  # a key
                    stack[-1][1], stack[-1][2] = value.decode("latin-1"), begin
                    continue
            elif kind == "open":
                stack.append([{} if token.group(kind) == b"<<" else [], None, 0, begin])
                continue
            elif kind == "close":
                if not stack:
                    raise Unknown("a bracket closed that was not open")
                container, key, _, begin = stack.pop()
                if (type(container) is dict) != (token.group(kind) == b">>") or key is not None:
                    raise Unknown("a bracket closed that was not open")
                value = container
            elif kind == "atom":
                text = token.group(kind)
                value = _KEYWORDS[text] if text in _KEYWORDS else _number(text)
            elif kind == "numbers":  # an array of numbers only (a /Widths, a /MediaBox), in one match
                value = Numbers(token.group(kind))
            elif kind == "paren":
                pos = _string_end(data, begin)
                value = data[begin:pos]
            else:  # string, hex
                value = token.group(kind)
            if not stack:
                return value, pos
            top = stack[-1]
            if type(top[0]) is dict:
                if top[1] is None:
                    raise Unknown("a dictionary key that is not a name")
                top[0][top[1]] = value
                if spans is not None and len(stack) == 1:
                    spans[top[1]] = (top[2], begin, pos)
                top[1] = None
            else:
                top[0].append(value)


def _string_end(data: bytes, start: int) -> int:
    """The end of the literal string at `start` (its `(`): parentheses nest, a backslash escapes."""
    depth, pos = 0, start
    while True:
        found = _PARENS.search(data, pos)
        if found is None:
            raise Unknown("a string that does not end")
        char = found.group()
        pos = found.end()
        if char == b"\\":
            pos += 1
        elif char == b"(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos


_KEYWORDS = {b"true": True, b"false": False, b"null": None}


def _numbers(value):
    """A value, an array of numbers read as a list."""
    return [_number(text) for text in value[1:-1].split()] if isinstance(value, Numbers) else value


def _number(text: bytes) -> int | float:
    return int(text) if text.isdigit() or (text[:1] in b"+-" and text[1:].isdigit()) else float(text)


def _skip(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in _SPACE:
        pos += 1
    return pos


def _int(value) -> int:
    if type(value) is not int or value < 0:
        raise Unknown("a count that is not a number")
    return value


def _decoded(head: dict, raw: bytes) -> bytes:
    """A stream's data, decoded: pdfTeX's Flate without a predictor, or none."""
    if "/DecodeParms" in head:
        raise Unknown("a predictor")
    flate = head.get("/Filter")
    if flate is None:
        return raw
    if flate != b"/FlateDecode":
        raise Unknown("a filter other than Flate")
    try:
        return zlib.decompress(raw)
    except zlib.error as exc:
        raise Unknown("bad Flate data") from exc
