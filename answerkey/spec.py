"""Stage 1b: from a loaded Document to a validated Spec of Problems.

Top-level fields and each problem's common fields (kind, id, statement, params) are checked here;
each kind's own fields by that kind's pydantic model. Every error is a Diagnostic with its position;
all of them are gathered before anything stops.
"""
from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
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
    points: float | None = None  # `points:`, shown beside the problem (or part)
    part: str | None = None  # a part of a problem of parts: its letter (a, b, ...)
    group: "Group | None" = None  # that problem: its statement, points, and this part's place in it
    # the answers of the problems before it, for a kind that answers with them (refs.py; filled by the build)
    solved: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> str:
        """How the key names the problem: 4, or 4.a for part (a) of problem 4 (answers.csv: 4.a.LABEL)."""
        return f"{self.number}.{self.part}" if self.part else str(self.number)

    @functools.cached_property
    def group_statement_tex(self) -> str | None:
        """The statement of the problem this part belongs to, its <<values>> filled in."""
        from .statement import fill

        return fill(self, self.group.statement) if self.group and self.group.statement else None

    @functools.cached_property
    def statement_tex(self) -> str | None:
        """The statement with its <<values>> filled in (statement.py); a SpecError names a missing one."""
        from .statement import fill

        return fill(self)

    @property
    def tolerance(self) -> float | str:
        """How far a numeric answer may be from the key's: the problem's (or part's) `tolerance:`, else its
        problem's, else the spec's, else 1% (a number is absolute, 'N%' relative; outputs.tolerance)."""
        own = getattr(self.fields, "tolerance", None)
        if own is None and self.group is not None:
            own = self.group.tolerance
        if own is None and isinstance(self.doc.data, dict):
            own = self.doc.data.get("tolerance")
        return "1%" if own is None else own

    @property
    def label(self) -> str:
        if self.part:
            return f"problem {self.number}({self.part}) ({self.id})"
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


@dataclass(frozen=True)
class Group:
    """A problem of parts: its number, id, statement and points; which part this is (first: print the
    problem's heading and statement before it)."""

    number: int
    id: str
    statement: str | None
    points: float | None
    first: bool
    count: int
    tolerance: float | str | None = None  # `tolerance:` of the problem, for its parts without their own


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
    code: str | None = None  # a variant's code (variants.variant_code), printed on its pages

    def setting(self, key: str, default: str) -> str:
        """A top-level page setting (layout, paper), validated with the spec (schema.Top)."""
        value = self.doc.data.get(key) if isinstance(self.doc.data, dict) else None
        return default if value is None else str(value)


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
        label = f"problem {index + 1}" + (f" ({node['id']})" if isinstance(node, dict) and node.get("id") else "")
        for depth, key in enumerate(parts[1:]):
            last = depth == len(parts) - 2
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                key = int(key)
            elif not isinstance(node, dict) or (not last and key not in node):
                raise UsageError(f"--set {item}: {label} has no field '{'.'.join(parts[1:depth + 2])}'"
                                 + (_close(key, list(node)) if isinstance(node, dict) else ""))
            elif key not in node:  # a new key: one the problem's kind has there
                _new_key(item, label, problems[index], path[2:], node, key)
            path += (key,)
            if last:
                node[key] = value
            else:
                node = node[key]
        doc.overridden[path] = item


