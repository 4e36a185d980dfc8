"""Stage 5: compile the LaTeX with pdflatex, safely, and map a failure back to its problem.

TeX runs in a private temporary folder, without shell escape and with file access restricted to it
(openin_any=p, openout_any=p). The first error of the log is reported with the problem whose lines
produced it (the `% problem N` markers of the generated file) and, when TeX stopped inside an instructor's
text (Labels.sources), at that field's own file:line:col (texcheck.locate), quoting TeX.
"""
from __future__ import annotations

import errno
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import TexError

INSTALL_HINT = "run 'make tex' (or: sudo apt-get install latexmk texlive-latex-recommended " \
               "texlive-lang-korean texlive-pictures lmodern)"
TIMEOUT = 120


def tex_available() -> bool:
    return shutil.which("pdflatex") is not None


def _problem_at(tex_text: str, line_no: int) -> str | None:
    current = None
    for i, line in enumerate(tex_text.splitlines(), start=1):
        if i > line_no:
            break
        m = re.match(r"% problem (\d+(?:\.[a-z])?)$", line)
        if m:
            current = m.group(1)
        elif re.match(r"% end problem \d+(?:\.[a-z])?$", line):
            current = None
    return current


def first_error(log: str) -> tuple[int | None, str, str | None]:
    """The first error of a TeX log: its line of the .tex, TeX's message, and the text of that line TeX had
    read when it stopped (the log's `l.N <text>`), or None."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(?:\./)?[^:\s]+\.tex:(\d+): (.*)$", line)
        if m or line.startswith("! "):
            message = (m.group(2) if m else line[2:]).strip()
            number = int(m.group(1)) if m else None
            context = None
            for follow in lines[i + 1:i + 8]:
                c = re.match(r"^l\.(\d+) ?(.*)$", follow)
                if c and (number is None or int(c.group(1)) == number):
                    number, context = int(c.group(1)), c.group(2)
                    break
            return number, message, context
    return None, "TeX stopped without an error message (see the log)", None


class Labels(dict):
    """Problem ref -> label ("problem 4 (backprop)"), the regions of the .tex (its `% problem N` markers);
    with `sources`, the instructor's texts (texcheck.Source) each came from, to name the field and its
    file:line:col when TeX fails in one."""

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = list(sources)


def failure(tex_text: str, name: str, log: str, problems: dict[str, str] | None = None) -> TexError:
    """The TexError of a failed run: the problem whose lines TeX stopped in and, for a line that came from
    an instructor's text, that field's own file:line:col; TeX's message and line quoted; the .tex is not
    written (a failed build writes nothing)."""
    line, message, context = first_error(log)
    number = _problem_at(tex_text, line) if line else None
    where = (problems or {}).get(number, f"problem {number}") if number else "the document"
    quoted = f"! {message}" + (f" l.{line} {context}" if context is not None else "")
    unwritten = f"{name}.tex is not written (--no-pdf writes it without running TeX)"
    located = None
    if line and getattr(problems, "sources", None):
        from . import texcheck

        tex_lines = tex_text.split("\n")
        column = texcheck.error_column(tex_lines[line - 1], context) \
            if context is not None and 0 < line <= len(tex_lines) else None
        located = texcheck.locate(problems.sources, tex_text, line, column, number)
    if located is not None:
        error = TexError(f"{located.prefix()} TeX failed here (line {line} of {name}.tex): {quoted}; {unwritten}")
        error.located = True
        return error
    return TexError(f"TeX failed in {where}" + (f" (line {line} of {name}.tex)" if line else "")
                    + f": {message}" + (f" [l.{line} {context}]" if context is not None else "") + f"; {unwritten}")


def _environment(tmp: str) -> dict:
    # Reproducible PDFs: no creation date or random ID from the clock.
    return dict(os.environ, openin_any="p", openout_any="p", shell_escape="f", TEXMFOUTPUT=tmp,
                SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")


def _command(name: str, draft: bool = False) -> list[str]:
    """pdflatex on name.tex; `draft`: a pass before the last, for its .aux only (-draftmode: no PDF written,
    no fonts embedded; the .aux is the same)."""
    return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape",
            *(["-draftmode"] if draft else []), f"{name}.tex"]


def _missing() -> TexError:
    return TexError(f"TeX is missing: pdflatex is needed for the PDF; {INSTALL_HINT}; or use --no-pdf")


def _timed_out() -> TexError:
    return TexError(f"TeX did not finish within {TIMEOUT} s")


def _run(cmd: list[str], folder: str) -> subprocess.CompletedProcess:
    """One pdflatex run in folder, to its end or the time limit."""
    try:
        return subprocess.run(cmd, cwd=folder, env=_environment(folder), capture_output=True, text=True,
                              timeout=TIMEOUT, stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        raise _timed_out() from None
    except FileNotFoundError:  # no pdflatex (a batch's run asks TeX without tex_available first)
        raise _missing() from None


def _start(cmd: list[str], folder: str) -> subprocess.Popen:
    """A pdflatex run in the background, in folder; it dies with this process."""
    from . import parallel  # here: the command line starts TeX before it imports SymPy (prestart)

    return subprocess.Popen(cmd, cwd=folder, env=_environment(folder), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=parallel.die_with_parent)


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def compile_pdf(tex_text: str, name: str, problems: dict[str, str] | None = None, passes: int = 1,
                preloaded: "Preloaded | None" = None) -> bytes:
    """Compile `tex_text` and return the PDF's bytes; raise TexError with the problem on failure.

    `problems` maps problem numbers to their labels ("problem 4 (backprop)"). With `preloaded` (a format
    holding the text's fixed preamble), TeX starts from the format and reads only the rest; should that
    fail, the whole text is compiled the ordinary way (which also reports the error)."""
    if not tex_available():
        raise _missing()
    if preloaded is not None and passes == 1 and tex_text.startswith(preloaded.preamble):
        pdf = _compile_preloaded(tex_text, name, preloaded)
        if pdf is not None:
            return pdf
    with tempfile.TemporaryDirectory(prefix="answerkey-tex-") as tmp:
        pdf = Path(tmp) / f"{name}.pdf"
        (Path(tmp) / f"{name}.tex").write_text(tex_text, encoding="utf-8")
        # One pdflatex pass is enough for a key (no cross-references to settle); latexmk would run two.
        for n in range(passes):
            proc = _run(_command(name, draft=n < passes - 1), tmp)
            if proc.returncode != 0:
                break
        if proc.returncode != 0 or not pdf.exists():
            log_path = Path(tmp) / f"{name}.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else proc.stdout
            raise failure(tex_text, name, log, problems)
        return pdf.read_bytes()


FIXED_END = "%endofdump"  # the line of preamble.tex that ends what every document shares
_FIXED_MARK = "\n" + FIXED_END + "\n"


def fixed_preamble(text: str) -> str | None:
    """The fixed part of a document's preamble, through its FIXED_END line; None if it has none."""
    at = text.find(_FIXED_MARK)
    return None if at < 0 else text[:at + len(_FIXED_MARK)]
PIPE_CHUNK = 1 << 16


@dataclass(frozen=True)
class Preloaded:
    """A pdflatex format (.fmt) holding a fixed preamble: the packages and fonts every key loads."""
    preamble: str
    path: str


def _place(source: str | Path, target: Path, link=os.symlink) -> bool:
    """A file put at `target`: linked (by `link`), else copied; False if neither can be done."""
    try:
        link(source, target)
    except OSError:
        try:
            shutil.copyfile(source, target)
        except OSError:
            return False
    return True


def preloaded_command(preloaded: Preloaded, folder: str | Path, name: str) -> list[str]:
    """The format put in `folder` (linked, else copied) and the command that compiles `name`.tex from it
    (the .tex then holds only what follows the preamble)."""
    _place(preloaded.path, Path(folder) / "answerkey.fmt")
    return ["pdflatex", "-fmt=answerkey", *_command(name)[1:]]


def _compile_preloaded(tex_text: str, name: str, preloaded: Preloaded) -> bytes | None:
    """The PDF of tex_text from the format (TeX reads only what follows the preamble); None on failure."""
    with tempfile.TemporaryDirectory(prefix="answerkey-tex-") as tmp:
        command = preloaded_command(preloaded, tmp, name)
        (Path(tmp) / f"{name}.tex").write_text(tex_text[len(preloaded.preamble):], encoding="utf-8")
        pdf = Path(tmp) / f"{name}.pdf"
        return pdf.read_bytes() if _run(command, tmp).returncode == 0 and pdf.exists() else None


class _Background:
    """A pdflatex run in the background (`proc`) in a temporary folder of its own (`tmp`); `close` stops
    it and removes the folder."""

    proc: subprocess.Popen | None = None
    tmp: tempfile.TemporaryDirectory | None = None

    def close(self) -> None:
        _stop(self.proc)
        self.proc = None
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None


class FormatBuild(_Background):
    """`pdflatex -ini` dumping the fixed preamble of `head` (up to FIXED_END) into a format, in the
    background. Many documents with that preamble (variants) then start from the format instead of
    loading the packages and fonts each time: about a third of TeX's time per document.

    The format is kept in the user's cache folder (formats/, beside the read-back's parser tables), as
    TeX engines that cache their formats do: named by a digest of the preamble and of the pdflatex that
    made it, with the size and time of every file TeX read to make it (its -recorder list). A later run
    with the same preamble uses it while none of those files changed (a TeX Live update rebuilds it), in a
    copy of its own in the run's temporary folder, so nothing a run uses can change under it. The newest
    FORMATS_KEPT formats are kept. ANSWERKEY_WITHOUT=format-cache makes it afresh each run."""

    cached: Path | None = None  # the run's copy of a cached format

    def __init__(self, head: str):
        preamble = fixed_preamble(head)
        if not tex_available() or preamble is None:
            return
        self.preamble = preamble
        self.tmp = tempfile.TemporaryDirectory(prefix="answerkey-fmt-")
        self.folder = _format_folder()
        self.key = _format_key(self.preamble) if self.folder else None
        found = _cached_format(self.folder, self.key) if self.key else None
        copy = Path(self.tmp.name) / "answerkey.fmt"
        if found is not None and _place(found, copy, os.link):  # the run's own: a hard link, else a copy
            self.cached = copy
            return
        (Path(self.tmp.name) / "answerkey.tex").write_text(self.preamble + "\\dump\n", encoding="utf-8")
        try:
            self.proc = _start(["pdflatex", "-ini", "-interaction=nonstopmode", "-halt-on-error", "-recorder",
                                "-jobname=answerkey", "&pdflatex", "answerkey.tex"], self.tmp.name)
        except OSError:
            self.proc = None

    def result(self) -> Preloaded | None:
        """The format once built (or found in the cache); None if it could not be (documents are then
        compiled in full)."""
        if self.cached is not None:
            return Preloaded(self.preamble, str(self.cached))
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _stop(self.proc)
            return None
        path = Path(self.tmp.name) / "answerkey.fmt"
        if code != 0 or not path.exists():
            return None
        if self.key:
            _keep_format(self.folder, self.key, path, Path(self.tmp.name) / "answerkey.fls")
        self.cached = path
        return Preloaded(self.preamble, str(path))


FORMATS_KEPT = 8  # formats kept in the cache folder (about 7 MB each)


def _format_folder() -> Path | None:
    if "format-cache" in _without():
        return None
    return _cache_folder("formats")


def _cache_folder(name: str) -> Path | None:
    """The user's cache folder for answerkey's `name` (~/.cache/answerkey/NAME, or under XDG_CACHE_HOME);
    None where there is none that can be written."""
    try:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "answerkey" / name
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError, KeyError):  # no home folder, or none that can be written
        return None
    return folder if os.access(folder, os.W_OK) else None


