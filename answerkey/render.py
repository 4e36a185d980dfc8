"""Stage 4: the LaTeX document. Jinja places values and loops; it never computes.

Delimiters that do not clash with LaTeX: `(( value ))`, `(% block %)`, `(# comment #)`. Undefined names
are errors (StrictUndefined). Every string a template prints is escaped as plain text unless it is a
`NoEscape` (already LaTeX: math from the printer, statements, which are LaTeX by design).
"""
from __future__ import annotations

import functools
import traceback
from pathlib import Path

import jinja2
import sympy as sp
from pylatex.utils import NoEscape, escape_latex

from . import claims, lang, linebreak, rules
from .derivation import Line, Solution
from .printer import tex

# The layout's templates: the top-level templates/ folder of a checkout, shipped inside the package as
# answerkey/templates when installed (setup.py).
TEMPLATES = next(p for p in (Path(__file__).resolve().parent / "templates",
                             Path(__file__).resolve().parent.parent / "templates", ) if p.is_dir())


def plain(text: str | None) -> NoEscape | None:
    """Plain text from the spec, every character printed as itself."""
    if text is None:
        return None
    out = escape_latex(str(text).replace("\r", ""))
    out = out.replace(r"\^{}", r"\textasciicircum{}").replace("\\newline%\n", " ")
    return NoEscape(out)


def _finalize(value):
    if isinstance(value, NoEscape):
        return value
    if isinstance(value, str):
        return plain(value)
    return value


class KindTemplates(jinja2.BaseLoader):
    """`kinds/NAME.tex`: the template.tex of the kind's folder, or the shared partial `kind.tex`."""

    def get_source(self, env, name):
        if not (name.startswith("kinds/") and name.endswith(".tex")):
            raise jinja2.TemplateNotFound(name)
        from .kinds import FOLDER

        own = FOLDER / name[len("kinds/"):-len(".tex")] / "template.tex"
        if not own.is_file():
            return env.loader.get_source(env, "kind.tex")
        mtime = own.stat().st_mtime
        return own.read_text(encoding="utf-8"), str(own), lambda: own.stat().st_mtime == mtime


USER_TEMPLATES: list[Path] = []  # --templates DIR: the course's own templates, before the shipped ones


def use_templates(directory: str | Path | None) -> None:
    """Templates of the course's own (`--templates DIR`) override the shipped ones by name, for this run."""
    USER_TEMPLATES[:] = [Path(directory).resolve()] if directory else []


def setting(spec, key: str, default: str) -> str:
    """A page setting of the spec (layout, paper), or its default for a spec-like record without one."""
    read = getattr(spec, "setting", None)
    return read(key, default) if read is not None else default


def search_path(spec=None) -> tuple[Path, ...]:
    """Where templates are looked up, first to last: the course's own (--templates), the layout's folder
    (templates/exam/ for layout: exam), the shipped templates."""
    layout = setting(spec, "layout", "article")
    return (*USER_TEMPLATES, *([TEMPLATES / layout] if layout != "article" else []), TEMPLATES)


@functools.lru_cache(maxsize=8)
def environment(directory: Path | tuple[Path, ...] = TEMPLATES) -> jinja2.Environment:
    """The Jinja environment of a template folder (or a search path of folders); one per folder, so that each
    template is compiled once per process (Jinja keeps compiled templates in its environment, and checks
    their files' times). A name the folders do not have, `kinds/NAME.tex`, is the kind's own partial
    (KindTemplates)."""
    folders = [str(d) for d in (directory if isinstance(directory, tuple) else (directory,))]
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folders), KindTemplates()]),
        block_start_string="(%", block_end_string="%)",
        variable_start_string="((", variable_end_string="))",
        comment_start_string="(#", comment_end_string="#)",
        line_statement_prefix=None, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False,
        finalize=_finalize,
    )


@functools.lru_cache(maxsize=4096)
def rule_text(text: str) -> NoEscape:
    """Words with math (a rule's wording, a note, an intro): plain text escaped, $...$ math kept (a function of
    the text alone, made once per text)."""
    parts = text.split("$")
    out = []
    for i, piece in enumerate(parts):
        out.append(f"${piece}$" if i % 2 else str(plain(piece)))
    return NoEscape("".join(out))