def _close(key: str, names) -> str:
    import difflib

    close = difflib.get_close_matches(key, [str(n) for n in names], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _new_key(item: str, label: str, raw: dict, at: tuple, node: dict, key: str) -> None:
    """A --set that adds `key` to the mapping `node` (at `at` inside the problem `raw`): refused unless the
    problem's kind has such a field there, or the mapping's entries are free (the kind's `entries` may name
    the keys it takes: a graph's inputs are the names its nodes use)."""
    from .draws import is_draw

    if is_draw(node):
        target = item.split("=", 1)[0].rsplit(".", 1)[0]
        raise UsageError(f"--set {item}: {label}: {'.'.join(map(str, at))} is a draw, with no '{key}': set the "
                         f"whole value (--set {target}=VALUE) or the draw's default (--set {target}.default=VALUE)")
    allowed, entries = _keys_at(raw, at)
    if entries:
        owner, inside = raw, at
        if len(at) >= 3 and at[0] == "parts" and isinstance(raw["parts"][at[1]], dict):
            owner, inside = raw["parts"][at[1]], at[2:]  # a part's own field
        kinds = [owner.get("kind")] if "parts" not in owner else \
            [p.get("kind") for p in owner["parts"] if isinstance(p, dict)]  # a field shared with the parts
        kind = next((KINDS[k] for k in kinds if isinstance(k, str) and k in KINDS
                     and inside[0] in KINDS[k].fields.model_fields), None)
        field = at[-1]
        if inside == ("params",):
            allowed = []  # a param no expression names would change nothing
        elif kind is not None and kind.entries is not None:
            allowed = kind.entries(owner, inside)
        else:
            return
        if allowed is None or key in allowed:
            return
        one = str(field)[:-1] if str(field).endswith("s") else str(field)
        have = ", ".join(dict.fromkeys([*map(str, node), *allowed]))
        raise UsageError(f"--set {item}: {label} has no {one} '{key}'" + _close(key, [*node, *allowed])
                         + (f"; its {field} are {have}" if have else f"; it has no {field}"))
    if allowed is None or key in allowed:
        return
    where = ".".join(map(str, at))
    raise UsageError(f"--set {item}: {label} has no field '{where + '.' if where else ''}{key}'"
                     + _close(key, allowed) + "; " + ("its fields: " if not where else f"{where} has: ")
                     + ", ".join(allowed))


def _members(annotation) -> list:
    """The types a field's annotation allows (Optional, Union and Annotated taken apart)."""
    import types
    import typing

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    return [annotation]


def _keys_at(raw: dict, at: tuple) -> tuple[list | None, bool]:
    """The keys the mapping at `at` inside the problem `raw` takes by its kind's model: (the field names,
    or None when unknown; whether its entries are free, a dict field)."""
    import typing

    def model(kind_name):
        return [schema.problem_model(kind_name)] if isinstance(kind_name, str) and kind_name in KINDS else [typing.Any]

    if "parts" in raw:  # a problem of parts: its own fields, and those it shares with its parts' kinds
        kinds = [p.get("kind") for p in raw["parts"] if isinstance(p, dict)] if isinstance(raw["parts"], list) else []
        if not at:
            names = list(GROUP_FIELDS)
            for k in kinds:
                if k in KINDS:
                    names += [n for n in KINDS[k].fields.model_fields if n not in names]
            return names, False
        if at[0] == "parts":
            if len(at) == 1:
                return None, False
            types_ = model(raw["parts"][at[1]].get("kind") if isinstance(raw["parts"][at[1]], dict) else None)
            rest = at[2:]
        else:
            types_ = [t for k in kinds for t in model(k)]
            rest = at
    else:
        types_ = model(raw.get("kind"))
        rest = at
    for key in rest:
        nxt = []
        for t in types_:
            origin = typing.get_origin(t)
            if isinstance(t, type) and issubclass(t, BaseModel):
                if key in t.model_fields:
                    nxt += _members(t.model_fields[key].annotation)
            elif origin is dict:
                nxt += _members(typing.get_args(t)[1])
            elif origin is list and isinstance(key, int):
                nxt += _members(typing.get_args(t)[0])
            elif t is typing.Any:
                nxt.append(t)
        types_ = nxt
    if not types_ or any(t is typing.Any for t in types_):
        return None, False
    if any(typing.get_origin(t) is dict for t in types_):
        return None, True
    names = []
    for t in types_:
        if isinstance(t, type) and issubclass(t, BaseModel):
            names += [n for n in t.model_fields if n not in names]
    return (names or None), False


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
            for problem in problems_of(doc, i, raw, errors):
                if problem.id in ids and (problem.group is None or problem.group.first):
                    errors.add(problem.where("id"), f"duplicate id '{problem.id}'",
                               f"problem {ids[problem.id]} has it too")
                ids[problem.id] = problem.number
                problems.append(problem)
    if collect is None:
        errors.raise_if_any()
    texts = {key: (None if top is None or getattr(top, key) is None else str(getattr(top, key)))
             for key in ("title", "author", "date")}
    return Spec(doc.file, name, texts["title"], texts["author"], texts["date"], problems, doc)


GROUP_FIELDS = ("id", "statement", "params", "points", "tolerance", "parts")
DEFINING = ("function", "start", "outputs", "graph", "layers", "input")  # what a problem is about
ACTS_ON = {"layers": ("input",)}  # what a part's own definition still takes from the problem: layers, its input


def problems_of(doc: Document, i: int, raw: Any, errors: Collector) -> list[Problem]:
    """The problems of one entry of `problems:`: itself, or, for a problem of parts, one per part. A part
    is a problem of its own kind; it shares the problem's params and any field the problem defines for its
    parts (a function, shapes) that its kind has and it does not set itself."""
    if not (isinstance(raw, dict) and "parts" in raw):
        problem = _problem(doc, i, raw, errors)
        return [] if problem is None else [problem]
    path = ("problems", i)
    pid = raw.get("id", str(i + 1))
    label = f"problem {i + 1} ({pid})"
    if not (isinstance(pid, str) and schema.ID_RE.match(pid)):
        if "id" in raw:
            errors.add(doc.where(path + ("id",), label, "id"), "an id is a short name of letters, digits, - and _, "
                                                              "starting with a letter")
        pid = str(i + 1)
    parts = raw["parts"]
    if not isinstance(parts, list) or not parts or not all(isinstance(p, dict) for p in parts):
        errors.add(doc.where(path + ("parts",), label, "parts"), "expected a list of parts, each a mapping with a kind")
        return []
    if len(parts) > 26:
        errors.add(doc.where(path + ("parts",), label, "parts"), "at most 26 parts (a to z)")
        return []
    if "kind" in raw:
        errors.add(doc.where(path + ("kind",), label, "kind"), "a problem of parts has no kind of its own",
                   "give each part its kind")
        return []
    if "where" in raw:
        errors.add(doc.where(path + ("where",), label, "where"), "where: of a problem of parts",
                   "put the condition on the part whose values it constrains")
        return []
    points = raw.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0):
        errors.add(doc.where(path + ("points",), label, "points"), "points are a number of at least 0")
        return []
    tolerance = raw.get("tolerance")
    if tolerance is not None and not schema.valid_tolerance(tolerance):
        errors.add(doc.where(path + ("tolerance",), label, "tolerance"),
                   "a tolerance is a number of at least 0 (absolute) or a percentage of the answer (e.g. '1%')")
        return []
    if isinstance(raw.get("statement"), str):  # the problem's own statement, printed before its parts
        _statement_tex(doc, path, label, raw["statement"], errors)
    shared = {k: v for k, v in raw.items() if k not in GROUP_FIELDS}
    used: set[str] = set()
    out = []
    for j, part in enumerate(parts):
        part_path = path + ("parts", j)
        kind = KINDS.get(part.get("kind")) if isinstance(part.get("kind"), str) else None
        own = any(k in part for k in DEFINING)  # a part with its own function takes none of the problem's definitions
        takes = {k for d in DEFINING if d in part for k in ACTS_ON.get(d, ())}  # but its layers take the input
        inherited = [k for k in shared if kind is not None and k in kind.fields.model_fields and k not in part
                     and (not own or k in takes)]
        if own and kind is not None:
            missing = [k for k in shared if k in kind.fields.model_fields and k not in part and k not in takes
                       and kind.fields.model_fields[k].is_required()]
            if missing:
                errors.add(doc.where(path + ("parts", j), f"problem {i + 1}({chr(ord('a') + j)}) ({pid})", missing[0]),
                           "missing: a part with a function of its own takes none of the problem's fields",
                           f"set {missing[0]} in the part too")
                continue
        used.update(inherited)
        merged = dict(part)
        for k in inherited:
            merged[k] = copy.deepcopy(shared[k])
            _alias(doc, path + (k,), part_path + (k,))
        if raw.get("params"):
            merged["params"] = {**raw["params"], **(part.get("params") or {})} \
                if isinstance(raw["params"], dict) and isinstance(part.get("params") or {}, dict) else raw["params"]
            for k in raw["params"] if isinstance(raw["params"], dict) else ():
                if k not in (part.get("params") or {}):
                    _alias(doc, path + ("params", k), part_path + ("params", k))
        if "id" in raw:  # the parts share the problem's id (without one, its number)
            merged.setdefault("id", pid)
            if "id" not in part:
                _alias(doc, path + ("id",), part_path + ("id",))
        doc.data["problems"][i]["parts"][j] = merged
        letter = chr(ord("a") + j)
        group = Group(i + 1, pid, raw.get("statement"), points, j == 0, len(parts), raw.get("tolerance"))
        problem = _problem(doc, i, merged, errors, part_path, letter, group)
        if problem is not None:
            out.append(problem)
    given = [p.get("points") for p in parts]
    if points is not None and given and all(isinstance(g, (int, float)) and not isinstance(g, bool) for g in given) \
            and abs(sum(given) - points) > 1e-9:
        errors.add(doc.where(path + ("points",), label, "points"),
                   f"the problem has {points:g} points and its parts {' + '.join(f'{g:g}' for g in given)} = "
                   f"{sum(given):g}", "make them agree, or leave out the problem's points")
    for k in shared:
        if k not in used:
            errors.add(doc.where(path + (k,), label, k, key=True), f"no part uses '{k}'",
                       "a problem of parts has id, statement, params, points and parts; any other field is shared "
                       "with the parts whose kind has it")
    return out


