"""The pipeline, one readable function per use: load, solve, verify, render, compile, write.

    base = load_base(path, sets)            # YAML -> data with every value's file:line:col; --set applied
    spec, solutions = canonical(base)       # defaults drawn, every field validated, solved, verified
    for variant in plan(...):               # --seed, --variants, --roster: seeded draws, where: met
        spec, solutions = realize(base, variant)
        files = produce(spec, solutions)    # Jinja places values; pdflatex compiles; nothing written yet
        write(files)                        # each file atomically

Everything is gathered and checked before anything is written; a failed build leaves earlier outputs.

Who makes what. Each stage hands on a record that the later stages only read:

    stage     made by                          record                  holds
    load      loader.load, spec.apply_overrides loader.Document        the data; every value's and key's position;
                                                                       which paths --set gave
    draw      draws.resolve_tree               loader.Document         each draw replaced (its default, or drawn)
    validate  spec.build (schema.py)           spec.Spec, spec.Problem  title, author, date; per problem its kind,
                                               (frozen)                fields (a frozen pydantic model), params,
                                                                       statement, where; statement_tex (filled
                                                                       once, on first use)
    solve     kind.solve (kinds/NAME/solve.py) derivation.Solution     parts of lines (each with its rule and the
                                                                       value its left side means), answers, data
    verify    verify.verify                    the same Solution       checks (what was confirmed), readback (the
                                                                       page's record), verified; nothing else
    render    render.render, render_questions  str                     the LaTeX of a key or a question sheet
    compile   texcompile                       bytes                   the PDF
    write     build.write, outputs             files                   .tex, .pdf, answers.json (atomically)

Speed sits behind three interfaces: parallel.run_all (the one executor: the problems of a key, and the
variants of a run), texcompile.HeadStart (TeX started on the preamble while problems are solved) and
texbatch.run_all (the variants' sheets typeset many per TeX run, a batch at a time on each core).
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import __version__, draws, export, lang, linebreak, loader, outputs, parallel, refs, render, spec as specmod, texbatch, texcheck, texcompile, variants as variantmod, verify
from .errors import AnswerkeyError, CannotDerive, Collector, SpecError, UsageError, VerificationError

SHEETS = ("key", "questions", "both")
PROBLEM_SECONDS = 30  # the time one problem may take to solve and verify


@contextlib.contextmanager
def time_limit(problem, seconds: int = PROBLEM_SECONDS):
    """Stop a problem that takes too long (a hostile or runaway expression) with a clear error."""
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):
        raise CannotDerive(f"{problem.doc.file}: {problem.label}: gave up after {seconds} s: the problem "
                           "is too large to solve and verify (simplify its expressions)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Options:
    out: Path = Path("build")
    sets: list[str] = field(default_factory=list)
    pdf: bool = True
    check_only: bool = False
    show_rules: bool = True
    show_checks: bool = True
    sheet: str = "key"
    seed: int | None = None
    variants: int | None = None
    roster: str | None = None
    jobs: int | None = None
    progress: bool = False
    layout: str | None = None  # --layout: overrides the spec's layout:
    templates: str | None = None  # --templates DIR: the course's own templates, by name
    fragments: bool = False  # --fragments: NAME.problems/N.tex per problem and preamble.tex
    language: str | None = None  # --language: overrides the spec's language:
    keep_answers: bool = False  # every variant's answers.json as data in Result.answers (the Python API)
    exports: list[str] = field(default_factory=list)  # --export moodle,qti,gradescope (answerkey/export)


@dataclass
class Result:
    spec: specmod.Spec
    solutions: list
    tex: str | None = None
    written: list[Path] = field(default_factory=list)
    built: int = 1  # variants built
    directory: Path | None = None  # the run's folder (NAME-variants/, NAME-roster/)
    answers: dict = field(default_factory=dict)  # what each variant's answers.json says, by variant number
    failures: list[tuple[str, int]] = field(default_factory=list)  # (message, exit code) per failed variant

    @property
    def exit_code(self) -> int:
        return max((code for _, code in self.failures), default=0)


# -- stage 1-3: load, validate, solve, verify --------------------------------------------------------


def load_base(path: str | Path, sets: list[str] | None = None) -> loader.Document:
    """The spec as data with positions, --set overrides applied, draws not yet made."""
    doc = loader.load(path)
    specmod.apply_overrides(doc, sets or [])
    return doc


def load_spec(path: str | Path, sets: list[str] | None = None, rng=None) -> specmod.Spec:
    """YAML -> validated Spec with every draw at its default (or drawn with rng)."""
    doc = load_base(path, sets)
    draws.resolve(doc, rng)
    return specmod.build(doc, specmod.spec_name(path))


def solve_one(problem):
    """Statement filled, solution derived, every step checked and every answer confirmed."""
    problem.statement_tex  # filled (a missing <<value>> is a spec error)
    kind, value = _outcome(problem)
    if kind == "spec":
        raise SpecError(value)
    if kind in _FAILURES:
        raise _FAILURES[kind](value)
    return value


def _outcome(problem, check: bool = True) -> tuple[str, object]:
    """One problem solved and (if `check`) verified, as data that can cross a process boundary:
    ("ok", solution), ("spec", diagnostics), ("derive", message) or ("verify", message)."""
    try:
        with time_limit(problem):
            solution = problem.kind.solve(problem)
    except SpecError as exc:
        return "spec", exc.diagnostics
    except CannotDerive as exc:
        text = str(exc)
        if problem.label not in text:
            text = f"{problem.doc.file}: {problem.label}: cannot derive this: {text}"
        return "derive", text
    if check:
        try:
            with time_limit(problem):
                solution = verify.verify(problem, solution)  # every line, every answer, independently
        except CannotDerive as exc:  # e.g. a kink where the conventions give no derivative, or out of time
            return "derive", str(exc)
        except VerificationError as exc:
            return "verify", str(exc)
    return "ok", solution


_FAILURES = {"derive": CannotDerive, "verify": VerificationError}  # _outcome's kinds -> the error raised


def solve_all(spec: specmod.Spec, collect: Collector | None = None, jobs: int | None = None) -> list:
    """Solve and verify every problem, on up to `jobs` processes (default: one per core).
    Spec errors of all problems (and those already in `collect`) are gathered and raised together,
    before any failure to derive, which comes before any verification failure; each in problem order."""
    diagnostics = list(collect.diagnostics) if collect else []
    problems, found = [], {}  # the problems to solve; spec errors by problem (its place in the spec)
    place = {id(p): n for n, p in enumerate(spec.problems)}
    for problem in spec.problems:
        try:
            problem.statement_tex  # filled (a missing <<value>> is a spec error)
            problem.group_statement_tex
            problems.append(problem)
        except SpecError as exc:
            found[place[id(problem)]] = list(exc.diagnostics)
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(problems) > 1:
        from . import reader
        reader._parser()  # the read-back's parser, made once before the helpers fork
    check = not (diagnostics or found)
    outcomes = _solve_in_order(problems, check, jobs)
    for problem, (kind, value) in zip(problems, outcomes):
        if kind == "spec":
            found[place[id(problem)]] = list(value)
    diagnostics += [d for number in sorted(found) for d in found[number]]
    if diagnostics:
        raise SpecError(sorted(diagnostics, key=lambda d: (d.where.line or 0, d.where.col or 0))
                        if collect and collect.diagnostics else diagnostics)
    for wanted, error in _FAILURES.items():  # a failure to derive before a failure of the checks
        for kind, value in outcomes:
            if kind == wanted:
                raise error(value)
    solved = [(p, value) for p, (_, value) in zip(problems, outcomes)]
    for problem, solution in solved:  # every problem's where: errors together, in problem order
        try:
            failed = variantmod.failed_condition(problem, solution)
        except SpecError as exc:
            diagnostics += exc.diagnostics
            continue
        if failed is not None:
            diagnostics.append(specmod.Diagnostic(problem.where("where"),
                                                  f"the default values do not satisfy '{failed}'"))
    if diagnostics:
        raise SpecError(diagnostics)
    return [s for _, s in solved]


def _solve_in_order(problems: list, check: bool, jobs: int) -> list:
    """The outcomes of the problems, in their order: those that answer with other problems' answers
    (short answers, choices) after the rest, each offered the solved problems before it (refs.py)."""
    first = [p for p in problems if not p.kind.after]
    done = dict(zip(map(id, first), parallel.run_all(first, lambda p: _outcome(p, check), jobs)))
    for problem in problems:
        if problem.kind.after:
            earlier = [(p, done[id(p)][1]) for p in problems[:problems.index(problem)]
                       if done.get(id(p), ("",))[0] == "ok"]
            refs.offer(problem, earlier)
            done[id(problem)] = _outcome(problem, check)
    return [done[id(p)] for p in problems]


def canonical(base: loader.Document, name: str, on_spec=None, jobs: int | None = None):
    """The default build of the spec: every error of every problem reported together. `on_spec(spec)` is
    called once the spec is valid, before solving (to start TeX on the document's head)."""
    doc = loader.Document(base.file, draws.resolve_tree(base.data, (), base, None), base.positions,
                          base.key_positions, base.overridden)
    errors = Collector()
    spec = specmod.build(doc, name, errors)
    if on_spec is not None and not errors.diagnostics:
        on_spec(spec)
    return spec, solve_all(spec, errors, jobs)


# -- stage 4-6: render, compile, write ---------------------------------------------------------------


def _documents(options: Options, stem: str) -> list[tuple[str, str]]:
    """The documents of one sheet set, (file stem, sheet): the key, the question sheet, or both."""
    return ([(stem, "key")] if options.sheet in ("key", "both") else []) + \
        ([(f"{stem}.questions", "questions")] if options.sheet in ("questions", "both") else [])


def produce(spec, solutions, options: Options, directory: Path, stem: str,
            tex: texcompile.HeadStart | None = None, preloaded: texcompile.Preloaded | None = None,
            defer: bool = False) -> list[tuple[Path, bytes | str]]:
    """Every output file of one sheet set, made in memory: (path, content). `tex` may hold TeX runs already
    started on the documents' heads; `preloaded`, a format of the shared preamble; `defer`: each PDF left
    to make as a texbatch.Pending (typeset with other variants' in one TeX run)."""
    labels = texcompile.Labels({p.ref: p.label for p in spec.problems}, sources=texcheck.sources(spec))
    files: list[tuple[Path, bytes | str]] = []
    for doc_stem, sheet in _documents(options, stem):
        text = render.render_questions(spec, solutions) if sheet == "questions" else \
            render.render(spec, solutions, show_rules=options.show_rules, show_checks=options.show_checks)
        files.append((directory / f"{doc_stem}.tex", text))
        if options.pdf:
            started = tex.take(doc_stem) if tex else None
            pdf = texbatch.Pending(text, doc_stem, labels, sheet) if defer else \
                started.finish(text, labels) if started else \
                texcompile.compile_pdf(text, doc_stem, labels, preloaded=preloaded)
            files.append((directory / f"{doc_stem}.pdf", pdf))
    files.append((directory / f"{stem}.answers.json", outputs.answers_json(spec, solutions)))
    if options.fragments:  # one problem per file, to \input into the course's own document
        for name, text in render.render_fragments(spec, solutions, show_rules=options.show_rules).items():
            files.append((directory / f"{stem}.problems" / name, text))
    return files


def write(files, known: dict | None = None) -> list[Path]:
    """Each file atomically. `known`: the files go into a RunFolder, which syncs them to the disk when it is
    committed; each file's (bytes, SHA-256) for its manifest is put there (path -> digest)."""
    written = []
    for target, data in files:
        try:
            if known is None:
                outputs.atomic_write(target, data)
            else:
                raw = data.encode("utf-8") if isinstance(data, str) else data
                outputs.atomic_write(target, raw, sync=False)
                known[str(target)] = outputs.digest(raw)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(target)
    return written


# -- the command's uses ------------------------------------------------------------------------------


def run(path: str | Path, options: Options, document: loader.Document | None = None) -> Result:
    """The command: the default key is always built first (every problem validated, solved and verified),
    then the key asked for (its seed's draws), or every variant; nothing is written before all is made.
    `document`: the spec already read (answerkey.build of a dict), `path` then only names it."""
    if options.sheet not in SHEETS:
        raise UsageError(f"--sheet must be one of {', '.join(SHEETS)}")
    if options.variants and options.roster:
        raise UsageError("--variants and --roster cannot be used together")
    name = specmod.spec_name(path)
    options.exports = export.parse(options.exports)
    if "gradescope" in options.exports and not options.pdf:
        raise UsageError("--export gradescope makes a PDF: it cannot be used with --no-pdf")
    roster = variantmod.read_roster(options.roster) if options.roster else None
    if document is None:
        base = load_base(path, options.sets)                  # YAML, every value's position; --set applied
    else:
        base = document
        specmod.apply_overrides(base, options.sets or [])
    if options.templates is not None and not Path(options.templates).is_dir():
        raise UsageError(f"--templates {options.templates}: no such folder")
    render.use_templates(options.templates)                   # the course's own templates, by name
    if options.layout and isinstance(base.data, dict):
        base.data["layout"] = options.layout
    if options.language and isinstance(base.data, dict):
        base.data["language"] = options.language              # rendered in it (lang.py); computed in English
    linebreak.use_layout(str(base.data.get("layout") or "article") if isinstance(base.data, dict) else "article",
                         str(base.data.get("paper") or "letter") if isinstance(base.data, dict) else "letter")
    plan = variantmod.plan(name, options.seed, options.variants, roster)  # one key, one seed, or variants
    single = len(plan) == 1 and not roster and not options.variants
    with texcompile.HeadStart(options.pdf and not options.check_only, single) as tex:
        def start_tex(spec):                                  # TeX reads the preamble while problems are solved
            if single and plan[0].seed is not None:            # --seed: the key's head names the seed's code
                spec = replace(spec, seed=plan[0].seed, code=variantmod.variant_code(name, plan[0].seed))
            tex.start(render.head(spec), [s for s, _ in _documents(options, name + plan[0].stem_suffix)])

        spec, solutions = canonical(base, name, start_tex, options.jobs)  # draws at their defaults
        if not single:
            return run_variants(base, name, plan, options, Result(spec, solutions), tex.format())
        if plan[0].seed is not None:                           # --seed: the same problems, drawn
            spec, solutions = variantmod.realize(base, name, plan[0], solve_one, _shared(spec, solutions))
        result = Result(spec, solutions)
        if options.keep_answers:
            result.answers[1] = outputs.answers_data(spec, solutions)
        if options.check_only:
            return result
        files = produce(spec, solutions, options, Path(options.out), name + plan[0].stem_suffix, tex)  # in memory
        if options.exports:                                    # --export: the one key's questions for an LMS
            entry = export.variant_entry(spec, solutions, plan[0] if plan[0].seed is not None else None,
                                         options.exports, options.pdf)
            files += export.files(options.exports, name + plan[0].stem_suffix, spec.title, [entry], Path(options.out))
        result.tex = next((d for p, d in files if p.suffix == ".tex"), None)
        result.written = write(files)                          # each file atomically
        return result


def _shared(spec, solutions) -> dict:
    """The canonical problems and solutions by the index of their entry in `problems:` (a problem of parts:
    its parts', in order): reused by variants for problems without draws."""
    out: dict = {}
    for p, s in zip(spec.problems, solutions):
        out.setdefault(p.number - 1, []).append((p, s))
    return out


def _build_variant(base, name, variant, options, directory, shared, preloaded=None):
    """One variant solved and rendered, in a worker: (variant, spec, solutions, files to write, their PDFs
    still to typeset with the batch's: texbatch.Pending, what the exports say of it), or raises."""
    spec, solutions = variantmod.realize(base, name, variant, solve_one, shared)
    if options.check_only:
        return variant, spec, solutions, [], None
    files = produce(spec, solutions, options, directory, name + variant.stem_suffix, preloaded=preloaded,
                    defer=True)
    entry = export.variant_entry(spec, solutions, variant, options.exports, options.pdf, preloaded) \
        if options.exports else None
    return variant, spec, solutions, files, entry


def run_variants(base, name, plan, options: Options, result: Result,
                 preloaded: texcompile.Preloaded | None = None) -> Result:
    """Every variant of the plan, on all cores (parallel.run_all; the canonical problems and solutions,
    which variants without draws of their own reuse, reach the helpers by the fork itself), then the
    graders' master key of those that succeeded; a failing variant is reported and the others go on.
    The run's folder (NAME-variants/, or NAME-roster/ for a roster) is made whole beside its target and
    replaces it at once (outputs.RunFolder): never a mix of two runs' sheets."""
    target = Path(options.out) / f"{name}-{'roster' if options.roster else 'variants'}"
    result.directory = target
    shared = _shared(result.spec, result.solutions)
    master = master_start(name, result.spec, len(plan)) if options.pdf and not options.check_only else None
    with outputs.RunFolder(target, dry=options.check_only) as folder, contextlib.ExitStack() as stack:
        if master is not None:
            stack.enter_context(master)
        directory = folder.path  # where this run's files go until it is done

        def make(variant):  # solved and rendered; the PDFs are typeset with the batch's (texbatch)
            try:
                variant, spec, solutions, files, entry = _build_variant(base, name, variant, options, directory,
                                                                        shared, preloaded)
                return (variant, spec, solutions, entry, None), files
            except AnswerkeyError as exc:
                return (variant, None, None, None, (str(exc), exc.exit_code)), None

        def finish(state, files, tex_error):
            variant, spec, solutions, entry, failure = state
            failure = failure or (tex_error and (str(tex_error), tex_error.exit_code))
            if failure:
                return variant, None, [], None, failure
            try:
                digests: dict = {}
                written = write(files, digests)
                return variant, (master_row(variant, spec, solutions),
                                 outputs.answers_data(spec, solutions) if options.keep_answers else None,
                                 digests), written, entry, None
            except AnswerkeyError as exc:
                return variant, None, [], None, (str(exc), exc.exit_code)

        rows: dict[int, dict] = {}
        entries: dict[int, dict] = {}  # what the exports say of each variant (--export)
        outcomes, pages = texbatch.run_all(plan, make, finish, options.jobs or os.cpu_count() or 1,
                                           _progress if options.progress else None, directory, preloaded,
                                           batched=options.pdf and not options.check_only)
        failed, sheets = [], []
        known: dict = {}  # each written file's (bytes, SHA-256), for the manifest
        for variant, row, written, entry, failure in outcomes:
            if failure:
                who = f"variant {variant.number} (seed {variant.seed}" + (
                    f", student {variant.student.id} {variant.student.name}" if variant.student else "") + ")"
                result.failures.append((f"{who}: {failure[0]}", failure[1]))
                failed.append({"variant": variant.number, "seed": variant.seed,
                               **({"student_id": variant.student.id} if variant.student else {}),
                               "error": failure[0]})
            else:
                row, answers, digests = row
                known.update(digests)
                if answers is not None:
                    result.answers[variant.number] = answers
                rows[variant.number] = row
                result.written.extend(written)
                if entry is not None:
                    entries[variant.number] = entry
                sheets.append({"variant": variant.number, "seed": variant.seed, "variant_code": row["code"],
                               **({"student_id": variant.student.id, "student_name": variant.student.name}
                                  if variant.student else {}),
                               "files": [p.relative_to(directory).as_posix() for p in written]})
        result.built = len(rows)
        if not rows or options.check_only:
            return result  # nothing replaces the folder a run before made
        ordered = [rows[k] for k in sorted(rows)]
        folder.sync_soon(known)  # the variants' files, while the graders' table and the print files are made
        with ThreadPoolExecutor(1) as pool:  # all-keys.pdf, all-questions.pdf while TeX makes answers.pdf
            prints = pool.submit(texbatch.print_files, directory,
                                 [p for (*_, failure), p in zip(outcomes, pages) if not failure])
            result.written.extend(write(master_files(name, result.spec, ordered, directory, options.pdf, master),
                                        known))
            try:
                result.written.extend(prints.result())
            except OSError as exc:
                raise UsageError(f"cannot write the print files in {target}: {exc.strerror or exc}") from None
        if options.exports:
            result.written.extend(write(export.files(options.exports, name, result.spec.title,
                                                     [entries[k] for k in sorted(entries)], directory), known))
        folder.commit(manifest={"spec": result.spec.file, "answerkey": __version__,
                                "run": "roster" if options.roster else "variants",
                                **({"roster": str(options.roster)} if options.roster else
                                   {"count": len(plan), "first_seed": plan[0].seed}),
                                "sheet": options.sheet, "pdf": options.pdf, "exports": options.exports,
                                "built": len(rows),
                                "failed": failed, "sheets": sheets}, known=known)
    result.written = [target / p.relative_to(directory) for p in result.written]
    return result


def _nonzero(tolerance) -> bool:
    if isinstance(tolerance, list):
        return any(_nonzero(t) for t in tolerance)
    return bool(tolerance)


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} variants")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