def printed(line: Line, form: str):
    """The line's math as the page prints it, `form` "math" (a displayed line's body) or "cells" (its table
    row), made once: the read-back's page (solution_block) prints it first, and the key, the exports and every
    later page print the very same string, so what the key shows is what was read back. Made again when a
    field it is printed from is no longer the same object (a line changed after printing) or the page width
    changed (--layout, --paper)."""
    sources = (linebreak.LIMIT[0], line.lhs, line.rhs, line.rhs_tex, line.approx, line.define, line.relation,
               line.therefore, line.given, *(line.given or ()), *line.chain)
    make = _line_math if form == "math" else _row_cells
    if any(isinstance(v, sp.MatrixBase) and not isinstance(v, sp.Basic) for v in sources):
        return make(line)  # a matrix that can change in place
    memo = line.printed
    if memo is None or len(memo[0]) != len(sources) or any(a is not b for a, b in zip(memo[0], sources)):
        memo = line.printed = (sources, {})
    if form not in memo[1]:
        memo[1][form] = make(line)
    return memo[1][form]


def _line_math(line: Line) -> NoEscape:
    rhs = line.rhs_tex if line.rhs_tex is not None else tex(line.rhs)
    relation = r"\approx" if line.approx else ":=" if line.define else claims.WORDS[line.relation]
    first = tex(line.lhs)
    if line.therefore:
        first = r"\therefore " + first
    if line.given is not None:
        first = f"{tex(line.given[0])} = {tex(line.given[1])},\\quad " + first
    forms = [(relation, rhs), *(("=", tex(form)) for form in line.chain)]
    rows = linebreak.rows(first, forms, linebreak.LIMIT[0])  # a line too wide for the page: rows of aligned
    body = first + "".join(f" {rel} {form}" for rel, form in forms) if rows is None else \
        "\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}"
    return NoEscape(body)


def _row_cells(line: Line) -> tuple:
    """A table row's cells: lhs | rhs | its last form."""
    rhs = line.rhs_tex if line.rhs_tex is not None else tex(line.rhs, inline=True)
    last = tex(line.chain[-1], inline=True) if line.chain else rhs
    if line.approx and line.chain:  # the printed factors give the value only to its rounding: said so
        last = "\\approx " + last
    return (NoEscape(f"${tex(line.lhs, inline=True)}$"), NoEscape(f"$\\displaystyle {rhs}$"), NoEscape(f"${last}$"))


def line_view(line: Line, ref: str = "") -> dict:
    return {"ref": ref, "math": printed(line, "math"), "note": rule_text(lang.say(line.note)) if line.note else None,
            "rule": rule_text(rules.text(line.rule)) if line.rule else None, "therefore": line.therefore}


def _table(part, p: int) -> dict:
    """A part shown as a table: one row per line, lhs | rhs | its last form."""
    rows = [{"ref": f"{p}.{i}", "cells": list(printed(line, "cells"))} for i, line in enumerate(part.lines)]
    return {"columns": [rule_text(lang.say(c)) for c in part.columns], "rows": rows}


def statement_of(problem) -> NoEscape | None:
    """The statement with its <<values>> filled in, or the kind's own description of the task."""
    text = getattr(problem, "statement_tex", None) or problem.statement
    if text:
        return NoEscape(text.strip())
    if problem.kind.describe is not None:
        return NoEscape(lang.say(problem.kind.describe(problem)))
    return None


def problem_view(problem, solution: Solution | None) -> dict:
    """What the templates show of one problem."""
    return _problem_view(problem, solution)


def points_text(points) -> str | None:
    """(4 points), (1 point), (2.5 points) in the language in use; None without points."""
    if points is None:
        return None
    return lang.word("point" if points == 1 else "points", points=f"{points:g}")