def _alias(doc: Document, source: tuple, target: tuple) -> None:
    """Positions of the value at `source` (and inside it) also for `target`: a part's inherited field is
    reported where the problem wrote it."""
    for table in (doc.positions, doc.key_positions, doc.scalars):
        if table is None:
            continue
        for key in [k for k in table if k[:len(source)] == source]:
            table.setdefault(target + key[len(source):], table[key])


def _problem(doc: Document, i: int, raw: Any, errors: Collector, path: tuple | None = None,
             part: str | None = None, group: Group | None = None) -> Problem | None:
    path = path or ("problems", i)
    number = i + 1
    if not isinstance(raw, dict):
        errors.add(doc.where(path, f"problem {number}"), f"expected a mapping with a kind, got {schema.type_name(raw)}")
        return None
    pid = raw.get("id", str(number))
    label = f"problem {number}" + (f"({part})" if part else "") + f" ({pid})"  # as written, also when the id is at fault
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
    _fields_tex(doc, path, label, fields, errors)
    params: dict[str, sp.Expr] = {}
    for key, value in raw.get("params", {}).items():
        try:
            params[key] = exprmod.parse(repr(value))
        except exprmod.ExprError as exc:
            errors.add(doc.where(path + ("params", key), label, f"params.{key}"), exc.message, exc.hint)
    where = raw.get("where", [])
    where = [where] if isinstance(where, str) else where
    points = raw.get("points")
    return Problem(number, pid, kind, statement, fields, params, doc, path, tuple(where),
                   None if points is None else float(points), part, group)


