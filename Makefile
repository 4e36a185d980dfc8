# answerkey: `make pdf` builds the default answer key; `make test` runs the tests. Both set up what they
# need first: a virtualenv in .venv with the package, and TeX (through scripts/install-tex.sh).
SPEC ?= problems/dl-hw2.yaml
OUT ?= build
SET ?=
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NAME := $(basename $(notdir $(SPEC)))
SETFLAGS := $(foreach s,$(SET),--set $(s))
# The key depends on the spec, the package and the templates; a changed SET always rebuilds.
SOURCES := $(SPEC) $(wildcard answerkey/*.py answerkey/kinds/*.py answerkey/kinds/*/*.py answerkey/kinds/*/*.tex templates/*.tex) generate.py
STAMP := $(OUT)/.$(NAME).set-$(shell printf '%s' "$(SET)" | cksum | cut -d' ' -f1)

N ?= 30
SEED ?= 1
ROSTER ?=
JOBS ?=
JOBFLAG := $(if $(JOBS),-j $(JOBS),)

.PHONY: pdf test tex venv clean check tex-only golden variants questions roster bench schema
.DEFAULT_GOAL := pdf

pdf: $(OUT)/$(NAME).pdf

$(OUT)/$(NAME).pdf: $(SOURCES) $(VENV)/.installed $(STAMP) | tex
	@$(PY) -m compileall -q answerkey  # byte code once, even where PYTHONDONTWRITEBYTECODE is set
	$(PY) generate.py $(SPEC) --out $(OUT) $(SETFLAGS)

$(STAMP):
	@mkdir -p $(OUT)
	@rm -f $(OUT)/.$(NAME).set-*
	@touch $@

# N variants with seeds SEED, SEED+1, ...: keys, question sheets, answers.csv and its PDF table.
variants: $(VENV)/.installed tex
	$(PY) generate.py $(SPEC) --out $(OUT) --variants $(N) --seed $(SEED) --sheet both $(JOBFLAG) $(SETFLAGS)

# One key and one question sheet per student of ROSTER (a CSV with columns id,name).
roster: $(VENV)/.installed tex
	@test -n "$(ROSTER)" || { echo "usage: make roster ROSTER=students.csv"; exit 1; }
	$(PY) generate.py $(SPEC) --out $(OUT) --roster $(ROSTER) --sheet both $(JOBFLAG) $(SETFLAGS)

# The question sheet of the default values (no solutions).
questions: $(VENV)/.installed tex
	$(PY) generate.py $(SPEC) --out $(OUT) --sheet questions $(SETFLAGS)

# Figures: the default key against its floor (python + one pdflatex pass), the cost of the checks,
# peak memory, a no-op make pdf, and --variants 50 against 50 bare pdflatex passes. BENCH="--tricks": also what
# each speed trick buys; BENCH="--scale": 10, 100, 300 variants.
bench: $(VENV)/.installed tex
	$(PY) scripts/bench.py $(BENCH)

tex-only: $(VENV)/.installed
	$(PY) generate.py $(SPEC) --out $(OUT) --no-pdf $(SETFLAGS)

check: $(VENV)/.installed
	$(PY) generate.py $(SPEC) --check $(SETFLAGS)

test: $(VENV)/.installed tex
	$(PY) -m pytest -q -n auto

# Refresh the JSON Schema of the spec format (answerkey/spec.schema.json; tests/test_schema.py keeps it current).
schema: $(VENV)/.installed
	$(PY) generate.py schema -o answerkey/spec.schema.json

# Refresh the golden .tex of the default spec (review the diff before committing it).
golden: $(VENV)/.installed
	$(PY) -m tests.refresh_golden

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

tex:
	@sh scripts/install-tex.sh

clean:
	rm -rf $(OUT)