# -- the graders' master key -------------------------------------------------------------------------


def master_row(variant, spec, solutions) -> dict:
    """One variant's row of the graders' table: each answer as answers.json has it (its value, tolerance and
    LaTeX), and as text for the CSV (numbers where there is a value, else the formula in plain notation)."""
    answers, latex, tolerances = {}, {}, {}
    for problem, solution in zip(spec.problems, solutions):
        for label, answer in solution.answers.items():
            record = outputs.answer_record(answer, problem.tolerance)
            answers[(problem.ref, label)] = outputs.readable(answer.expr) if record["value"] is None \
                else json.dumps(record["value"])
            tolerances[(problem.ref, label)] = record["tolerance"]
            latex[(problem.ref, label)] = record["latex"]
    return {"variant": variant.number, "seed": variant.seed, "code": spec.code or "",
            "student": variant.student.id if variant.student else "",
            "student_name": variant.student.name if variant.student else "",
            "answers": answers, "latex": latex, "tolerance": tolerances}


def _natural(text: str) -> list:
    """A sort key that puts s2 before s10 (student ids with numbers)."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", text) if t]


def table_order(rows: list[dict]) -> list[dict]:
    """The graders' order: by student id on a roster, else by variant."""
    if rows and all(r["student"] for r in rows):
        return sorted(rows, key=lambda r: (_natural(r["student"]), r["variant"]))
    return sorted(rows, key=lambda r: r["variant"])


