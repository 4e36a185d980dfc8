"""Stage 1: read a spec file into plain data, remembering where every value came from.

PyYAML composes the file into nodes that carry their marks; we convert those nodes ourselves so that
duplicate keys and aliases are caught (an alias bomb is refused before anything is expanded) and every
value's `file:line:col` is kept in `Document.positions`, keyed by its path in the data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Collector, Diagnostic, SpecError, Where

Key = tuple  # a path into the data: ("problems", 3, "inputs", "z")

MAX_BYTES = 1_000_000
MAX_NODES = 100_000

MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_BREAKS = "\r\n\x85\u2028\u2029"  # what YAML reads as a line break
_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_ESCAPES = {"0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "\\": "\\", "/": "/", "N": "\x85", "_": "\xa0",
            "L": "\u2028", "P": "\u2029"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
# what PyYAML's constructors raise for a standard tag on a value it cannot take (!!int abc, !!timestamp x)
_CONSTRUCT_ERRORS = (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError)


@dataclass
class Scalar:
    """Where a scalar value's text is in the file: its YAML style (None plain, ' or " quoted, | or >
    block), its value as read, and the character span of the node (from its tag or indicator)."""

    style: str | None
    value: str
    start: int
    end: int


class Positions(dict):
    """Path -> (line, col) of every value; it also carries the source text and its scalars, so that a
    Document made from another's positions (the canonical build's, a variant's: same positions, other
    data) can still place a fault inside a value."""

    def __init__(self, *args, text: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.text = text
        self.scalars: dict[Key, Scalar] = {}


@dataclass
class Document:
    """A spec file as plain data plus the position of every value and key."""

    file: str
    data: Any
    positions: dict[Key, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Key, tuple[int, int]] = field(default_factory=dict)
    overridden: dict[Key, str] = field(default_factory=dict)  # path -> the --set text that gave it
    text: str | None = None  # the source text, for positions inside a scalar's value
    scalars: dict[Key, Scalar] | None = None  # path -> its scalar as written
    _maps: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.text is None:
            self.text = getattr(self.positions, "text", None)
        if self.scalars is None:
            self.scalars = getattr(self.positions, "scalars", {})

    def text_position(self, path: Key, offset: int, value: str | None = None) -> tuple[int, int] | None:
        """The file's 1-based (line, column) of character `offset` of the string at `path`, whatever its
        YAML style (plain, quoted, block, over several lines); None if the value did not come from the
        file as it is (set with --set, drawn, or `value` given and not the one read) or cannot be mapped."""
        path = tuple(path)
        scalar = self.scalars.get(path)
        if scalar is None or self.text is None or (value is not None and value != scalar.value) \
                or any(path[:n] in self.overridden for n in range(len(path) + 1)):
            return None
        if path not in self._maps:
            self._maps[path] = _scalar_map(self.text, scalar)
        index_map = self._maps[path]
        if index_map is None:
            return None
        return _text_line_col(self.text, index_map[max(0, min(offset, len(index_map) - 1))])

    def position(self, path: Key) -> tuple[int, int] | None:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]

    def where(self, path: Key, problem: str | None = None, field_name: str | None = None,
              key: bool = False) -> Where:
        path = tuple(path)
        for n in range(len(path), -1, -1):
            if path[:n] in self.overridden:
                return Where(f"--set {self.overridden[path[:n]]}", None, None, problem, field_name)
        pos = self.key_positions.get(path) if key else None
        pos = pos or self.position(path)
        line, col = pos if pos else (None, None)
        return Where(self.file, line, col, problem, field_name)


def _mark(node_or_mark) -> tuple[int, int]:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return mark.line + 1, mark.column + 1


def _text_line_col(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of a character index of the source, counted as PyYAML counts its marks."""
    breaks = list(_BREAK_RE.finditer(text, 0, index))
    line_start = breaks[-1].end() if breaks else 0
    if index > 0 and text[index - 1] == "\r" and index < len(text) and text[index] == "\n":
        line_start = index  # on the \n of a \r\n: still the line the \r ends
    return len(breaks) + 1, index - line_start - text.count("\ufeff", line_start, index) + 1