def _statement_tex(doc: Document, path: tuple, label: str, statement: str, errors: Collector) -> None:
    """The LaTeX of a statement checked (latex_fault): an error at the fault's own line and column."""
    diagnostic = latex_fault(doc, path + ("statement",), label, "statement", statement)
    if diagnostic is not None:
        errors.diagnostics.append(diagnostic)


def _text_where(doc: Document, path: tuple, label: str, field_name: str, text: str, offset: int) -> Where:
    """Where character `offset` of the text at `path` is in the file (its line and column; a text not
    mappable: its line at least, counted from the value's start)."""
    where = doc.where(path, label, field_name)
    pos = doc.text_position(path, offset, text)
    if pos is not None and where.line is not None:
        return Where(where.file, pos[0], pos[1], label, field_name)
    if where.line is not None and where.file == doc.file:
        line = where.line + text.count("\n", 0, offset) + (1 if "\n" in text else 0)
        return Where(where.file, line, None, label, field_name)
    return where


def known_tex(doc: Document):
    """The commands a statement of this spec may use: the listed ones and the macros of the preamble the
    spec's layout (and --templates) will use (texcheck.known)."""
    from . import render, texcheck

    layout = str(doc.data.get("layout") or "article") if isinstance(doc.data, dict) else "article"
    return texcheck.known(texcheck.preamble_texts(render.search_path(_Layout(layout))))


@dataclass(frozen=True)
class _Layout:
    layout: str

    def setting(self, key: str, default: str) -> str:
        return self.layout if key == "layout" else default


def latex_fault(doc: Document, path: tuple, label: str, field_name: str, text: str,
                words: bool = False) -> Diagnostic | None:
    """The first fault of an instructor's LaTeX text (a statement, an option, a sentence) at its line and
    column: a command that reaches outside the document or changes how TeX reads (FORBIDDEN_TEX), or what
    TeX would stop at or silently lose (texcheck.check: math and braces unclosed, an unknown command, a %)."""
    from . import texcheck

    m = FORBIDDEN_TEX.search(text)
    if m:
        where = _text_where(doc, path, label, field_name, text, m.start())
        if m.group(0).startswith("^^"):
            return Diagnostic(where, f"the TeX command {m.group(0)} (TeX's character-code notation) is not "
                                     "allowed in a statement",
                              "^^ can spell any character, including a backslash; write the character itself")
        return Diagnostic(where, f"the TeX command {m.group(0)} is not allowed in a statement",
                          "statements may use math and text formatting, not commands that read or "
                          "write files, run programs, change how TeX reads, define macros or end the run")
    fault = texcheck.check(text, known_tex(doc), words=words)
    if fault is None:
        return None
    return Diagnostic(_text_where(doc, path, label, field_name, text, fault.offset), fault.message, fault.hint)


def _fields_tex(doc: Document, path: tuple, label: str, fields: BaseModel, errors: Collector) -> None:
    """Every LaTeX field of a kind (Annotated[str, texcheck.LaTeX()]: options, sentences, claims, reasons)
    checked as a statement is."""
    from . import texcheck

    for field_path, text, marker in texcheck.texts(fields):
        diagnostic = latex_fault(doc, path + field_path, label, ".".join(map(str, field_path)), text,
                                 words=marker.words)
        if diagnostic is not None:
            errors.diagnostics.append(diagnostic)


def spec_name(path: str | Path) -> str:
    return Path(path).stem