def master_start(name, spec, count: int) -> texcompile.EarlyPasses:
    """TeX's passes over the graders' table started on its preamble (as when all `count` variants are
    built) while the variants are made: at the end of the run only its tables are typeset."""
    return texcompile.EarlyPasses(render.render_master(name, spec.title, [], [], language=lang.of(spec),
                                                       count=count), "answers", passes=2)


def master_files(name, spec, rows, directory: Path, pdf: bool, started: texcompile.EarlyPasses | None = None):
    """answers.csv, answers.tex and answers.pdf (two passes: the longtable's widths settle in the second;
    `started`: those passes already begun on the preamble, master_start)."""
    rows = table_order(rows)
    columns = []
    for problem in spec.problems:
        labels = []
        for row in rows:
            for number, label in row["answers"]:
                if number == problem.ref and label not in labels:
                    labels.append(label)
        columns.append((problem.ref, labels))

    def tolerant(n, label):  # a numeric answer that is not exact in some variant: a tolerance column beside it
        return any(_nonzero(r["tolerance"].get((n, label))) for r in rows)

    # a part's answers are PROBLEM.PART.LABEL (1.b.hessian), as the contract names them (its ref is 1.b)
    header = ["variant", "seed", "student_id", "student_name", "variant_code"]
    cells = []
    for n, labels in columns:
        for label in labels:
            header.append(f"{n}.{label}")
            cells.append(lambda r, n=n, label=label: r["answers"].get((n, label), ""))
            if tolerant(n, label):
                header.append(f"{n}.{label} tolerance")
                cells.append(lambda r, n=n, label=label: "" if r["tolerance"].get((n, label)) is None
                             else json.dumps(r["tolerance"][(n, label)]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row["variant"], row["seed"], row["student"], row["student_name"], row["code"]]
                        + [cell(row) for cell in cells])
    files = [(directory / "answers.csv", buffer.getvalue())]
    tex = render.render_master(name, spec.title, columns,
                               [{"variant": r["variant"], "seed": r["seed"], "code": r["code"],
                                 "student": (f"{r['student']} {r['student_name']}").strip(),
                                 "answers": r["latex"]} for r in rows], language=lang.of(spec))
    files.append((directory / "answers.tex", tex))
    if pdf:
        files.append((directory / "answers.pdf", started.finish(tex) if started is not None else
                      texcompile.compile_pdf(tex, "answers", passes=2)))
    return files


__all__ = ["Options", "Result", "run", "load_spec", "solve_all", "AnswerkeyError"]


class _CallableModule(type(sys)):
    """This module is also the API's entry point: `answerkey.build(spec, **options)` calls api.build (the
    module keeps its name, which the pipeline's imports use; answerkey/__init__.py hands it out)."""

    def __call__(self, spec, **options):
        from .api import build

        return build(spec, **options)


sys.modules[__name__].__class__ = _CallableModule
