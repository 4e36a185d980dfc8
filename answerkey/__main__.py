"""`python -m answerkey [SPEC] [options]`: the same command line as `answerkey` and `generate.py`."""
from .cli import console

console()