def _scalar_map(text: str, scalar: Scalar) -> list[int] | None:
    """For each character of a scalar's value (and one past its end), the index in `text` it was read
    from; None if re-reading the source does not give the value (then positions stay coarse)."""
    i = scalar.start
    while i < scalar.end and text[i] in "!&":  # the node's tag and anchor come first
        while i < scalar.end and text[i] not in " \t" + _BREAKS:
            i += 1
        while i < scalar.end and text[i] in " \t" + _BREAKS:
            i += 1
    try:
        if scalar.style in ("|", ">"):
            chars, index = _read_block(text, i, scalar.end, scalar.style == ">")
        else:
            chars, index = _read_flow(text, i, scalar.end, scalar.style)
    except (IndexError, ValueError):
        return None
    value = scalar.value
    if "".join(chars[: len(value)]) != value:
        return None
    index = index[: len(value)]
    index.append(index[-1] + 1 if index else i)
    return index


def _break(text: str, p: int) -> tuple[str, int]:
    """The line break at `p` as YAML reads it, and the index after it."""
    if text.startswith("\r\n", p):
        return "\n", p + 2
    return ("\n" if text[p] in "\r\n\x85" else text[p]), p + 1


def _read_flow(text: str, i: int, end: int, style: str | None):
    """A plain or quoted scalar read as YAML does (line folding, '' and \\ escapes), with indices."""
    chars: list[str] = []
    index: list[int] = []
    if style in ("'", '"'):
        i, end = i + 1, end - 1  # inside the quotes
    while i < end:
        c = text[i]
        if c in " \t" or c in _BREAKS:
            j = i
            while j < end and text[j] in " \t":
                j += 1
            if j >= end or text[j] not in _BREAKS:  # spaces inside a line are kept
                chars.extend(text[i:j])
                index.extend(range(i, j))
                i = j
                continue
            first, j = _break(text, j)  # a line break, and the blank lines after it, fold
            breaks = []
            while j < end and (text[j] in " \t" or text[j] in _BREAKS):
                if text[j] in _BREAKS:
                    breaks.append(j)
                    _, j = _break(text, j)
                else:
                    j += 1
            if first != "\n":
                chars.append(first)
                index.append(i)
            elif not breaks:
                chars.append(" ")
                index.append(i)
            for b in breaks:
                chars.append(_break(text, b)[0])
                index.append(b)
            i = j
        elif style == "'" and c == "'":
            chars.append("'")
            index.append(i)
            i += 2
        elif style == '"' and c == "\\":
            n = text[i + 1]
            if n in _ESCAPES:
                chars.append(_ESCAPES[n])
                index.append(i)
                i += 2
            elif n in _HEX_ESCAPES:
                size = _HEX_ESCAPES[n]
                chars.append(chr(int(text[i + 2:i + 2 + size], 16)))
                index.append(i)
                i += 2 + size
            elif n in _BREAKS:  # an escaped line break joins the lines
                _, j = _break(text, i + 1)
                while j < end and (text[j] in " \t" or text[j] in _BREAKS):
                    if text[j] in _BREAKS:
                        chars.append(_break(text, j)[0])
                        index.append(j)
                        _, j = _break(text, j)
                    else:
                        j += 1
                i = j
            else:
                raise ValueError(n)
        else:
            chars.append(c)
            index.append(i)
            i += 1
    return chars, index


