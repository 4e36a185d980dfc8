"""The command line: `answerkey [SPEC] [options]` (also `python -m answerkey` and `python generate.py`); `answerkey schema`
prints the spec's JSON Schema. Exit 0 done, 1 spec or command line wrong,
2 a step or answer failed its check, 3 TeX missing or failed. User errors print one message, no traceback."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

DEFAULT_SPEC = "problems/dl-hw2.yaml"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 1 for a wrong command line, as for a wrong spec
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(1)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def parser(prog: str = "generate.py") -> argparse.ArgumentParser:
    from . import __version__

    p = _Parser(prog=prog, description="Turn a homework spec (YAML) into a verified, worked answer key "
                                                "(LaTeX and PDF) and answers.json.")
    p.add_argument("spec", nargs="?", default=DEFAULT_SPEC, help=f"the spec file (default {DEFAULT_SPEC})")
    p.add_argument("-o", "--out", default="build", help="output folder (default build/)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PROBLEM.FIELD=VALUE",
                   help="override a field; PROBLEM is a number or an id; nested fields joined by dots; "
                        "VALUE read as a YAML scalar (repeatable), e.g. --set 4.inputs.z=7")
    p.add_argument("--seed", type=int, metavar="N", help="draw every random field with seed N")
    p.add_argument("--variants", type=_positive, metavar="N", help="N variants, each with its own seed "
                   "(seeds N0, N0+1, ... from --seed, default 1), into NAME-variants/ with answers.csv")
    p.add_argument("--roster", metavar="FILE.csv", help="one variant per student (columns id,name); the "
                   "student's name and id print on their sheet; the same roster always gives the same draws")
    p.add_argument("--sheet", choices=["key", "questions", "both"], default="key",
                   help="answer key (default), question sheet, or both")
    p.add_argument("--layout", choices=["article", "exam"], help="the page layout (default: the spec's "
                   "layout:, else article): article, the seed's look; exam, the exam class with \\printanswers")
    p.add_argument("--language", choices=["en", "ko"], help="the language of the key's fixed words: rule "
                   "notes, the verification record, the tool's sentences (default: the spec's language:, else en)")
    p.add_argument("--templates", metavar="DIR", help="the course's own templates: a file in DIR overrides the "
                   "shipped template of that name (document.tex, questions.tex, preamble.tex, head.tex, ...)")
    p.add_argument("--fragments", action="store_true", help="also write NAME.problems/N.tex, one problem of the "
                   "key per file, and NAME.problems/preamble.tex, to \\input into a course's own document")
    p.add_argument("--export", dest="exports", action="append", default=[], metavar="moodle|qti|gradescope",
                   help="also write the questions for an LMS (repeatable, or comma-separated): moodle, NAME.moodle.xml "
                   "(a question bank: one category per part, a question per variant); qti, NAME.qti.zip (QTI 1.2 for "
                   "Canvas: a group per part, each student draws one variant); gradescope, NAME.gradescope.pdf (every "
                   "student's question sheet, the same pages each, fixed answer boxes)")
    p.add_argument("-j", "--jobs", type=_positive, metavar="N",
                   help="processes: the problems of a key, or the variants (default: all cores)")
    p.add_argument("--no-pdf", action="store_true", help="write .tex and answers only (no TeX needed)")
    p.add_argument("--check", action="store_true", help="validate, solve and verify; write nothing")
    p.add_argument("--no-rules", action="store_true", help="do not print the rule beside each step")
    p.add_argument("--no-checks", action="store_true",
                   help="do not print the record of what was verified at the end of the key")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.add_argument("--version", action="version", version=f"%(prog)s (answerkey) {__version__}")
    return p


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None, prog: str = "generate.py") -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["schema"] and not Path("schema").exists():  # `answerkey schema`: the spec's JSON Schema
        return _schema(prog, argv[1:])
    args = parser(prog).parse_args(argv)
    from . import texcompile
    from .errors import AnswerkeyError, SpecError, TexError, VerificationError

    previous = signal.signal(signal.SIGTERM, _interrupt)  # stopped by a supervisor: clean up as on Ctrl-C
    try:
        if not (args.variants or args.roster or args.check or args.no_pdf):  # one key: TeX starts while
            stem = Path(args.spec).stem + (f"-seed{args.seed}" if args.seed is not None else "")  # Python
            texcompile.prestart([stem] * (args.sheet != "questions") +  # imports the pipeline (a guess)
                                [f"{stem}.questions"] * (args.sheet != "key"),
                                texcompile.preamble_key(args.spec, args.templates, args.layout, args.language))
        from .build import Options, run

        options = Options(out=Path(args.out), sets=args.sets, pdf=not args.no_pdf, check_only=args.check,
                          show_rules=not args.no_rules, show_checks=not args.no_checks, sheet=args.sheet,
                          seed=args.seed, variants=args.variants, roster=args.roster, jobs=args.jobs,
                          layout=args.layout, templates=args.templates, fragments=args.fragments,
                          language=args.language, exports=args.exports,
                          progress=sys.stderr.isatty() and not args.quiet)
        result = run(args.spec, options)
    except AnswerkeyError as exc:
        located = isinstance(exc, (SpecError, VerificationError)) or getattr(exc, "located", False)
        print(str(exc) if located else f"{args.spec}: {exc}" if isinstance(exc, TexError) else f"error: {exc}",
              file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        texcompile.stop_waiting()
    for message, _ in result.failures:
        print(message, file=sys.stderr)
    if not args.quiet:
        count = len(result.spec.problems)
        if args.variants or args.roster:
            total = result.built + len(result.failures)
            where = result.directory
            verb = "verified" if args.check else f"built into {where}"
            print(f"{args.spec}: {result.built} of {total} variants {verb}"
                  + (f"; {len(result.failures)} failed" if result.failures else ""))
        elif args.check:
            print(f"{args.spec}: {count} problems solved and verified; nothing written")
        else:
            print(f"{args.spec}: {count} problems solved and verified; wrote "
                  + ", ".join(str(p) for p in result.written))
    return result.exit_code


def _schema(prog: str, argv: list[str]) -> int:
    p = _Parser(prog=f"{prog} schema", description="Print the JSON Schema of a spec (for editors: point "
                                                    "yaml-language-server at it), or write it to a file.")
    p.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of printing it")
    args = p.parse_args(argv)
    from .schema import json_schema_text

    text = json_schema_text()
    if args.output:
        from .outputs import atomic_write

        atomic_write(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return 0


def console(prog: str | None = None) -> None:
    """The `answerkey` command (and `python -m answerkey`, `python generate.py`): main, then exit at once.
    Everything is written and closed by then; the interpreter's teardown (freeing SymPy's caches object
    by object, a tenth of a second) is skipped."""
    if prog is None:
        prog = "python -m answerkey" if sys.argv[0].endswith("__main__.py") else os.path.basename(sys.argv[0])
    code = main(prog=prog)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