def _problem_view(problem, solution: Solution | None) -> dict:
    group = problem.group
    view = {"number": problem.number, "ref": problem.ref, "id": problem.id, "kind": problem.kind.name,
            "template": problem.kind.template, "statement": statement_of(problem),
            "points": points_text(problem.points), "part": problem.part,
            "part_label": f"({problem.part})" if problem.part else None,
            "heading": group is None or group.first,  # the problem's number (and its statement) go first
            "group_statement": NoEscape(problem.group_statement_tex.strip()) if group and group.statement else None,
            "group_points": points_text(group.points) if group else None}
    view["points_value"] = f"{problem.points:g}" if problem.points is not None else None  # the exam class's [4]
    view["group_points_value"] = f"{group.points:g}" if group and group.points is not None else None
    view["last_part"] = bool(group) and ord(problem.part) - ord("a") == group.count - 1
    view["points_fill"] = NoEscape(f" \\hfill {view['points']}") if view["points"] else ""
    view["group_points_fill"] = NoEscape(f" \\hfill {view['group_points']}") if view["group_points"] else ""
    if solution is None:
        return view
    parts = [{"label": part.label, "heading": f"{problem.ref}.{part.label})" if part.label else None,
              "intro": rule_text(lang.say(part.intro)) if part.intro else None,
              "lines": [line_view(line, f"{p}.{i}") for i, line in enumerate(part.lines)],
              "table": _table(part, p) if part.columns else None} for p, part in enumerate(solution.parts)]
    view.update(parts=parts, data=_data_view(solution.data), checks=[rule_text(lang.say(c)) for c in solution.checks],
                verified=solution.verified)
    return view


def _options(options):
    """A kind's options with their fixed words (True, False) in the language in use."""
    return [{**o, "text": NoEscape(lang.say(str(o["text"]))) if isinstance(o.get("text"), NoEscape)
             else lang.say(o["text"]) if isinstance(o.get("text"), str) else o.get("text")} for o in options]


def _data_view(data: dict) -> dict:
    if lang.current() == "en" or not data.get("options"):
        return data
    return {**data, "options": _options(data["options"])}


def _template_errors(function):
    """A template that Jinja cannot parse or render (a course's own, from --templates) reported as an error
    at the template's file and line, never a traceback."""
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except jinja2.TemplateError as exc:
            from .errors import UsageError

            where, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
            if where is None:  # a failure while rendering: the template's frame in the traceback
                frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith(".py")]
                if frames:
                    where, line = frames[-1].filename, frames[-1].lineno
            at = f"{where}:{line}: " if where and line else f"{where}: " if where else ""
            raise UsageError(f"template {at}{exc.message or type(exc).__name__} (check the template's "
                             f"(( value )) and (% block %) syntax and the names it uses)") from None
    return wrapped


@_template_errors
def solution_block(problem, solution: Solution, directory=None) -> str:
    """The problem's worked solution as its kind's template prints it (the lines the page shows, each
    after a `%line P.L` marker): what the read-back reads (with the course's own templates, if any), in
    the spec's language (lang.py)."""
    with lang.speaking(lang.of(problem)):
        view = _problem_view(problem, solution)
        return environment(directory or search_path()).get_template(problem.kind.template).render(
            problem=view, show_rules=True, words=lang.words())


def _header(spec) -> dict:
    student = None
    if spec.student:
        student = plain(f"{spec.student['name']} ({spec.student['id']})" if spec.student.get("name")
                        else spec.student["id"])
    return dict(title=plain(spec.title), author=plain(spec.author), date=plain(spec.date), student=student,
                words=lang.words(lang.of(spec)),
                seed=spec.seed, code=plain(spec.code) if getattr(spec, "code", None) else None,
                student_id=plain(spec.student["id"]) if spec.student else None,
                paper=setting(spec, "paper", "letter"), layout=setting(spec, "layout", "article"))


@_template_errors
def head(spec, directory=None) -> str:
    """The start that the key and the question sheet share, up to \\begin{document}: known before solving,
    so that TeX can start on it early (texcompile.EarlyCompile)."""
    with lang.speaking(lang.of(spec)):
        return environment(directory or search_path(spec)).get_template("head.tex").render(**_header(spec))


@_template_errors
def render(spec, solutions: list, directory=None, show_rules: bool = True, show_checks: bool = True,
           answers: bool = True) -> str:
    """The answer key: statements and worked solutions (`answers` False: the exam layout's question sheet,
    the same source without \\printanswers)."""
    template = environment(directory or search_path(spec)).get_template("document.tex")
    with lang.speaking(lang.of(spec)):  # the rules, the sentences and the words in the spec's language
        return template.render(
            **_header(spec), problems=[problem_view(p, s) for p, s in zip(spec.problems, solutions)],
            show_rules=show_rules, show_checks=show_checks, answers=answers,
        )


