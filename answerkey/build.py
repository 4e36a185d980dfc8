"""The pipeline, one readable function per use: load, solve, verify, render, compile, write.

Everything is gathered and checked before anything is written; outputs are written atomically.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import draws, loader, outputs, render, spec as specmod, texcompile, verify
from .errors import AnswerkeyError, CannotDerive, SpecError


@dataclass
class Options:
    out: Path = Path("build")
    sets: list[str] = field(default_factory=list)
    pdf: bool = True
    check_only: bool = False
    show_rules: bool = True
    show_checks: bool = True


@dataclass
class Result:
    spec: specmod.Spec
    solutions: list
    tex: str | None = None
    written: list[Path] = field(default_factory=list)


def load_spec(path: str | Path, sets: list[str] | None = None, rng=None) -> specmod.Spec:
    """YAML -> validated Spec: read with positions, --set overrides, draws, every field validated."""
    doc = loader.load(path)
    specmod.apply_overrides(doc, sets or [])
    draws.resolve(doc, rng)
    return specmod.build(doc, specmod.spec_name(path))


def solve_all(spec: specmod.Spec) -> list:
    """Solve and verify every problem; spec errors of all problems are gathered and raised together."""
    solutions, diagnostics = [], []
    for problem in spec.problems:
        try:
            solutions.append(problem.kind.solve(problem))
        except SpecError as exc:
            diagnostics.extend(exc.diagnostics)
        except CannotDerive as exc:
            text = str(exc)
            if problem.label not in text:
                text = f"{problem.doc.file}: {problem.label}: cannot derive this: {text}"
            raise CannotDerive(text) from None
    if diagnostics:
        raise SpecError(diagnostics)
    for problem, solution in zip(spec.problems, solutions):
        verify.verify(problem, solution)  # every equality, every answer, independently
    return solutions


def run(path: str | Path, options: Options) -> Result:
    spec = load_spec(path, options.sets)  # YAML -> validated Spec, every node with its file:line:col
    solutions = solve_all(spec)  # SymPy derivations, each step checked, each answer confirmed
    result = Result(spec, solutions)
    if options.check_only:
        return result
    tex = render.render(spec, solutions, show_rules=options.show_rules,
                        show_checks=options.show_checks)  # Jinja: places and loops, never computes
    result.tex = tex
    pdf = None
    if options.pdf:  # latexmk; a failure names its problem
        pdf = texcompile.compile_pdf(tex, spec.name, {str(p.number): p.label for p in spec.problems})
    out = Path(options.out)
    files = [(out / f"{spec.name}.tex", tex),
             (out / f"{spec.name}.answers.json", outputs.answers_json(spec, solutions))]
    if pdf is not None:
        files.append((out / f"{spec.name}.pdf", pdf))
    for target, data in files:  # all produced before any is written; each written atomically
        outputs.atomic_write(target, data)
        result.written.append(target)
    return result


__all__ = ["Options", "Result", "run", "load_spec", "solve_all", "AnswerkeyError"]
