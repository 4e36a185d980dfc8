#!/usr/bin/env python3
"""Turn a homework spec into a verified answer key: python generate.py [SPEC] [options] (see --help)."""
import os
import sys

from answerkey.cli import main

if __name__ == "__main__":
    code = main()
    # Everything is written and closed by now; skip the interpreter's teardown (freeing SymPy's caches
    # object by object takes a tenth of a second).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