def _read_block(text: str, i: int, end: int, folded: bool):
    """A literal (|) or folded (>) block scalar read as PyYAML reads it, with indices; trailing line
    breaks are all kept (the value is a prefix of this, whatever its chomping)."""
    n = len(text)
    chars: list[str] = []
    index: list[int] = []
    p = i + 1
    explicit = False
    while p < n and text[p] in "+-0123456789":
        explicit = explicit or text[p].isdigit()
        p += 1
    while p < n and text[p] not in _BREAKS:  # the rest of the header line: spaces, a comment
        p += 1
    if p >= n:
        return chars, index
    _, p = _break(text, p)
    line_start = p

    def at(q):
        return text[q] if q < n else "\0"

    if explicit:  # the indentation is the parent's plus the indicator: take the content's own
        lines = [m for m in re.finditer(r"( *)([^ \r\n][^\r\n]*)?", text[p:end]) if m.group(2)]
        indent = min((len(m.group(1)) for m in lines), default=1)
    else:
        indent, q, start = 0, p, p
        while at(q) == " " or at(q) in _BREAKS:
            if at(q) == " ":
                q += 1
                indent = max(indent, q - start)
            else:
                _, q = _break(text, q)
                start = q
        indent = max(1, indent)

    def breaks_from(q, start):
        found = []
        while q - start < indent and at(q) == " ":
            q += 1
        while at(q) in _BREAKS:
            found.append((_break(text, q)[0], q))
            _, q = _break(text, q)
            start = q
            while q - start < indent and at(q) == " ":
                q += 1
        return found, q, start

    found, p, line_start = breaks_from(p, line_start)
    line_break = None
    while p - line_start == indent and at(p) != "\0":
        for ch, q in found:
            chars.append(ch)
            index.append(q)
        leading_non_space = at(p) not in " \t"
        q = p
        while at(q) != "\0" and at(q) not in _BREAKS:
            q += 1
        chars.extend(text[p:q])
        index.extend(range(p, q))
        p = q
        line_break = ("", p)
        if at(p) in _BREAKS:
            line_break = (_break(text, p)[0], p)
            _, p = _break(text, p)
            line_start = p
        found, p, line_start = breaks_from(p, line_start)
        if p - line_start == indent and at(p) != "\0":
            if folded and line_break[0] == "\n" and leading_non_space and at(p) not in " \t":
                if not found:
                    chars.append(" ")
                    index.append(line_break[1])
            else:
                chars.append(line_break[0])
                index.append(line_break[1])
        else:
            break
    if line_break is not None and line_break[0]:
        chars.append(line_break[0])
        index.append(line_break[1])
    for ch, q in found:
        chars.append(ch)
        index.append(q)
    return chars, index


class _Loader(yaml.SafeLoader):
    """PyYAML's safe composer, noting the first use of each alias (*name) where it is written."""

    def __init__(self, stream):
        super().__init__(stream)
        self.aliases: dict[str, yaml.Mark] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self.aliases.setdefault(event.anchor, event.start_mark)
        return super().compose_node(parent, index)


