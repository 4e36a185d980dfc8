"""Variants: one spec, many sheets. A variant is the spec with every draw made from a seed; a student's
seed comes from the spec's name and the student's id, so the same roster always gives the same sheets.

Each problem is drawn on its own (seed, problem number, attempt), and redrawn while its `where:`
conditions fail or the draw makes an invalid configuration, up to MAX_TRIES; the canonical build (no
seed) takes every default and must satisfy `where:` as it stands.
"""
from __future__ import annotations

import copy
import csv
import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from . import draws, names, refs, spec as specmod
from .errors import Collector, Diagnostic, SpecError, UsageError, VerificationError
from .loader import Document

MAX_TRIES = 200
INTEGER_ANSWERS = "answers are integers"


@dataclass(frozen=True)
class Student:
    id: str
    name: str


@dataclass(frozen=True)
class Variant:
    number: int  # 1, 2, ... in build order
    seed: int | None
    student: Student | None = None

    @property
    def stem_suffix(self) -> str:
        if self.student is not None:
            return "-" + file_id(self.student.id)
        return f"-seed{self.seed}" if self.seed is not None else ""


def file_id(student_id: str) -> str:
    """A student id as it appears in file names: characters other than letters, digits, _ . - become _."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", student_id)


CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a paper without doubt


def variant_code(spec_name: str, seed: int) -> str:
    """The short code printed on a variant's key and question sheet and listed in answers.csv, by which a
    returned paper finds its key: five letters and digits, the same for the same spec and seed."""
    number = int(hashlib.sha256(f"{spec_name}/{seed}".encode("utf-8")).hexdigest()[:16], 16)
    out = ""
    for _ in range(5):
        number, digit = divmod(number, len(CODE_LETTERS))
        out += CODE_LETTERS[digit]
    return out


def student_seed(spec_name: str, student_id: str) -> int:
    digest = hashlib.sha256(f"{spec_name}/{student_id}".encode("utf-8")).hexdigest()
    return int(digest[:12], 16)


def read_roster(path: str | Path) -> list[Student]:
    """A CSV with columns id,name (a header row); every problem is a UsageError naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such roster file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: the roster is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the roster: {exc.strerror}") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise UsageError(f"{path}: the roster is empty")
    header = [h.strip().lower() for h in rows[0]]
    if "id" not in header or "name" not in header:
        raise UsageError(f"{path}:1: the roster needs a header row with columns id,name (got {','.join(rows[0])})")
    idi, namei = header.index("id"), header.index("name")
    students, seen, files = [], {}, {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(idi, namei):
            raise UsageError(f"{path}:{line}: expected the columns id,name")
        sid, name = row[idi].strip(), row[namei].strip()
        if not sid:
            raise UsageError(f"{path}:{line}: the student id is empty")
        if sid in seen:
            raise UsageError(f"{path}:{line}: the student id {sid} is already on line {seen[sid]}")
        other = files.get(file_id(sid).lower())  # one file name (on any file system) for two students
        if other is not None:
            raise UsageError(f"{path}:{line}: the student ids {other[0]!r} (line {other[1]}) and {sid!r} would "
                             f"write the same files, NAME-{file_id(sid)}.*: make them differ in letters or digits")
        seen[sid] = line
        files[file_id(sid).lower()] = (sid, line)
        students.append(Student(sid, name))
    if not students:
        raise UsageError(f"{path}: the roster has no students")
    return students


def plan(spec_name: str, seed: int | None, count: int | None, roster: list[Student] | None) -> list[Variant]:
    if roster:
        return [Variant(i, student_seed(spec_name, s.id), s) for i, s in enumerate(roster, start=1)]
    if count:
        base = 1 if seed is None else seed
        return [Variant(i, base + i - 1) for i in range(1, count + 1)]
    return [Variant(1, seed)]


# -- where: conditions -------------------------------------------------------------------------------


def failed_condition(problem, solution) -> str | None:
    """The first `where:` condition that does not hold, or None. Its names are the problem's values, each
    meaning one thing (names.py): input.width, answer.width, node.q, params.a, or the last part alone."""
    raw = specmod._get(problem.doc.data, problem.path)
    scope = None
    for j, condition in enumerate(problem.conditions):
        path = ("where", j) if isinstance(raw.get("where"), list) else ("where",)
        if condition.strip().lower() == INTEGER_ANSWERS:
            for answer in solution.answers.values():
                entries = list(answer.expr) if isinstance(answer.expr, sp.MatrixBase) else [answer.expr]
                if any(isinstance(e, sp.Basic) and e.is_number and not e.is_integer for e in entries):
                    return condition
            continue
        scope = scope or names.scope(problem, solution)
        expr = problem.expr(path, copy.copy(scope), text=condition)
        if expr not in (sp.true, sp.false):
            raise SpecError(Diagnostic(problem.where(*path),
                                       f"the condition '{condition}' is not a comparison of numbers",
                                       "names here: " + ", ".join(scope.listed) + f"; or '{INTEGER_ANSWERS}'"))
        if expr == sp.false:
            return condition
    return None


# -- realising a variant -----------------------------------------------------------------------------


def _precheck(problem) -> str | None:
    """A `where:` condition that fails on the drawn fields, params and the kind's own values (a graph's
    nodes) alone (no solving needed), or None. Conditions that name answers are left for after solving (a
    name that an answer makes ambiguous is reported by the canonical build, which solves before it checks)."""
    raw = specmod._get(problem.doc.data, problem.path)
    scope = None
    for j, condition in enumerate(problem.conditions):
        if condition.strip().lower() == INTEGER_ANSWERS:
            continue
        scope = scope or names.scope(problem)
        path = ("where", j) if isinstance(raw.get("where"), list) else ("where",)
        try:
            expr = problem.expr(path, copy.copy(scope), text=condition)
        except SpecError:
            continue  # names an answer (or is wrong: reported after solving)
        if expr == sp.false:
            return condition
    return None


def realize(base: Document, name: str, variant: Variant, solve_and_verify, shared: dict | None = None):
    """The Spec and solutions of one variant: draws made, conditions met. `solve_and_verify(problem)`
    returns a verified Solution; `shared` maps the index of a problem without draws to its (problem,
    solution) from the canonical build, reused as it is."""
    doc = Document(base.file, copy.deepcopy(base.data), base.positions, base.key_positions, base.overridden)
    raw_problems = doc.data.get("problems", [])
    rest = {k: v for k, v in doc.data.items() if k != "problems"}
    doc.data = {**draws.resolve_tree(rest, (), doc, None), "problems": list(raw_problems)}
    problems, solutions = [], []
    for i, raw in enumerate(raw_problems):
        has = draws.has_draws(raw)
        if not has and shared and i in shared and not any(p.kind.after for p, _ in shared[i]):
            for problem, solution in shared[i]:
                problems.append(problem)
                solutions.append(solution)
            continue
        tries = MAX_TRIES if (variant.seed is not None and has) else 1
        last = None
        for attempt in range(tries):
            rng = random.Random(f"{variant.seed}/{i + 1}/{attempt}") if variant.seed is not None else None
            doc.data["problems"][i] = draws.resolve_tree(raw, ("problems", i), doc, rng)
            errors = Collector()
            mine = specmod.problems_of(doc, i, doc.data["problems"][i], errors)  # one, or one per part
            errors.raise_if_any()
            found, last = _attempt(mine, solve_and_verify, tries, list(zip(problems, solutions)))
            if found is not None:
                break
        else:
            raise SpecError(Diagnostic(Where_of(doc, i), f"no draw in {MAX_TRIES} tries gave a valid problem "
                                                         f"(last: {last})", "widen the ranges or relax where:"))
        for problem, solution in found:
            problems.append(problem)
            solutions.append(solution)
    spec = specmod.Spec(doc.file, name, str(doc.data.get("title")), _text(doc.data.get("author")),
                        _text(doc.data.get("date")), problems, doc, seed=variant.seed,
                        student={"id": variant.student.id, "name": variant.student.name} if variant.student else None,
                        code=variant_code(name, variant.seed) if variant.seed is not None else None)
    return spec, solutions


def _attempt(mine, solve_and_verify, tries, earlier=()):
    """([(problem, solution)], None) when every problem of one draw is solved and meets its conditions, else
    (None, why); with a single try, the failure itself is raised."""
    early = next((e for e in (_precheck(p) for p in mine) if e is not None), None) if tries > 1 else None
    if early is not None:
        return None, f"where: '{early}' does not hold"
    found = []
    for problem in mine:
        if problem.kind.after:
            refs.offer(problem, [*earlier, *found])
        try:
            solution = solve_and_verify(problem)
        except (SpecError, VerificationError) as exc:
            if tries == 1:
                raise
            return None, str(exc)
        failed = failed_condition(problem, solution)
        if failed is not None:
            if tries == 1:
                raise SpecError(Diagnostic(problem.where("where"), f"the default values do not satisfy "
                                                                   f"'{failed}'"))
            return None, f"where: '{failed}' does not hold"
        found.append((problem, solution))
    return found, None


def _text(value):
    return None if value is None else str(value)


def Where_of(doc: Document, i: int):  # noqa: N802 - reads like a constructor
    raw = doc.data["problems"][i]
    pid = raw.get("id", str(i + 1)) if isinstance(raw, dict) else str(i + 1)
    return doc.where(("problems", i), f"problem {i + 1} ({pid})")
