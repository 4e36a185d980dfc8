"""One schema for the whole spec (answerkey/schema.py): its JSON Schema copy in the repo is current, every
example validates against it, and the specs the loader refuses for their structure the JSON Schema
refuses too (so an editor pointed at it flags what a build would)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from answerkey import schema

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "answerkey" / "spec.schema.json"
EXAMPLES = sorted([*ROOT.glob("problems/*.yaml"), *ROOT.glob("answerkey/kinds/*/example.yaml")])


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(json.loads(COPY.read_text(encoding="utf-8")))


def test_the_copy_in_the_repo_is_current():
    assert COPY.read_text(encoding="utf-8") == schema.json_schema_text(), \
        "answerkey/spec.schema.json is stale: run `make schema` and commit it"
    jsonschema.Draft202012Validator.check_schema(json.loads(COPY.read_text(encoding="utf-8")))


def test_answerkey_schema_prints_it(tmp_path):
    proc = subprocess.run([sys.executable, "generate.py", "schema"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == schema.json_schema_text()
    proc = subprocess.run([sys.executable, "-m", "answerkey", "schema", "-o", str(tmp_path / "s.json")], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and (tmp_path / "s.json").read_text(encoding="utf-8") == schema.json_schema_text()


@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_validates(spec, validator):
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(spec.read_text(encoding="utf-8")))]
    assert errors == []


BASE = {"title": "T", "problems": [{"kind": "gradient", "function": "x**2", "wrt": "x"}]}


def _with(**problem):
    return {"title": "T", "problems": [{"kind": "gradient", "function": "x**2", "wrt": "x", **problem}]}


REFUSED = {
    "unknown kind": {"title": "T", "problems": [{"kind": "gradiant", "function": "x", "wrt": "x"}]},
    "no kind": {"title": "T", "problems": [{"function": "x", "wrt": "x"}]},
    "unknown field": _with(functon="x"),
    "missing field": {"title": "T", "problems": [{"kind": "gradient", "wrt": "x"}]},
    "wrong type": _with(wrt=5),
    "bad id": _with(id="1 bad"),
    "no title": {"problems": BASE["problems"]},
    "no problems": {"title": "T", "problems": []},
    "unknown top field": {**BASE, "authr": "me"},
    "draw without default": {"title": "T", "problems": [
        {"kind": "conv_output_shape", "input": {"width": {"randint": [5, 9]}, "height": 8}, "filters": 1,
         "kernel": 3}]},
    "bad draw": {"title": "T", "problems": [
        {"kind": "conv_output_shape", "input": {"width": {"randint": [5], "default": 5}, "height": 8},
         "filters": 1, "kernel": 3}]},
    "unknown layer": {"title": "T", "problems": [{"kind": "receptive_field", "layers": [{"fc": {"units": 3}}]}]},
    "bad layer setting": {"title": "T", "problems": [{"kind": "receptive_field",
                                                      "layers": [{"conv": {"kernel": 3, "strid": 2}}]}]},
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_the_loader_refuses_the_json_schema_refuses(name, validator, tmp_path):
    data = REFUSED[name]
    assert list(validator.iter_errors(data)), f"the JSON Schema accepts a spec with {name}"
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, "generate.py", str(path), "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr


def test_draws_are_allowed_wherever_a_number_is(validator):
    drawn = {"title": "T", "problems": [{"kind": "conv_output_shape", "filters": {"choice": [4, 8], "default": 4},
                                         "input": {"width": {"randint": [5, 9], "default": 7}, "height": 8},
                                         "kernel": 3}]}
    assert list(validator.iter_errors(drawn)) == []