def _format_key(preamble: str) -> str | None:
    """The digest naming a preamble's format: the preamble and the pdflatex that makes it (its path, size and
    time)."""
    engine = shutil.which("pdflatex")
    try:
        real = os.path.realpath(engine)
        stat = os.stat(real)
    except (OSError, TypeError):
        return None
    import hashlib

    return hashlib.sha256(f"{preamble}\0{real}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:24]


def _stamp(path: str) -> list | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [path, stat.st_size, stat.st_mtime_ns]


def _cached_format(folder: Path, key: str) -> Path | None:
    """The cached format of `key` in `folder`, if every file TeX read to make it is as it was."""
    import json

    fmt, deps = folder / f"{key}.fmt", folder / f"{key}.deps"
    try:
        files = json.loads(deps.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(files, list) or not files or not fmt.exists():
        return None
    for entry in files:
        if not (isinstance(entry, list) and len(entry) == 3 and _stamp(str(entry[0])) == entry):
            return None
    return fmt


def _keep_format(folder: Path, key: str, fmt: Path, recorded: Path) -> None:
    """Put a format just made in the cache folder with the stamps of the files its -recorder list names
    (written whole, then renamed: a run reading the folder meanwhile sees the old entry or the new); the
    oldest beyond FORMATS_KEPT removed. Any failure leaves the cache as it was."""
    import json

    try:
        base = fmt.parent
        inputs = []
        pwd = str(base)
        for line in recorded.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("PWD "):
                pwd = line[4:]
            elif line.startswith("INPUT "):
                name = os.path.join(pwd, line[6:]) if not os.path.isabs(line[6:]) else line[6:]
                if os.path.realpath(name).startswith(os.path.realpath(base) + os.sep):
                    continue  # the run's own answerkey.tex: described by the key
                if name not in inputs:
                    inputs.append(name)
        stamps = [_stamp(name) for name in inputs]
        if not stamps or any(s is None for s in stamps):
            return
        with open(fmt, "rb") as made, tempfile.NamedTemporaryFile(dir=folder, prefix=f".{key}.", suffix=".fmt",
                                                                   delete=False) as out:
            shutil.copyfileobj(made, out)
        os.replace(out.name, folder / f"{key}.fmt")
        with tempfile.NamedTemporaryFile("w", dir=folder, prefix=f".{key}.", suffix=".deps", delete=False,
                                         encoding="utf-8") as out:
            json.dump(stamps, out)
        os.replace(out.name, folder / f"{key}.deps")
        entries = sorted(folder.glob("*.deps"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[FORMATS_KEPT:]:
            for path in (old, old.with_suffix(".fmt")):
                path.unlink(missing_ok=True)
    except OSError:
        return


class EarlyCompile(_Background):
    """A one-pass pdflatex run started from a document's head (preamble and title) before the rest exists.

    Loading the packages and the Hangul fonts is most of TeX's time; started early, it runs on another
    core while Python solves and checks. TeX reads the rest of the document from a named pipe (through the
    primitive \\input, which opens it once), so the PDF is byte for byte the one `compile_pdf` makes of the
    whole text. Anything unexpected (the text does not start with the head, TeX stopped early, no named
    pipes) falls back to `compile_pdf`, which also reports errors with their problem; `close` stops TeX.

    With head None, TeX reads the whole document from the pipe: started before the head is known, it loads
    its format and waits; `begin(head)` then feeds the head while the rest is made (prestart)."""

    fd: int | None = None  # the pipe's write end, open between begin and finish

    def __init__(self, head: str | None, name: str, draft: bool = False):
        self.head, self.name, self.draft = head or "", name, draft
        # The rest is read as a new line of the file: a head that ends inside a line would lose the space
        # at the start of the rest. Such a head is compiled the ordinary way.
        if not tex_available() or not hasattr(os, "mkfifo") or (head is not None and not head.endswith("\n")):
            return
        self.tmp = tempfile.TemporaryDirectory(prefix="answerkey-tex-")
        folder = Path(self.tmp.name)
        self.pipe = folder / "rest.tex"
        try:
            os.mkfifo(self.pipe)
            (folder / f"{name}.tex").write_text(self.head + "\\csname @@input\\endcsname " + self.pipe.name + "\n",
                                                encoding="utf-8")
            self.proc = _start(_command(name, draft), self.tmp.name)
        except OSError:
            self.close()

    def begin(self, head: str, wait: float = 0.5) -> bool:
        """Feed the head to a run started without one, once TeX waits at the pipe (at most `wait` seconds);
        False (and TeX stopped) if it cannot be: the caller then starts a run on the head."""
        if self.proc is None or self.head or self.fd is not None or not head.endswith("\n"):
            self.close()
            return False
        fd = self._open_pipe(time.monotonic() + wait)
        if fd is None:
            self.close()
            return False
        self.fd, self.head = fd, head
        try:
            self._feed(fd, head.encode("utf-8"), time.monotonic() + TIMEOUT, keep_open=True)
        except BaseException:
            self.close()
            raise
        if self.proc.poll() is not None:  # TeX stopped in the head: finish compiles the ordinary way
            self.close()
            return False
        return True

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        super().close()

    def _open_pipe(self, deadline: float) -> int | None:
        """The pipe's write end once TeX has opened it for reading; None if TeX stopped first."""
        while time.monotonic() < deadline:
            try:
                return os.open(self.pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO or self.proc.poll() is not None:
                    return None
            time.sleep(0.005)
        return None

    def finish(self, tex_text: str, problems: dict[str, str] | None = None) -> bytes:
        """The PDF of tex_text (which should start with the head)."""
        try:
            if self.complete(tex_text):
                return (Path(self.tmp.name) / f"{self.name}.pdf").read_bytes()
        finally:
            self.close()
        return compile_pdf(tex_text, self.name, problems)  # TeX stopped early: this reports the error

    def complete(self, tex_text: str, files: dict[str, bytes] | None = None) -> bool:
        """TeX fed the rest of tex_text, once `files` (name -> bytes: a pass's .aux) are put in its folder
        (TeX has read only the head so far); True when it made the PDF (in its folder until `close`), or
        for a draft, when it ended without an error."""
        if self.proc is None or not tex_text.startswith(self.head):
            return False
        folder = Path(self.tmp.name)
        for name, data in (files or {}).items():
            (folder / name).write_bytes(data)
        deadline = time.monotonic() + TIMEOUT
        fd, self.fd = self.fd if self.fd is not None else self._open_pipe(deadline), None
        if fd is None:
            return False
        self._feed(fd, tex_text[len(self.head):].encode("utf-8"), deadline)
        try:
            code = self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise _timed_out() from None
        return code == 0 and (self.draft or (folder / f"{self.name}.pdf").exists())

    def written(self) -> dict[str, bytes]:
        """What this pass left for the next beside its PDF and log (the .aux: longtable's column widths)."""
        skip = {f"{self.name}.tex", f"{self.name}.pdf", f"{self.name}.log", self.pipe.name}
        return {p.name: p.read_bytes() for p in sorted(Path(self.tmp.name).iterdir())
                if p.name not in skip and p.is_file()}

    def _feed(self, fd: int, data: bytes, deadline: float, keep_open: bool = False) -> None:
        """Write data into the pipe as fast as TeX reads it; stop when TeX stops reading (an error: it
        exited) and give up at the deadline (TeX looping). The pipe is closed after (the end of the
        document for TeX) unless `keep_open`."""
        view = memoryview(data)
        try:
            while view:
                if time.monotonic() > deadline:
                    raise _timed_out()
                _, writable, _ = select.select([], [fd], [], 0.1)
                if not writable:
                    if self.proc.poll() is not None:
                        return
                    continue
                try:
                    view = view[os.write(fd, view[:PIPE_CHUNK]):]
                except BlockingIOError:
                    continue
                except BrokenPipeError:
                    return
        finally:
            if not keep_open:
                os.close(fd)


class EarlyPasses:
    """A document of several pdflatex passes (the graders' table: a longtable's column widths settle in the
    second; one pass gives a narrower heading row), every pass started early on the document's preamble,
    the text before its `\\begin{document}` line (where a pass reads the .aux the pass before wrote):
    loading the packages and fonts is most of a pass, so at the end only the tables are typeset, pass
    after pass. `sample` is the text as expected (its preamble must start the final text). Pass k is fed
    the rest once pass k-1 is done and its .aux is put in pass k's folder: the PDF is byte for byte
    compile_pdf(text, passes=N)'s, which anything unexpected falls back to; `close` stops TeX. The passes
    before the last are drafts (-draftmode: the .aux only), as in compile_pdf. ANSWERKEY_WITHOUT=early-tex:
    none started (compile_pdf at the end)."""

    def __init__(self, sample: str, name: str, passes: int = 2):
        self.name, self.passes = name, passes
        cut = sample.find("\n\\begin{document}")
        self.runs = [EarlyCompile(sample[:cut + 1], name, draft=n < passes - 1) for n in range(passes)] \
            if cut >= 0 and "early-tex" not in _without() else []

    def finish(self, tex_text: str, problems: dict[str, str] | None = None) -> bytes:
        """The PDF of tex_text after all the passes."""
        try:
            carried: dict[str, bytes] = {}
            for n, run in enumerate(self.runs):
                if not run.complete(tex_text, carried):
                    break
                if n == len(self.runs) - 1:
                    return (Path(run.tmp.name) / f"{self.name}.pdf").read_bytes()
                carried = run.written()
                run.close()
        finally:
            self.close()
        return compile_pdf(tex_text, self.name, problems, passes=self.passes)

    def close(self) -> None:
        for run in self.runs:
            run.close()

    def __enter__(self) -> "EarlyPasses":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_WAITING: dict[str, EarlyCompile] = {}  # prestart's runs by document name, until HeadStart.start takes them
_GUESS: dict[str, str] = {}  # "key": what names the build's preamble for prestart's guess (preamble_key)


def _without() -> set[str]:
    return set(os.environ.get("ANSWERKEY_WITHOUT", "").split(","))


def prestart(names: list[str], key: str | None = None) -> None:
    """TeX started for the documents a command is expected to build, before Python imports the pipeline
    (SymPy: half a second on one core, the other idle). `key` (preamble_key) names the build: where the
    last build of that name left its preamble (the fixed part, up to FIXED_END, in the cache folder
    heads/), each run is started on that preamble, so that TeX loads the packages and the Hangul fonts
    while Python imports, and HeadStart.start keeps it if the head begins with it (else it is stopped and
    TeX started on the head). Without one, each run loads TeX's format and waits at its pipe for the head,
    which HeadStart.start feeds it once the spec is read. A guess either way: a run no document takes is
    stopped (stop_waiting), nothing else changes."""
    if "early-tex" in _without() or not tex_available():
        return
    guess = None
    if key is not None:
        _GUESS["key"] = key
        folder = _cache_folder("heads") if "head-guess" not in _without() else None
        try:
            guess = (folder / f"{key}.tex").read_text(encoding="utf-8") if folder else None
        except (OSError, UnicodeDecodeError):
            guess = None
        if guess is not None and fixed_preamble(guess) != guess:
            guess = None
    for name in names:
        if name not in _WAITING:
            _WAITING[name] = EarlyCompile(guess, name)


def preamble_key(*parts: str | None) -> str:
    """The name of a build's preamble for prestart: a digest of what the command line says that makes it
    (the spec's path, the course's templates, the layout, the language)."""
    import hashlib

    return hashlib.sha256("\0".join(os.path.realpath(p) if n < 2 and p else str(p)
                                    for n, p in enumerate(parts)).encode()).hexdigest()[:24]


def _remember_preamble(head: str, guessed: str | None) -> None:
    """Keep the fixed part of `head` for prestart's next guess under this command's key, when it is not
    what was guessed (written whole, then renamed)."""
    key = _GUESS.get("key")
    preamble = fixed_preamble(head)
    if key is None or preamble is None or preamble == guessed or "head-guess" in _without():
        return
    folder = _cache_folder("heads")
    if folder is None:
        return
    try:
        with tempfile.NamedTemporaryFile("w", dir=folder, prefix=f".{key}.", suffix=".tex", delete=False,
                                         encoding="utf-8") as out:
            out.write(preamble)
        os.replace(out.name, folder / f"{key}.tex")
    except OSError:
        return


def stop_waiting() -> None:
    """Stop the runs prestart started that no document took (and forget the command's key)."""
    _GUESS.clear()
    while _WAITING:
        _WAITING.popitem()[1].close()


class HeadStart:
    """TeX started on what is known before the problems are solved, while they are: for one key, a
    pdflatex run per document on its head, fed the rest later (EarlyCompile; a run prestart began before
    the imports is fed the head); for many documents, a format of their shared preamble (FormatBuild).
    Used as a context manager: leaving it stops whatever still runs. `make bench` measures what each buys
    (ANSWERKEY_WITHOUT=early-tex,format turns them off)."""

    def __init__(self, enabled: bool, single: bool):
        without = _without()
        self.enabled = enabled and tex_available()
        self.single = single
        self.early: dict[str, EarlyCompile] = {}
        self.formats: list[FormatBuild] = []
        self.use_early, self.use_format = "early-tex" not in without, "format" not in without

    def start(self, head: str, names: list[str]) -> None:
        """Start on `head`: an early run for each of `names` (one key), or the format (many)."""
        if not self.enabled:
            return
        if self.single and self.use_early:
            guessed = None
            for name in names:
                waiting = _WAITING.pop(name, None)
                if waiting is not None and waiting.head:  # started on the preamble prestart guessed
                    guessed = waiting.head
                    if head.startswith(waiting.head) and waiting.proc is not None:
                        self.early[name] = waiting  # the rest of the head is fed with the body
                        continue
                    waiting.close()
                    waiting = None
                self.early[name] = waiting if waiting is not None and waiting.begin(head) else \
                    EarlyCompile(head, name)
            _remember_preamble(head, guessed)
        elif not self.single and self.use_format:
            self.formats.append(FormatBuild(head))

    def take(self, name: str) -> "EarlyCompile | None":
        """The run started on the document `name`'s head, if any (each is used once)."""
        return self.early.pop(name, None)

    def format(self) -> Preloaded | None:
        """The preamble's format, once built (None if none was started or it failed)."""
        return self.formats[0].result() if self.formats else None

    def __enter__(self) -> "HeadStart":
        return self

    def __exit__(self, *exc) -> None:
        for started in [*self.early.values(), *self.formats]:
            started.close()
        stop_waiting()