class _Converter:
    def __init__(self, file: str, text: str | None = None):
        self.file = file
        positions = Positions(text=text)
        self.doc = Document(file, None, positions, scalars=positions.scalars)
        self.errors = Collector()
        self.seen: set[int] = set()
        self.count = 0
        self.aliases_reported = False
        self.constructor = yaml.constructor.SafeConstructor()

    def error(self, node, message: str, hint: str | None = None) -> None:
        line, col = _mark(node)
        self.errors.add(Where(self.file, line, col), message, hint)

    def convert(self, node, path: Key) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(Diagnostic(Where(self.file, *_mark(node)),
                                       f"the spec is too large (more than {MAX_NODES} values)"))
        if id(node) in self.seen:  # a node met again: an alias
            if not self.aliases_reported:  # (each alias is reported once, where it is used)
                self.error(node, "YAML anchors and aliases (&name, *name) are not supported; write the value out")
            return None
        self.seen.add(id(node))
        self.doc.positions[path] = _mark(node)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.flow_style:
            cut = _cut_at_comma(node)
            if cut is not None:
                self.error(cut, f"'{cut.value}' is cut short at a comma: in YAML's flow style ({{...}} or [...]) "
                                "a comma ends an entry, even inside parentheses",
                           "write it in block style, one entry per line, or put the expression in quotes")
                return None
        if isinstance(node, yaml.MappingNode):
            if node.tag != MAP_TAG:
                self.error(node, f"unsupported YAML tag {node.tag}")
                return None
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(key_node, "a key must be a plain name")
                    continue
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.error(key_node, "YAML merge keys (<<) are not supported")
                    continue
                if not key_node.tag.startswith("tag:yaml.org,2002:"):
                    self.error(key_node, f"unsupported YAML tag {key_node.tag}")
                    continue
                try:
                    key = str(self.constructor.construct_object(key_node))
                except _CONSTRUCT_ERRORS as exc:
                    self.error(key_node, f"cannot read this key: {getattr(exc, 'problem', exc)}")
                    continue
                if key in out:
                    first = self.doc.key_positions[path + (key,)]
                    self.error(key_node, f"duplicate key '{key}'",
                               f"first given at line {first[0]}")
                    continue
                self.doc.key_positions[path + (key,)] = _mark(key_node)
                out[key] = self.convert(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ_TAG:
                self.error(node, f"unsupported YAML tag {node.tag}")
                return None
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.tag.startswith("tag:yaml.org,2002:"):
            try:
                value = self.constructor.construct_object(node)
            except _CONSTRUCT_ERRORS as exc:
                self.error(node, f"cannot read this value: {getattr(exc, 'problem', exc)}")
                return None
            if not isinstance(value, (str, int, float, bool, type(None))):
                value = node.value  # a date or timestamp: keep it as written
            if isinstance(value, str):
                self.doc.scalars[path] = Scalar(node.style, node.value, node.start_mark.index,
                                                node.end_mark.index)
            return value
        self.error(node, f"unsupported YAML tag {node.tag}")
        return None


def _cut_at_comma(node):
    """The first plain scalar of a flow collection whose brackets do not balance: an expression such as
    max(x, y) that YAML split at its comma."""
    children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
    for child in children:
        if isinstance(child, yaml.ScalarNode) and child.style is None and (
                child.value.count("(") != child.value.count(")") or child.value.count("[") != child.value.count("]")):
            return child
    return None


def _is_empty(node) -> bool:
    """No document, or one with nothing in it (only `---` or comments)."""
    return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"
                            and node.style is None and node.value == "")


def load_text(text: str, file: str) -> Document:
    """Parse YAML text into a Document; every problem is a SpecError with its position."""
    reader = _Loader(text)
    try:
        node = reader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark) if mark else (None, None)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(Diagnostic(Where(file, line, col), f"invalid YAML: {problem}")) from None
    except yaml.YAMLError as exc:
        raise SpecError(Diagnostic(Where(file), f"invalid YAML: {exc}")) from None
    finally:
        reader.dispose()
    if _is_empty(node):
        raise SpecError(Diagnostic(Where(file, 1, 1), "the spec is empty"))
    conv = _Converter(file, text)
    for anchor, mark in reader.aliases.items():  # an alias bomb is never expanded: each alias once
        conv.errors.add(Where(file, *_mark(mark)),
                        f"YAML anchors and aliases (&name, *name) are not supported; write the value out "
                        f"(*{anchor})")
    conv.aliases_reported = bool(reader.aliases)
    conv.doc.data = conv.convert(node, ())
    conv.errors.diagnostics.sort(key=lambda d: (d.where.line or 0, d.where.col or 0))
    conv.errors.raise_if_any()
    return conv.doc


def load(path: str | Path, display_name: str | None = None) -> Document:
    """Read and parse a spec file."""
    path = Path(path)
    name = display_name or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(Diagnostic(Where(name), "no such file")) from None
    except IsADirectoryError:
        raise SpecError(Diagnostic(Where(name), "is a directory, not a spec file")) from None
    except OSError as exc:
        raise SpecError(Diagnostic(Where(name), f"cannot read: {exc.strerror}")) from None
    if len(raw) > MAX_BYTES:
        raise SpecError(Diagnostic(Where(name), f"the file is larger than {MAX_BYTES} bytes"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(Diagnostic(Where(name, line, col),
                                   "the file is not UTF-8 text", "save it as UTF-8")) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return load_text(text, name)
