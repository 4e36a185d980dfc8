"""Stage 1b: from a loaded Document to a validated Spec of Problems.

Top-level fields and each problem's common fields (kind, id, statement, params) are checked here;
each kind's own fields by that kind's pydantic model. Every error is a Diagnostic with its position;
all of them are gathered before anything stops.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp
import yaml
from pydantic import BaseModel, ValidationError

from . import expr as exprmod, schema
from .errors import Collector, Diagnostic, SpecError, UsageError, Where
from .kinds import KINDS, Kind
from .loader import Document


# TeX primitives and LaTeX commands that reach outside the document (files, the shell, Lua) or change
# how TeX reads (catcodes, definitions, names built from text): refused in statements. Ordinary math and
# text LaTeX (\frac, \mathbb, \text, \left, \sum, \operatorname, \emph, \textbf, itemize...) stays usable.
FORBIDDEN_TEX = re.compile(
    r"\\(input|include|includeonly|InputIfFileExists|IfFileExists|@input|@iinput|@@input|"
    r"@addtofilelist|openin|openout|closein|closeout|read|readline|write|immediate|catcode|"
    r"special|directlua|latelua|luadirect|luaexec|luacode|ShellEscape|DelayedShellEscape|shellescape|"
    r"pdfshellescape|ShellEscapeStatus|newread|newwrite|csname|UseName|ExpandArgs|ExplSyntaxOn|"
    r"usepackage|RequirePackage|documentclass|def|edef|gdef|xdef|let|futurelet|global|"
    r"lccode|uccode|sfcode|mathcode|delcode|endinput|scantokens|everyeof|everyjob|makeatletter|"
    r"verbatiminput|VerbatimInput|lstinputlisting|inputminted|includegraphics|includepdf|import|"
    r"subimport|subfile|pdfximage|pdfobj|pdffiledump|filedump|pdfmdfivesum|mdfivesum|pdffilesize|"
    r"filesize|pdffilemoddate|filemoddate|XeTeXpdffile|XeTeXpicfile|openany|jobname|"
    # ending the run early, or macros that can call themselves forever
    r"stop|bye|dump|batchmode|nonstopmode|scrollmode|errorstopmode|loop|repeat|newcommand|renewcommand|"
    r"providecommand|DeclareRobustCommand|NewDocumentCommand|RenewDocumentCommand|ProvideDocumentCommand|"
    r"DeclareDocumentCommand|NewExpandableDocumentCommand|newenvironment|renewenvironment|"
    r"end\s*\{\s*document)(?![A-Za-z])"
    # TeX's character-code notation (^^5c is a backslash, ^^M a line end) can spell any of the above
    r"|\^\^(?:[0-9a-f]{2}|.)?", re.DOTALL)


@dataclass(frozen=True, eq=False)
class Problem:
    """One validated problem (the record the validation stage hands on; later stages only read it)."""

    number: int
    id: str
    kind: Kind
    statement: str | None
    fields: BaseModel  # the kind's fields (a frozen pydantic model)
    params: dict[str, sp.Expr]
    doc: Document
    path: tuple
    conditions: tuple = ()  # `where:` constraints on drawn values (variants.py)

    @functools.cached_property
    def statement_tex(self) -> str | None:
        """The statement with its <<values>> filled in (statement.py); a SpecError names a missing one."""
        from .statement import fill

        return fill(self)

    @property
    def label(self) -> str:
        return f"problem {self.number} ({self.id})"

    def where(self, *field_path) -> Where:
        return self.doc.where(self.path + tuple(field_path), self.label,
                              ".".join(str(f) for f in field_path) or None)

    def error(self, field_path, message: str, hint: str | None = None) -> SpecError:
        if isinstance(field_path, str):
            field_path = tuple(field_path.split(".")) if field_path else ()
        return SpecError(Diagnostic(self.where(*field_path), message, hint))

    def expr(self, field_path, scope: exprmod.Scope | None = None, text=None) -> sp.Expr:
        """Parse the expression at `field_path` (or `text`), reporting errors at its position."""
        if isinstance(field_path, str):
            field_path = tuple(field_path.split("."))
        if text is None:
            text = _get(self.doc.data, self.path + tuple(field_path))
        scope = scope or exprmod.Scope()
        scope.values = {**self.params, **scope.values}
        try:
            return exprmod.parse(text, scope)
        except exprmod.ExprError as exc:
            where = self.where(*field_path)
            if where.line is not None:  # read from the file: the fault's own line and column there
                offset = exc.offset if exc.offset is not None else _text_offset(text, exc.line, exc.col)
                pos = self.doc.text_position(self.path + tuple(field_path), offset, text) \
                    if isinstance(text, str) else None
                if pos is not None:
                    where = Where(where.file, pos[0], pos[1], where.problem, where.field)
                elif where.col is not None and exc.line == 1 and exc.col > 1:  # a value not as written
                    where = Where(where.file, where.line, where.col + exc.col - 1, where.problem, where.field)
            raise SpecError(Diagnostic(where, exc.message, exc.hint)) from None


def _text_offset(text, line: int, col: int) -> int:
    """The 0-based character offset of a 1-based line and column of `text`."""
    if not isinstance(text, str):
        return col - 1
    lines = text.split("\n")
    return sum(len(part) + 1 for part in lines[: max(0, line - 1)]) + col - 1


@dataclass(frozen=True, eq=False)
class Spec:
    file: str
    name: str
    title: str
    author: str | None
    date: str | None
    problems: list[Problem]
    doc: Document
    seed: int | None = None
    student: dict | None = None


def _get(data, path):
    for p in path:
        data = data[p]
    return data




def apply_overrides(doc: Document, sets: list[str]) -> None:
    """Apply --set PROBLEM.FIELD=VALUE overrides to the raw data (before draws and validation)."""
    problems = doc.data.get("problems") if isinstance(doc.data, dict) else None
    for item in sets:
        if "=" not in item:
            raise UsageError(f"--set {item}: expected PROBLEM.FIELD=VALUE")
        target, text = item.split("=", 1)
        parts = target.strip().split(".")
        if len(parts) < 2 or not all(parts):
            raise UsageError(f"--set {item}: expected PROBLEM.FIELD=VALUE, e.g. 4.inputs.z=7")
        if not isinstance(problems, list):
            raise UsageError(f"--set {item}: the spec has no problems")
        index = None
        if parts[0].isdigit() and 1 <= int(parts[0]) <= len(problems):
            index = int(parts[0]) - 1
        else:
            for i, p in enumerate(problems):
                if isinstance(p, dict) and str(p.get("id")) == parts[0]:
                    index = i
        if index is None:
            ids = [str(p.get("id")) for p in problems if isinstance(p, dict) and p.get("id")]
            raise UsageError(f"--set {item}: there is no problem '{parts[0]}' "
                             f"(numbers 1-{len(problems)}" + (f", ids {', '.join(ids)})" if ids else ")"))
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            raise UsageError(f"--set {item}: the value is not a valid YAML scalar") from None
        if isinstance(value, (dict, list)) and not text.strip().startswith(("{", "[")):
            value = text
        node = problems[index]
        path = ("problems", index)
        for depth, key in enumerate(parts[1:]):
            last = depth == len(parts) - 2
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                key = int(key)
            elif not isinstance(node, dict) or (not last and key not in node):
                raise UsageError(f"--set {item}: problem {index + 1} has no field "
                                 f"'{'.'.join(parts[1:depth + 2])}'")
            path += (key,)
            if last:
                node[key] = value
            else:
                node = node[key]
        doc.overridden[path] = item


def build(doc: Document, name: str, collect: Collector | None = None) -> Spec:
    """Validate the spec against its schema (schema.py: the top level, then each problem as a union on its
    kind), then what a schema cannot say (TeX in statements, duplicate ids). With `collect`, the errors are
    added to it and the valid problems returned; without, any error is raised."""
    errors = collect if collect is not None else Collector()
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError(Diagnostic(doc.where(()), "a spec is a mapping with title and problems"))
    top = None
    try:
        top = schema.Top.model_validate(data)
    except ValidationError as exc:
        errors.diagnostics.extend(schema.diagnostics(
            exc, data, lambda loc, field, key=False: doc.where(tuple(loc), None, field, key=key), schema.Top,
            top_level=True))
    problems: list[Problem] = []
    raw_problems = data.get("problems")
    if isinstance(raw_problems, list):
        ids: dict[str, int] = {}
        for i, raw in enumerate(raw_problems):
            problem = _problem(doc, i, raw, errors)
            if problem is None:
                continue
            if problem.id in ids:
                errors.add(problem.where("id"), f"duplicate id '{problem.id}'",
                           f"problem {ids[problem.id]} has it too")
            ids[problem.id] = problem.number
            problems.append(problem)
    if collect is None:
        errors.raise_if_any()
    texts = {key: (None if top is None or getattr(top, key) is None else str(getattr(top, key)))
             for key in ("title", "author", "date")}
    return Spec(doc.file, name, texts["title"], texts["author"], texts["date"], problems, doc)


def _problem(doc: Document, i: int, raw: Any, errors: Collector) -> Problem | None:
    path = ("problems", i)
    number = i + 1
    if not isinstance(raw, dict):
        errors.add(doc.where(path, f"problem {number}"), f"expected a mapping with a kind, got {schema.type_name(raw)}")
        return None
    pid = raw.get("id", str(number))
    label = f"problem {number} ({pid})"  # as written, also when the id itself is at fault
    if not (isinstance(pid, str) and schema.ID_RE.match(pid)):
        pid = str(number)
    kind_name = raw.get("kind")
    # the union's discriminator: a problem without a kind, or of a kind that does not exist
    if kind_name is None:
        errors.add(doc.where(path, label, "kind"), "missing required field",
                   "valid kinds: " + ", ".join(sorted(KINDS)))
        return None
    if kind_name not in KINDS:
        errors.add(doc.where(path + ("kind",), label, "kind"), f"unknown kind '{kind_name}'",
                   schema.close_kinds(kind_name))
        return None
    try:  # the union's member (its tag checked above); the kind's fields with the common ones
        fields = schema.problem_model(kind_name).model_validate(raw)
    except ValidationError as exc:
        errors.diagnostics.extend(schema.diagnostics(
            exc, raw, lambda loc, field, key=False: doc.where(path + tuple(loc), label, field, key=key),
            schema.problem_model(kind_name)))
        return None
    kind = KINDS[kind_name]
    statement = raw.get("statement")
    if statement is not None:
        _statement_tex(doc, path, label, statement, errors)
    params: dict[str, sp.Expr] = {}
    for key, value in raw.get("params", {}).items():
        try:
            params[key] = exprmod.parse(repr(value))
        except exprmod.ExprError as exc:
            errors.add(doc.where(path + ("params", key), label, f"params.{key}"), exc.message, exc.hint)
    where = raw.get("where", [])
    where = [where] if isinstance(where, str) else where
    return Problem(number, pid, kind, statement, fields, params, doc, path, tuple(where))


def _statement_tex(doc: Document, path: tuple, label: str, statement: str, errors: Collector) -> None:
    """TeX in a statement that reaches outside the document or changes how TeX reads: an error at the
    command's own line and column."""
    for m in FORBIDDEN_TEX.finditer(statement):
        where = doc.where(path + ("statement",), label, "statement")
        pos = doc.text_position(path + ("statement",), m.start(), statement)
        if pos is not None and where.line is not None:
            where = Where(where.file, pos[0], pos[1], label, "statement")
        elif where.line is not None:  # not mappable: the line at least, counted from the start
            line = where.line + statement.count("\n", 0, m.start()) + (1 if "\n" in statement else 0)
            where = Where(where.file, line, None, label, "statement")
        if m.group(0).startswith("^^"):
            errors.add(where, f"the TeX command {m.group(0)} (TeX's character-code notation) is not "
                              "allowed in a statement",
                       "^^ can spell any character, including a backslash; write the character itself")
        else:
            errors.add(where, f"the TeX command {m.group(0)} is not allowed in a statement",
                       "statements may use math and text formatting, not commands that read or "
                       "write files, run programs, change how TeX reads, define macros or end the run")


def spec_name(path: str | Path) -> str:
    return Path(path).stem
