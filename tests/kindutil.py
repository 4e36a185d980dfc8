"""Helpers for kind tests: build a one-problem spec from a dict and solve it."""
from pathlib import Path

import yaml

from answerkey.build import load_spec, solve_all


def write_spec(tmp_path: Path, *problems, name="t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"title": "T", "problems": list(problems)}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def solve(tmp_path: Path, *problems):
    spec = load_spec(write_spec(tmp_path, *problems))
    return spec, solve_all(spec)
