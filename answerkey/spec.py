"""Stage 1b: from a loaded Document to a validated Spec of Problems.

Top-level fields and each problem's common fields (kind, id, statement, params) are checked here;
each kind's own fields by that kind's pydantic model. Every error is a Diagnostic with its position;
all of them are gathered before anything stops.
"""
from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp
import yaml
from pydantic import BaseModel, ValidationError

from . import expr as exprmod
from .errors import Collector, Diagnostic, SpecError, UsageError, Where
from .kinds import KINDS, Kind
from .loader import Document

TOP_FIELDS = {"title", "author", "date", "problems"}
COMMON_FIELDS = {"kind", "id", "statement", "params", "where"}
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")

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


@dataclass
class Problem:
    number: int
    id: str
    kind: Kind
    statement: str | None
    fields: BaseModel
    params: dict[str, sp.Expr]
    doc: Document
    path: tuple
    conditions: list = field(default_factory=list)  # `where:` constraints on drawn values (variants.py)

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


@dataclass
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


def _type_name(v) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return f"the number {v}"
    if isinstance(v, str):
        return repr(v) if len(v) < 40 else "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return type(v).__name__


def pydantic_errors(exc: ValidationError, model: type[BaseModel], data: dict, problem_where) -> list[Diagnostic]:
    """Turn pydantic's errors into positioned Diagnostics, one per field."""
    out: list[Diagnostic] = []
    seen: dict[tuple, list] = {}
    for err in exc.errors():
        loc = []
        node = data
        for part in err["loc"]:
            if isinstance(node, dict) and part in node:
                loc.append(part)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                loc.append(part)
                node = node[part]
            elif err["type"] in ("missing", "extra_forbidden") and part == err["loc"][-1]:
                loc.append(part)
                break
            else:
                continue
        seen.setdefault(tuple(loc), []).append(err)
    for loc, errs in seen.items():
        err = errs[0]
        name = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            valid = sorted(set(model.model_fields) | COMMON_FIELDS)
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "valid fields: " + ", ".join(valid)
            out.append(Diagnostic(problem_where(loc, name, key=True), f"unknown field '{loc[-1]}'", hint))
        elif err["type"] == "missing":
            out.append(Diagnostic(problem_where(loc[:-1], name), "missing required field"))
        else:
            expected = sorted({_expected(e) for e in errs})
            got = _type_name(err.get("input"))
            msg = err["msg"] if expected == [""] else f"expected {' or '.join(e for e in expected if e)}, got {got}"
            out.append(Diagnostic(problem_where(loc, name), msg))
    return out


def _expected(err) -> str:
    t = err["type"]
    table = {"int_type": "an integer", "float_type": "a number", "string_type": "text",
             "dict_type": "a mapping", "list_type": "a list", "bool_type": "true or false",
             "int_from_float": "an integer", "greater_than": "", "literal_error": "", "value_error": ""}
    if t in ("greater_than", "greater_than_equal", "less_than_equal", "literal_error", "value_error",
             "too_short", "too_long"):
        return ""
    return table.get(t, "")


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
    """Validate the top level and every problem's common and kind fields. With `collect`, the errors
    are added to it and the valid problems returned; without, any error is raised."""
    errors = collect if collect is not None else Collector()
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError(Diagnostic(doc.where(()), "a spec is a mapping with title and problems"))
    for key in data:
        if key not in TOP_FIELDS:
            close = difflib.get_close_matches(key, sorted(TOP_FIELDS), n=1)
            errors.add(doc.where((key,), key=True), f"unknown field '{key}'",
                       f"did you mean '{close[0]}'?" if close else "valid: " + ", ".join(sorted(TOP_FIELDS)))
    texts = {}
    for key in ("title", "author", "date"):
        value = data.get(key)
        if value is None:
            if key == "title":
                errors.add(doc.where(()), "title: missing required field")
            texts[key] = None
        elif isinstance(value, (dict, list)):
            errors.add(doc.where((key,)), f"{key}: expected text, got {_type_name(value)}")
        else:
            texts[key] = str(value)
    raw_problems = data.get("problems")
    problems: list[Problem] = []
    if raw_problems is None:
        errors.add(doc.where(()), "problems: missing required field")
    elif not isinstance(raw_problems, list):
        errors.add(doc.where(("problems",)), f"problems: expected a list, got {_type_name(raw_problems)}")
    elif not raw_problems:
        errors.add(doc.where(("problems",)), "problems: the list is empty")
    else:
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
    return Spec(doc.file, name, texts.get("title"), texts.get("author"), texts.get("date"), problems, doc)


