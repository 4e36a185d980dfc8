"""The spec as one schema: a pydantic model of the whole file -- its top level, each problem as a union on
`kind` (every kind's fields plus the fields every problem has), and the random draws a number may be --
and the one mapping of pydantic's errors to positioned diagnostics, so that every error reads the same:
`FILE:LINE:COL: problem N (id): field: message (hint)`.

`json_schema()` is the same model as a JSON Schema (draw objects allowed wherever a number is), for
editors: `answerkey schema`, and the copy in `answerkey/spec.schema.json` that a test keeps current.
"""
from __future__ import annotations

import difflib
import functools
import json
import re
import sys
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (AfterValidator, BaseModel, BeforeValidator, Field, StrictInt, StrictStr, ValidationError,
                      WithJsonSchema, create_model, field_validator, model_validator)
from pydantic_core import PydanticCustomError

from .errors import Diagnostic
from .kinds import KINDS
from .kinds.common import NAME_PATTERN, Fields, Number

COMMON_FIELDS = ("kind", "id", "statement", "params", "where", "points", "tolerance")
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# Text as printed: a number (date: 2020) is its digits
Text = Annotated[StrictStr, BeforeValidator(lambda v: str(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                                            else v), WithJsonSchema({"type": ["string", "number"]})]


def _param_name(key):
    from .expr import ALLOWED_NAMES

    if not key.isidentifier() or key.startswith("_") or key in ALLOWED_NAMES:
        raise PydanticCustomError("param_name", "'{key}' cannot be a parameter name", {"key": key})
    return key


ParamName = Annotated[StrictStr, AfterValidator(_param_name)]

TOLERANCE_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*$")


def _tolerance(value):
    if isinstance(value, str) and not TOLERANCE_RE.match(value):
        raise PydanticCustomError("tolerance", "a tolerance is a number (absolute, e.g. 0.01) or a percentage "
                                               "of the answer (e.g. '1%'), got '{value}'", {"value": value})
    return value


def valid_tolerance(value) -> bool:
    if isinstance(value, str):
        return bool(TOLERANCE_RE.match(value))
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 and value == value \
        and value != float("inf")


# how far a student's number may be from the key's and still be right (answers.csv, the LMS exports)
Tolerance = Annotated[Union[Annotated[Number, Field(ge=0)], StrictStr], AfterValidator(_tolerance)]


class Common(Fields):
    """The fields every problem has, besides its kind's own."""

    kind: str = Field(description="the kind of problem (its folder in answerkey/kinds/)")
    id: Any = Field(default=None, description="a short name: letters, digits, - and _, starting with a letter",
                    json_schema_extra={"type": ["string", "null"], "pattern": ID_RE.pattern})
    statement: StrictStr | None = Field(default=None, description="the problem as the sheet prints it (LaTeX; "
                                                                  "<<field>> prints a value)")
    params: dict[ParamName, Number] = Field(default={}, description="names for numbers used in the expressions")
    where: StrictStr | list[StrictStr] = Field(default=[], description="conditions drawn values must meet")
    points: Annotated[Number, Field(ge=0)] | None = Field(default=None, description="the problem's (or part's) "
                                                                                    "points, shown beside it")
    tolerance: Tolerance | None = Field(default=None, description="how far a numeric answer may be from the key's "
                                        "(answers.csv, exports): a number (absolute) or a percentage ('1%'); "
                                        "default: the spec's tolerance:, else 1%; integer answers exact")

    @field_validator("id", mode="plain")
    @classmethod
    def _id(cls, value):
        if value is not None and not (isinstance(value, str) and ID_RE.match(value)):
            raise PydanticCustomError("id", "an id is a short name of letters, digits, - and _, starting with a "
                                            "letter")
        return value

    @field_validator("params", mode="before")
    @classmethod
    def _params(cls, value):
        if not isinstance(value, dict):
            raise PydanticCustomError("params", "expected a mapping of names to numbers")
        return value

    @field_validator("where", mode="before")
    @classmethod
    def _where(cls, value):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise PydanticCustomError("where", "expected a list of conditions (text)")
        return value


@functools.lru_cache(maxsize=None)
def problem_model(name: str) -> type[BaseModel]:
    """A problem of one kind: the kind's fields and the common ones, `kind` fixed to its name."""
    kind = KINDS[name]
    return create_model(f"{kind.fields.__name__.removesuffix('Fields') or name}Problem", __base__=(Common, kind.fields),
                        __doc__=f"A problem of kind {name}.",
                        kind=(Literal[name], Field(description=f"{name}: {_first_line(kind)}")))


def _first_line(kind) -> str:
    doc = (sys.modules[kind.solve.__module__].__doc__ or "").strip()
    return doc.split("--", 1)[-1].split("\n\n")[0].replace("\n", " ").strip().rstrip(".")


def problem_union():
    """A problem: the union of every kind's problem model, told apart by `kind` (spec.build checks the
    kind itself first, for its own messages, then validates against that member)."""
    return Annotated[Union[tuple(problem_model(n) for n in sorted(KINDS))], Field(discriminator="kind")]


class Top(Fields):
    """The top level of a spec (its problems validated one by one: problem_union)."""

    title: Text = Field(description="the sheet's title")
    author: Text | None = None
    date: Text | None = None
    layout: Literal["article", "exam"] = Field("article", description="article: the seed's look; exam: the "
                                               "exam class (questions, parts, points, \\printanswers)")
    paper: Literal["letter", "a4"] = Field("letter", description="the paper size")
    language: Literal["en", "ko"] = Field("en", description="the language of the key's fixed words (rule notes, "
                                          "the verification record, the tool's sentences): en or ko")
    tolerance: Tolerance = Field("1%", description="how far a numeric answer may be from the key's (answers.csv, "
                                 "exports): a number (absolute) or a percentage ('1%'); integer answers exact")
    problems: list[Any] = Field(min_length=1, description="the problems, in order")


# -- draws: {randint: [lo, hi], exclude, default} or {choice: [...], default} -------------------------


class RandInt(BaseModel):
    """A whole number drawn from lo..hi (skipping `exclude`); `default` in a normal build."""

    model_config = {"extra": "forbid", "strict": True}
    randint: list[StrictInt] = Field(min_length=2, max_length=2, description="[lo, hi]")
    exclude: list[Number] = []
    default: Any = Field(description="the value of a normal build")

    @model_validator(mode="after")
    def _check(self):
        if len(self.randint) != 2 or self.randint[0] > self.randint[1]:
            raise PydanticCustomError("draw", "randint: expected [lo, hi], two integers with lo <= hi")
        lo, hi = self.randint
        if not isinstance(self.default, int) or isinstance(self.default, bool) or not lo <= self.default <= hi \
                or self.default in self.exclude:
            raise PydanticCustomError("draw", "default {default} is not an integer in [{lo}, {hi}] outside exclude",
                                      {"default": repr(self.default), "lo": lo, "hi": hi})
        return self


class Choice(BaseModel):
    """A number drawn from `choice` (skipping `exclude`); `default` in a normal build."""

    model_config = {"extra": "forbid", "strict": True}
    choice: list[Number] = Field(min_length=1)
    exclude: list[Number] = []
    default: Any = Field(description="the value of a normal build")

    @model_validator(mode="after")
    def _check(self):
        if self.default not in self.choice:
            raise PydanticCustomError("draw", "default {default} is not one of the choices",
                                      {"default": repr(self.default)})
        return self


DRAW_KEYS = ("randint", "choice")


def draw_problem(value: dict) -> str | None:
    """What is wrong with a draw before its fields are read: one key of randint or choice, and a default."""
    keys = [k for k in DRAW_KEYS if k in value]
    extra = sorted(set(value) - {"randint", "choice", "exclude", "default"})
    if extra or len(keys) != 1:
        return ("a draw has one of randint or choice, and exclude and default: unexpected "
                + (", ".join(map(str, extra)) or "both randint and choice"))
    if "default" not in value:
        return "a draw needs a default (the value of a normal build)"
    return None


DRAW_MESSAGES = {  # a draw's part at fault -> what it should be
    "randint": "expected [lo, hi], two integers with lo <= hi", "choice": "expected a non-empty list of numbers",
    "exclude": "expected a list of numbers", None: "expected a mapping"}


# -- errors ----------------------------------------------------------------------------------------------


def type_name(v) -> str:
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


EXPECTED = {"int_type": "an integer", "float_type": "a number", "string_type": "text", "dict_type": "a mapping",
            "list_type": "a list", "bool_type": "true or false", "int_from_float": "an integer",
            "model_type": "a mapping", "model_attributes_type": "a mapping"}


def _bound_message(err) -> str | None:
    ctx = err.get("ctx") or {}
    table = {"greater_than_equal": "expected a number >= {ge}", "greater_than": "expected a number > {gt}",
             "less_than_equal": "expected a number <= {le}", "less_than": "expected a number < {lt}",
             "finite_number": "expected a finite number",
             "string_pattern_mismatch": "expected a name: a letter, then letters, digits or _",
             "string_too_long": "expected at most {max_length} characters",
             "too_long": "expected at most {max_length} entries", "too_short": "expected at least {min_length} entries"}
    if err["type"] == "too_short" and ctx.get("actual_length") == 0:
        return None  # an empty list: said as such
    if err["type"] == "string_pattern_mismatch" and ctx.get("pattern") != NAME_PATTERN:
        return None
    if err["type"] in table:
        return table[err["type"]].format(**ctx)
    return None


def _valid_fields(model, loc: tuple) -> list[str]:
    """The field names of the model that validates the mapping at `loc` (for 'did you mean')."""
    node: Any = model
    for part in loc:
        node = _step_into(node, part)
        if node is None:
            return []
    node = _unwrap(node)
    return sorted(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


def _unwrap(tp):
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _step_into(tp, part):
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field else None
    origin = get_origin(tp)
    if origin in (list, tuple):
        return get_args(tp)[0] if isinstance(part, int) else None
    if origin is dict:
        return get_args(tp)[1]
    if origin is Union or str(origin) == "types.UnionType":
        for member in get_args(tp):
            member = _unwrap(member)
            if isinstance(member, type) and issubclass(member, BaseModel) and isinstance(part, str):
                if part == member.__name__ or part in member.model_fields:
                    return member if part == member.__name__ else member.model_fields[part].annotation
        return None
    return None


def diagnostics(exc: ValidationError, data, where, model=None, top_level: bool = False) -> list[Diagnostic]:
    """pydantic's errors as Diagnostics, one per field: `where(path, field_name, key=False) -> Where` places
    them; `data` is what was validated (to find each error's path in the file); `model` names the fields of
    a mapping for 'did you mean'. Union tags in a path (a kind's name, a layer's key) are dropped where the
    data has no such key."""
    out: list[Diagnostic] = []
    seen: dict[tuple, list] = {}
    for err in exc.errors():
        loc, node = [], data
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
        seen.setdefault(tuple(loc), []).append((err, node))
    for loc in list(seen):  # a union's member that did not fit (text, for a list whose entry is wrong):
        deeper = any(other[:len(loc)] == loc and len(other) > len(loc) for other in seen)
        if deeper and all(e["type"] in EXPECTED for e, _ in seen[loc]):
            del seen[loc]  # the entry's own error says it
    for loc, errs in seen.items():
        err, node = errs[0]
        name = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            valid = _valid_fields(model, loc[:-1]) if model is not None else []
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
            hint = f"did you mean '{close[0]}'?" if close else ("valid fields: " + ", ".join(valid) if valid else None)
            out.append(Diagnostic(where(loc, None if top_level and len(loc) == 1 else name, key=True),
                                  f"unknown field '{loc[-1]}'", hint))
        elif err["type"] == "missing":
            out.append(Diagnostic(where(loc[:-1], name), "missing required field"))
        else:
            # several errors at one place come from the members of a union (an integer or {width, height}):
            # a constraint the value's own type broke says most; else the types it could have had
            bound = next((m for e, _ in errs if (m := _bound_message(e))), None)
            other = next((e for e, _ in errs if e["type"] not in EXPECTED), None)
            expected = {EXPECTED.get(e["type"], "") for e, _ in errs} - {""}
            if "a number" in expected:  # an integer is a number: say the wider
                expected.discard("an integer")
            expected = sorted(expected)
            if bound:
                message = bound
            elif other is not None and other["type"] == "too_short" and isinstance(node, list) and not node:
                message = "the list is empty"
            elif other is not None:
                message = other["msg"]
            else:
                message = f"expected {' or '.join(expected)}, got {type_name(err.get('input'))}"
            out.append(Diagnostic(where(loc, name), message))
    return out


def close_kinds(name) -> str:
    close = difflib.get_close_matches(str(name), sorted(KINDS), n=1)
    return (f"did you mean '{close[0]}'? valid kinds: " if close else "valid kinds: ") + ", ".join(sorted(KINDS))


# -- the JSON Schema -------------------------------------------------------------------------------------


def json_schema() -> dict:
    """The whole spec as a JSON Schema (draft 2020-12): the top level, each problem a oneOf on `kind`,
    and draws allowed wherever a number is."""

    class Part(BaseModel):
        """A part of a problem of parts: a problem of its own kind (its fields checked by the build, which
        knows what it takes from the problem)."""

        model_config = {"extra": "allow"}
        kind: Literal[tuple(sorted(KINDS))] = Field(description="the part's kind")  # type: ignore[valid-type]

    class PartsProblem(BaseModel):
        """A problem of parts (a), (b), ...: each part of its own kind; any field other than these is shared
        with the parts whose kind has it."""

        model_config = {"extra": "allow"}
        id: str | None = Field(default=None, pattern=ID_RE.pattern)
        statement: str | None = None
        params: dict[str, Number] = {}
        points: Annotated[Number, Field(ge=0)] | None = None
        tolerance: Tolerance | None = None
        parts: list[Part] = Field(min_length=1, max_length=26)

    class Spec(Top):
        """An answerkey spec: homework problems, each solved, verified and typeset by answerkey."""

        problems: list[Union[problem_union(), PartsProblem]] = Field(min_length=1)  # type: ignore[valid-type]

    schema = Spec.model_json_schema()
    defs = schema.setdefault("$defs", {})
    defs["RandInt"] = RandInt.model_json_schema()
    defs["Choice"] = Choice.model_json_schema()
    draw = {"anyOf": [{"$ref": "#/$defs/RandInt"}, {"$ref": "#/$defs/Choice"}]}

    def numbers_may_be_drawn(node):
        if isinstance(node, dict):
            if node.get("type") in ("integer", "number") and "$ref" not in node:
                return {"anyOf": [node, draw]}
            return {k: (v if k in ("RandInt", "Choice") and node is defs else numbers_may_be_drawn(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [numbers_may_be_drawn(v) for v in node]
        return node

    schema = _kind_names(numbers_may_be_drawn(schema))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "answerkey spec"
    return schema


def _kind_names(schema: dict) -> dict:
    """Models of one name in two kinds' folders (conv in network_shapes and in receptive_field) are told
    apart by pydantic with their module paths; here by their kind: network_shapes.Conv."""
    def short(name: str) -> str:
        m = re.fullmatch(r"answerkey__kinds__(\w+?)__fields__(\w+)", name)
        return f"{m.group(1)}.{m.group(2)}" if m else name

    text = json.dumps(schema)
    for name in list(schema["$defs"]):
        if short(name) != name:
            text = text.replace(f'"#/$defs/{name}"', f'"#/$defs/{short(name)}"')
    schema = json.loads(text)
    schema["$defs"] = {short(k): v for k, v in schema["$defs"].items()}
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"
