"""The Python API, for notebooks and course scripts: the command line's build as one call.

    import answerkey
    key = answerkey.build("problems/dl-hw2.yaml", out="build", set={"4.inputs.z": 7})
    key.answers["problems"][3]["answers"]["a"]["value"]      # what answers.json says
    runs = answerkey.build(spec_dict, variants=30, sheet="both", pdf=False)
    for variant in runs.variants: ...                        # each variant's answers.json, as data

Errors are raised as the command line reports them: answerkey.SpecError (with file:line:col; for a dict,
the line of its YAML form), VerificationError, CannotDerive, TexError, UsageError, all AnswerkeyError.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import loader
from . import build as buildmod  # the pipeline (answerkey.build, which is also callable: this function)

_OPTIONS = {  # the keyword: (Options field, what it is)
    "out": ("out", "the output folder (default build/)"),
    "set": ("sets", "overrides: {'4.inputs.z': 7} or ['4.inputs.z=7']"),
    "seed": ("seed", "draw every random field with this seed"),
    "variants": ("variants", "this many variants"),
    "roster": ("roster", "a roster CSV (columns id,name): one variant per student"),
    "sheet": ("sheet", "'key' (default), 'questions' or 'both'"),
    "pdf": ("pdf", "compile PDFs (default True)"),
    "check": ("check_only", "validate, solve and verify only; write nothing"),
    "rules": ("show_rules", "print the rule beside each step (default True)"),
    "checks": ("show_checks", "print the verification record (default True)"),
    "layout": ("layout", "'article' or 'exam'"),
    "language": ("language", "'en' or 'ko'"),
    "templates": ("templates", "a folder of the course's own templates"),
    "fragments": ("fragments", "also write one file per problem"),
    "jobs": ("jobs", "processes (default: all cores)"),
    "export": ("exports", "LMS exports: ['moodle', 'qti', 'gradescope']"),
}


@dataclass
class Build:
    """What a build made. `answers`: the key's answers.json as data (for a run of variants, the first
    variant's); `variants`: every variant's, in order; `files`: the files written; `solutions`: the
    default build's derivation.Solution of each problem of `spec`; `failures`: (message, exit code) of
    variants that failed (the others were built)."""

    spec: object
    solutions: list
    answers: dict
    variants: list[dict]
    files: list[Path]
    failures: list[tuple[str, int]]
    directory: Path | None = None  # a run of variants: its folder

    @property
    def ok(self) -> bool:
        return not self.failures


def build(spec, *, name: str | None = None, **options) -> Build:
    """Build the answer key of `spec` (a path to a YAML file, or the spec as a dict) with the command
    line's options as keywords (out, set, seed, variants, roster, sheet, pdf, check, rules, checks, layout,
    language, templates, fragments, jobs, export). `name` names a dict spec's outputs (default 'spec')."""
    values = {}
    for key, value in options.items():
        if key not in _OPTIONS:
            close = difflib.get_close_matches(key, list(_OPTIONS), n=1)
            raise TypeError(f"answerkey.build() got an unknown option {key!r}"
                            + (f"; did you mean {close[0]!r}?" if close else "")
                            + " (options: " + ", ".join(_OPTIONS) + ")")
        values[_OPTIONS[key][0]] = value
    sets = values.get("sets")
    if isinstance(sets, dict):
        values["sets"] = [f"{k}={_scalar(v)}" for k, v in sets.items()]
    elif isinstance(sets, str):
        values["sets"] = [sets]
    if isinstance(values.get("exports"), str):
        values["exports"] = [values["exports"]]
    if "out" in values:
        values["out"] = Path(values["out"])
    if values.get("roster") is not None:
        values["roster"] = str(values["roster"])
    opts = buildmod.Options(**values, keep_answers=True)
    if isinstance(spec, dict):
        label = name or "spec"
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
        document = loader.load_text(text, f"<{label}>")
        result = buildmod.run(f"{label}.yaml", opts, document)
    elif isinstance(spec, (str, Path)):
        result = buildmod.run(spec, opts)
    else:
        raise TypeError(f"answerkey.build() takes a path or a dict, not {type(spec).__name__}")
    answers = [result.answers[k] for k in sorted(result.answers)]
    return Build(result.spec, result.solutions, answers[0] if answers else {}, answers, list(result.written),
                 list(result.failures), result.directory)


def _scalar(value) -> str:
    """A value as --set reads it (a YAML scalar)."""
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