def _problem(doc: Document, i: int, raw: Any, errors: Collector) -> Problem | None:
    path = ("problems", i)
    number = i + 1
    if not isinstance(raw, dict):
        errors.add(doc.where(path, f"problem {number}"), f"expected a mapping with a kind, got {_type_name(raw)}")
        return None
    pid = raw.get("id", str(number))
    label = f"problem {number} ({pid})"
    if "id" in raw and (not isinstance(raw["id"], str) or not ID_RE.match(raw["id"])):
        errors.add(doc.where(path + ("id",), label, "id"),
                   "an id is a short name of letters, digits, - and _, starting with a letter")
        pid = str(number)
    kind_name = raw.get("kind")
    if kind_name is None:
        errors.add(doc.where(path, label, "kind"), "missing required field",
                   "valid kinds: " + ", ".join(sorted(KINDS)))
        return None
    if kind_name not in KINDS:
        close = difflib.get_close_matches(str(kind_name), sorted(KINDS), n=1)
        hint = f"did you mean '{close[0]}'? valid kinds: " if close else "valid kinds: "
        errors.add(doc.where(path + ("kind",), label, "kind"), f"unknown kind '{kind_name}'",
                   hint + ", ".join(sorted(KINDS)))
        return None
    kind = KINDS[kind_name]
    statement = raw.get("statement")
    if statement is not None:
        if not isinstance(statement, str):
            errors.add(doc.where(path + ("statement",), label, "statement"),
                       f"expected text, got {_type_name(statement)}")
            statement = None
        else:
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
    params: dict[str, sp.Expr] = {}
    raw_params = raw.get("params", {})
    if not isinstance(raw_params, dict):
        errors.add(doc.where(path + ("params",), label, "params"), "expected a mapping of names to numbers")
    else:
        for key, value in raw_params.items():
            if not key.isidentifier() or key.startswith("_") or key in exprmod.ALLOWED_NAMES:
                errors.add(doc.where(path + ("params", key), label, f"params.{key}"),
                           f"'{key}' cannot be a parameter name")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                errors.add(doc.where(path + ("params", key), label, f"params.{key}"),
                           f"expected a number, got {_type_name(value)}")
            else:
                try:
                    params[key] = exprmod.parse(repr(value))
                except exprmod.ExprError as exc:
                    errors.add(doc.where(path + ("params", key), label, f"params.{key}"), exc.message, exc.hint)
    where = raw.get("where", [])
    if isinstance(where, str):
        where = [where]
    if not isinstance(where, list) or not all(isinstance(w, str) for w in where):
        errors.add(doc.where(path + ("where",), label, "where"), "expected a list of conditions (text)")
        where = []
    own = {k: v for k, v in raw.items() if k not in COMMON_FIELDS}
    try:
        fields = kind.fields.model_validate(copy.deepcopy(own))
    except ValidationError as exc:
        def at(loc, name, key=False):
            return doc.where(path + tuple(loc), label, name or None, key=key)
        errors.diagnostics.extend(pydantic_errors(exc, kind.fields, own, at))
        return None
    return Problem(number, pid, kind, statement, fields, params, doc, path, where)


def spec_name(path: str | Path) -> str:
    return Path(path).stem
