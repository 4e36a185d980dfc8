"""Stage 1: read a spec file into plain data, remembering where every value came from.

PyYAML composes the file into nodes that carry their marks; we convert those nodes ourselves so that
duplicate keys and aliases are caught (an alias bomb is refused before anything is expanded) and every
value's `file:line:col` is kept in `Document.positions`, keyed by its path in the data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Collector, Diagnostic, SpecError, Where

Key = tuple  # a path into the data: ("problems", 3, "inputs", "z")

MAX_BYTES = 1_000_000
MAX_NODES = 100_000


@dataclass
class Document:
    """A spec file as plain data plus the position of every value and key."""

    file: str
    data: Any
    positions: dict[Key, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Key, tuple[int, int]] = field(default_factory=dict)
    overridden: dict[Key, str] = field(default_factory=dict)  # path -> the --set text that gave it

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


class _Converter:
    def __init__(self, file: str):
        self.file = file
        self.doc = Document(file, None)
        self.errors = Collector()
        self.seen: set[int] = set()
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def error(self, node, message: str, hint: str | None = None) -> None:
        line, col = _mark(node)
        self.errors.add(Where(self.file, line, col), message, hint)

    def convert(self, node, path: Key) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(Diagnostic(Where(self.file, *_mark(node)),
                                       f"the spec is too large (more than {MAX_NODES} values)"))
        if id(node) in self.seen:
            self.error(node, "YAML anchors and aliases (&name, *name) are not supported; write the value out")
            return None
        self.seen.add(id(node))
        self.doc.positions[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(key_node, "a key must be a plain name")
                    continue
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.error(key_node, "YAML merge keys (<<) are not supported")
                    continue
                key = str(self.constructor.construct_object(key_node))
                if key in out:
                    first = self.doc.key_positions[path + (key,)]
                    self.error(key_node, f"duplicate key '{key}'",
                               f"first given at line {first[0]}")
                    continue
                self.doc.key_positions[path + (key,)] = _mark(key_node)
                out[key] = self.convert(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.tag.startswith("tag:yaml.org,2002:"):
            try:
                value = self.constructor.construct_object(node)
            except yaml.YAMLError as exc:
                self.error(node, f"cannot read this value: {getattr(exc, 'problem', exc)}")
                return None
            if not isinstance(value, (str, int, float, bool, type(None))):
                return node.value  # a date or timestamp: keep it as written
            return value
        self.error(node, f"unsupported YAML tag {node.tag}")
        return None


def load_text(text: str, file: str) -> Document:
    """Parse YAML text into a Document; every problem is a SpecError with its position."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark) if mark else (None, None)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(Diagnostic(Where(file, line, col), f"invalid YAML: {problem}")) from None
    except yaml.YAMLError as exc:
        raise SpecError(Diagnostic(Where(file), f"invalid YAML: {exc}")) from None
    if node is None:
        raise SpecError(Diagnostic(Where(file, 1, 1), "the spec is empty"))
    conv = _Converter(file)
    conv.doc.data = conv.convert(node, ())
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
