"""--export moodle|qti|gradescope: the run's variants (or its one key) as files an LMS imports.

    entry = variant_entry(spec, solutions, variant, kinds, ...)   # in each variant's worker: plain data
    files(kinds, name, title, entries, directory)                 # once, at the end: [(path, bytes)]

written by build.write beside the graders' table. items.py makes the data (the statement as HTML with
MathJax math, the answers as answers.json records them, tolerances, the worked solution, figures as PNG);
moodle.py, qti.py and gradescope.py each write one file from it."""
from __future__ import annotations

from pathlib import Path

from .. import lang, render, texcompile
from ..errors import UsageError
from . import figure, items

KINDS = ("moodle", "qti", "gradescope")
SUFFIX = {"moodle": ".moodle.xml", "qti": ".qti.zip", "gradescope": ".gradescope.pdf"}


def parse(values: list[str] | None) -> list[str]:
    """--export values (repeated or comma-separated) as a list of kinds in the order given, each once."""
    out: list[str] = []
    for value in values or []:
        for kind in (v.strip().lower() for v in value.split(",")):
            if kind not in KINDS:
                raise UsageError(f"--export {kind or value!r}: expected one of {', '.join(KINDS)} "
                                 "(several: --export moodle,qti)")
            if kind not in out:
                out.append(kind)
    return out


def variant_entry(spec, solutions, variant, kinds: list[str], pdf: bool = True, preloaded=None) -> dict:
    """What the exports say of one variant (or of the one key, variant None), as plain data."""
    entry = {"variant": variant.number if variant else 1, "seed": variant.seed if variant else spec.seed,
             "code": spec.code or "", "student_id": variant.student.id if variant and variant.student else "",
             "student_name": variant.student.name if variant and variant.student else "",
             "questions": [], "gradescope": None}
    with lang.speaking(lang.of(spec)):
        if "moodle" in kinds or "qti" in kinds:
            for problem, solution, view in zip(spec.problems, solutions, render.question_views(spec, solutions)):
                image = None
                if view.get("figure") and pdf:
                    image = (f"{problem.ref}-v{entry['variant']}.png", figure.png(spec, view["figure"], preloaded))
                item = items.question(spec, problem, solution, view, image)
                if view.get("figure") and not pdf:  # --no-pdf: no TeX to draw it with
                    item["statement"] += "<p><i>(The figure is on the question sheet.)</i></p>"
                entry["questions"].append(item)
    if "gradescope" in kinds:
        labels = {p.ref: p.label for p in spec.problems}
        entry["gradescope"] = texcompile.compile_pdf(render.render_gradescope(spec, solutions), "gradescope",
                                                     labels, preloaded=preloaded)
    return entry


def files(kinds: list[str], name: str, title: str, entries: list[dict], directory: Path) -> list[tuple[Path, bytes]]:
    """The export files of a run, from its variants' entries (in variant order)."""
    from . import gradescope, moodle, qti

    write = {"moodle": moodle.quiz, "qti": qti.package, "gradescope": gradescope.merged}
    return [(Path(directory) / f"{name}{SUFFIX[kind]}", write[kind](name, title, entries)) for kind in kinds]
