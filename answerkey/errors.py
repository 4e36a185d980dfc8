"""Errors are values with positions.

Every failure a user can cause is an `AnswerkeyError` carrying an exit status and one clear message;
the command line prints the message and exits with the status, never a traceback. Anything else is a
real bug and keeps its traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Where:
    """A place in a spec: file, 1-based line and column, and the problem and field it belongs to."""

    file: str
    line: int | None = None
    col: int | None = None
    problem: str | None = None  # "problem 4 (backprop)"
    field: str | None = None  # "inputs.x"

    def prefix(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        head = ":".join(parts) + ":"
        for extra in (self.problem, self.field):
            if extra:
                head += f" {extra}:"
        return head


@dataclass(frozen=True)
class Diagnostic:
    where: Where
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.where.prefix()} {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class AnswerkeyError(Exception):
    """A failure caused by the input, reported as one message and an exit status."""

    exit_code = 1

    def __str__(self) -> str:  # pragma: no cover - subclasses override
        return super().__str__()


class SpecError(AnswerkeyError):
    """The spec or the command line is wrong (exit 1). Holds every diagnostic found."""

    exit_code = 1
    max_shown = 20

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__(str(self))

    def __str__(self) -> str:
        shown = [str(d) for d in self.diagnostics[: self.max_shown]]
        rest = len(self.diagnostics) - len(shown)
        if rest > 0:
            shown.append(f"... and {rest} more error(s)")
        return "\n".join(shown)


class UsageError(AnswerkeyError):
    """The command line is wrong (exit 1)."""

    exit_code = 1


class VerificationError(AnswerkeyError):
    """A derivation step or an answer failed its check, or the solver cannot derive it (exit 2)."""

    exit_code = 2


class CannotDerive(VerificationError):
    """The solver met an expression it cannot handle: said explicitly, never a silent fallback."""


class TexError(AnswerkeyError):
    """TeX is missing or failed (exit 3). `located`: the message starts with the spec's file:line:col."""

    exit_code = 3
    located = False


@dataclass
class Collector:
    """Gathers diagnostics so that all errors of a spec are shown together."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, where: Where, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(where, message, hint))

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise SpecError(self.diagnostics)
