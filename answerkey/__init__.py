"""answerkey: homework problems written as YAML -> verified, step-by-step worked answer keys (LaTeX, PDF).

`answerkey SPEC` (or `python -m answerkey`, or `python generate.py`) builds a key; see answerkey.cli.
From Python: `answerkey.build(spec, **options)` (answerkey.api), which takes a path or a dict and returns
the solutions, the answers and the files written.
"""
__version__ = "0.2.0"

__all__ = ["build", "Build", "AnswerkeyError", "SpecError", "VerificationError", "CannotDerive", "TexError",
           "UsageError"]


def __getattr__(name):  # the API, imported when first named (the command starts without it)
    if name == "build":  # the pipeline's module, which is callable: answerkey.build(spec, **options) (api.py)
        import importlib

        return importlib.import_module(".build", __name__)
    if name == "Build":
        from .api import Build

        return Build
    if name in ("AnswerkeyError", "SpecError", "VerificationError", "CannotDerive", "TexError", "UsageError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'answerkey' has no attribute {name!r}")