@_template_errors
def render_questions(spec, solutions: list, directory=None, room_cm: int = 6) -> str:
    """The question sheet: statements with the given values, figures without gradients, and room to
    write; no solutions. In the exam layout, the key's own source without \\printanswers."""
    if setting(spec, "layout", "article") == "exam":
        return render(spec, solutions, directory, answers=False)
    template = environment(directory or search_path(spec)).get_template("questions.tex")
    with lang.speaking(lang.of(spec)):
        return template.render(**_header(spec), problems=question_views(spec, solutions), room=f"{room_cm}cm")


def question_views(spec, solutions: list) -> list[dict]:
    """What a question sheet shows of each problem: its view without the solution, with its figure (no
    gradients), a claim to judge, the options (unmarked) and the room to write."""
    problems = []
    for p, s in zip(spec.problems, solutions):
        view = problem_view(p, None)
        view["figure"] = s.data.get("figure")
        view["claim"] = s.data.get("claim")  # answers in words: the claim, the options (unmarked), the room
        view["options"] = _options([{"label": o["label"], "text": o["text"]} for o in s.data.get("options") or []])
        view["room"] = s.data.get("room")
        problems.append(view)
    return problems


@_template_errors
def render_gradescope(spec, solutions: list, directory=None, box_cm: int = 9) -> str:
    """The question sheet for Gradescope (--export gradescope): a cover with the student's name and id,
    then every problem (or part) on its own page with an answer box of `box_cm` at the foot of the page,
    the same size and place on every student's sheet."""
    template = environment(directory or search_path(spec)).get_template("gradescope.tex")
    with lang.speaking(lang.of(spec)):
        return template.render(**_header(spec), problems=question_views(spec, solutions), box=f"{box_cm}cm",
                               student_name=plain((spec.student or {}).get("name") or ""))


@_template_errors
def render_figure(spec, figure: dict, directory=None) -> str:
    """A question sheet's figure alone on a page (the LMS exports crop it to a PNG)."""
    template = environment(directory or search_path(spec)).get_template("export-figure.tex")
    with lang.speaking(lang.of(spec)):
        return template.render(**_header(spec), figure=figure)


@_template_errors
def render_fragments(spec, solutions: list, directory=None, show_rules: bool = True) -> dict:
    """The key's problems one by one, to \\input into a course's own document (--fragments): {file name:
    LaTeX}, N.tex per problem (with its parts) and preamble.tex, what their preamble needs."""
    env = environment(directory or search_path(spec))
    by_number: dict = {}
    for p, s in zip(spec.problems, solutions):
        by_number.setdefault(p.number, []).append(problem_view(p, s))
    header = _header(spec)
    out = {f"{number}.tex": env.get_template("fragment.tex").render(**header, problems=views, show_rules=show_rules)
           for number, views in by_number.items()}
    out["preamble.tex"] = env.get_template("fragment-preamble.tex").render(**header)
    return out


def render_master(spec_name: str, title: str, columns: list, rows: list, directory=None,
                  language: str = "en", count: int | None = None) -> str:
    """The graders' table of every variant's answers: one table per problem, one row per variant.

    `columns`: [(problem number, [labels])]; `rows`: [{"variant", "seed", "student", "answers":
    {(number, label): latex}}]; `count`: the variants the title names (default: the rows)."""
    template = environment(directory or search_path()).get_template("master.tex")
    tables = []
    for number, labels in columns:
        tables.append({"number": number, "labels": labels,
                       "rows": [{"variant": r["variant"], "seed": r["seed"], "code": plain(r.get("code") or ""),
                                 "student": plain(r["student"] or ""),
                                 "cells": [NoEscape(r["answers"].get((number, label), "")) for label in labels]}
                                for r in rows]})
    words = lang.words(language)
    count = len(rows) if count is None else count
    return template.render(title=plain(words["answers_of_variants"].format(title=title, count=count)),
                           name=plain(spec_name), tables=tables, words=words)
