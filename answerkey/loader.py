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
_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
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
        index = _source_index(self.text, scalar, offset)
        return None if index is None else _text_line_col(self.text, index)

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


def _as_written(piece: str, style: str | None) -> str:
    """A piece of a scalar's value as it is written in the scalar's style ('' in single quotes, \\ and \"
    in double quotes); other escapes and folds are not undone (such a piece is then not found)."""
    if style == "'":
        return piece.replace("'", "''")
    if style == '"':
        return piece.replace("\\", "\\\\").replace('"', '\\"')
    return piece


def _source_index(text: str, scalar: Scalar, offset: int) -> int | None:
    """The index in `text` that character `offset` of a scalar's value was read from: the run of
    non-blank characters around it, as written, looked up in the scalar's own source (the same
    occurrence as in the value). PyYAML reads the value; this only finds it again. None where the run is
    not written as itself (an escape such as \x41 in it)."""
    value = scalar.value
    if not value.strip():
        return None
    past = offset >= len(value.rstrip())  # at or after the end: just after the last character
    offset = len(value.rstrip()) - 1 if past else max(0, offset)
    while value[offset].isspace():  # a blank: the next character that is not
        offset += 1
    start = offset
    while start > 0 and not value[start - 1].isspace():
        start -= 1
    end = start
    while end < len(value) and not value[end].isspace():
        end += 1
    run = value[start:end]
    occurrence = len(_starts(value, run, start + 1))
    found = _starts(text[scalar.start:scalar.end], _as_written(run, scalar.style))
    if len(found) < occurrence:
        return None
    return scalar.start + found[occurrence - 1] + len(_as_written(value[start:offset], scalar.style)) + past


def _starts(text: str, piece: str, limit: int | None = None) -> list[int]:
    """Where `piece` starts in `text` (overlaps counted), below `limit`."""
    out, i = [], text.find(piece)
    while i >= 0 and (limit is None or i < limit):
        out.append(i)
        i = text.find(piece, i + 1)
    return out


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
