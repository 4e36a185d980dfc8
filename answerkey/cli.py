"""The command line: `python generate.py [SPEC] [options]`. Exit 0 done, 1 spec or command line wrong,
2 a step or answer failed its check, 3 TeX missing or failed. User errors print one message, no traceback."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_SPEC = "problems/dl-hw2.yaml"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 1 for a wrong command line, as for a wrong spec
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(1)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="generate.py", description="Turn a homework spec (YAML) into a verified, worked answer key "
                                                "(LaTeX and PDF) and answers.json.")
    p.add_argument("spec", nargs="?", default=DEFAULT_SPEC, help=f"the spec file (default {DEFAULT_SPEC})")
    p.add_argument("-o", "--out", default="build", help="output folder (default build/)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PROBLEM.FIELD=VALUE",
                   help="override a field; PROBLEM is a number or an id; nested fields joined by dots; "
                        "VALUE read as a YAML scalar (repeatable), e.g. --set 4.inputs.z=7")
    p.add_argument("--no-pdf", action="store_true", help="write .tex and answers only (no TeX needed)")
    p.add_argument("--check", action="store_true", help="validate, solve and verify; write nothing")
    p.add_argument("--no-rules", action="store_true", help="do not print the rule beside each step")
    p.add_argument("--no-checks", action="store_true",
                   help="do not print the record of what was verified at the end of the key")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .build import Options, run
    from .errors import AnswerkeyError

    options = Options(out=Path(args.out), sets=args.sets, pdf=not args.no_pdf, check_only=args.check,
                      show_rules=not args.no_rules, show_checks=not args.no_checks)
    try:
        result = run(args.spec, options)
    except AnswerkeyError as exc:
        print(f"error: {exc}" if not str(exc).startswith(args.spec) else str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    if not args.quiet:
        count = len(result.spec.problems)
        if args.check:
            print(f"{args.spec}: {count} problems solved and verified; nothing written")
        else:
            print(f"{args.spec}: {count} problems solved and verified; wrote "
                  + ", ".join(str(p) for p in result.written))
    return 0
