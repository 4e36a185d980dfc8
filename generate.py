#!/usr/bin/env python3
"""Turn a homework spec into a verified answer key: python generate.py [SPEC] [options] (see --help).
The same command as `answerkey` (installed by pip) and `python -m answerkey`."""
from answerkey.cli import console

if __name__ == "__main__":
    console("generate.py")
