"""answerkey: homework problems written as YAML -> verified, step-by-step worked answer keys (LaTeX, PDF).

`answerkey SPEC` (or `python -m answerkey`, or `python generate.py`) builds a key; see answerkey.cli.
"""
__version__ = "0.2.0"
