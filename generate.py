#!/usr/bin/env python3
"""Turn a homework spec into a verified answer key: python generate.py [SPEC] [options] (see --help)."""
import sys

from answerkey.cli import main

if __name__ == "__main__":
    sys.exit(main())
