"""Refresh the golden .tex files: `make golden` (python -m tests.refresh_golden). Review the diff before
committing: a golden file is the reviewed layout of the default key."""
import dataclasses
from pathlib import Path

from answerkey import render
from answerkey.build import load_spec, solve_all

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = {"problems/dl-hw2.yaml": "tests/golden/dl-hw2.tex"}


def golden_tex(spec_path: str) -> str:
    spec = load_spec(ROOT / spec_path)
    solutions = solve_all(spec)
    return render.render(dataclasses.replace(spec, file=spec_path), solutions)  # the same text wherever the checkout lies


def main() -> None:
    for spec_path, target in GOLDEN.items():
        (ROOT / target).write_text(golden_tex(spec_path), encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
