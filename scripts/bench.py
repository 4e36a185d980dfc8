#!/usr/bin/env python3
"""Benchmark of the default spec (problems/dl-hw2.yaml): prints figures; not a test.

    python3 scripts/bench.py [--repeat 5] [--no-make] [--no-variants] [--variants-count 50] [--no-many]
                             [--scale] [--tricks]          (make bench BENCH="--scale --tricks")

What it measures (wall time, best of --repeat unless said otherwise):
  1. end to end: `python generate.py SPEC --out TMP -q` (validate, solve, verify, render, pdflatex, write),
     after byte-compiling the package as `make pdf` does;
  2. the floor, measured in the same runs (interleaved with them): a bare `python -c "import sympy"` plus
     one bare `pdflatex -interaction=nonstopmode` pass over the generated .tex, and end to end / floor;
  3. the cost of the checks: in a fresh interpreter per repetition (cold SymPy caches, as the command
     line runs), `kind.solve` of every problem, then `answerkey.verify.verify` of every problem (the
     read-back of every displayed line from the page, timed on its own, every
     displayed equality, then the independent confirmation, timed on its own);
  4. peak memory: resource.getrusage(RUSAGE_CHILDREN).ru_maxrss of the generate run (the largest single
     process of its tree: Python or TeX, not a sum);
  5. a no-op `make pdf`: `make pdf OUT=TMP` once, then again (timed);
  6. `--variants 50` against 50 bare pdflatex passes spread over os.cpu_count() processes, interleaved
     (best of 2 each), with the run's peak memory per process, when `generate.py --help` lists --variants
     (skipped otherwise);
  7. many sheets (unless --no-many): --variants 300 --sheet both, a 300-student roster and a 1,000-student
     roster (generated CSVs) with --sheet both: wall and CPU time, the time per variant, peak memory;
  8. with --scale: --variants 10, 100, 300 and 1,000 --sheet both: the time per variant (flat is the goal);
  9. with --tricks: what each speed trick buys (ANSWERKEY_WITHOUT=early-tex, standin, format, format-cache,
     batch; -j 1).
Wall times on a shared machine are noisy: the CPU time of the run's processes (user + system) is given
beside them, and ratios are of runs interleaved with each other.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "problems" / "dl-hw2.yaml"
NAME = SPEC.stem
PY = sys.executable


# ---------------------------------------------------------------------------------------------------
# helpers

def timed(cmd, cwd=ROOT, env=None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    return time.perf_counter() - start, proc


def must(proc: subprocess.CompletedProcess, what: str) -> subprocess.CompletedProcess:
    if proc.returncode != 0:
        sys.exit(f"bench: {what} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc


def child_run(cmd) -> dict:
    """Run cmd from a fresh helper process; its wall time and the peak RSS of the cmd's process tree."""
    _, proc = timed([PY, __file__, "--inner-run", "--", *cmd])
    must(proc, "helper")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt(seconds: float) -> str:
    return f"{seconds:7.3f} s"


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value}" + (f"   {note}" if note else ""))


# ---------------------------------------------------------------------------------------------------
# inner modes (run in a fresh interpreter)

def inner_run(cmd: list[str]) -> None:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        sys.exit(proc.returncode)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    maxrss_kb = usage.ru_maxrss  # kilobytes on Linux
    print(json.dumps({"wall": wall, "maxrss_kb": maxrss_kb, "cpu": usage.ru_utime + usage.ru_stime}))


def inner_checks() -> None:
    """Solve every problem, then verify every problem, as build.solve_all does; time each part."""
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from answerkey.kinds import KINDS
    from answerkey import verify
    from answerkey.build import load_spec
    t_import = time.perf_counter() - t0

    confirm_time = {"t": 0.0}
    readback_time = {"t": 0.0}

    def timer(fn, into=confirm_time):
        def wrapped(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                into["t"] += time.perf_counter() - start
        return wrapped

    # every kind's confirmation (a Kind is frozen: its field replaced for the measurement only)
    for kind in KINDS.values():
        object.__setattr__(kind, "confirm", timer(kind.confirm))
    if hasattr(verify, "readback"):  # every displayed line read back from the page and checked
        verify.readback = timer(verify.readback, readback_time)

    t0 = time.perf_counter()
    spec = load_spec(SPEC)
    t_load = time.perf_counter() - t0
    rows, solutions = [], []
    for problem in spec.problems:
        t0 = time.perf_counter()
        solutions.append(problem.kind.solve(problem))
        rows.append({"label": problem.label, "kind": problem.kind.name, "solve": time.perf_counter() - t0})
    for row, problem, solution in zip(rows, spec.problems, solutions):
        confirm_time["t"] = 0.0
        readback_time["t"] = 0.0
        t0 = time.perf_counter()
        verify.verify(problem, solution)
        row["verify"] = time.perf_counter() - t0
        row["confirm"] = confirm_time["t"]
        row["readback"] = readback_time["t"]
        row["lines"] = sum(len(part.lines) for part in solution.parts)
        unread = len(getattr(solution, "unread", []))
        row["checked"] = row["lines"] - unread if hasattr(solution, "unread") else \
            sum(1 for part in solution.parts for ln in part.lines if ln.check)
    print(json.dumps({"import": t_import, "load": t_load, "rows": rows}))


# ---------------------------------------------------------------------------------------------------
# the figures

def machine() -> None:
    print("machine")
    cpu = "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() if shutil.which("nproc") else "?"
    line("nproc / os.cpu_count()", f"{nproc} / {os.cpu_count()}")
    line("CPU", cpu)
    line("python", f"{platform.python_version()} ({PY})")
    if shutil.which("pdflatex"):
        first = subprocess.run(["pdflatex", "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
        line("pdflatex", first[0] if first else "?")
    else:
        line("pdflatex", "not found")
    try:
        import sympy
        line("sympy", sympy.__version__)
    except ImportError:
        pass
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    line("commit", (head or "?") + (" + uncommitted changes" if dirty else ""))
    line("spec", str(SPEC.relative_to(ROOT)))
    if hasattr(os, "getloadavg"):
        line("load average at start (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in os.getloadavg()),
             "(other work on the machine inflates every figure)")


def end_to_end_and_floor(repeat: int, keep: Path) -> tuple[float, int]:
    """Sections 1 and 2, interleaved (a generate run, then the floor's two parts, repeat times), so that
    a busy spell of the machine falls on both sides of the ratio alike."""
    walls, peaks, imports, passes = [], [], [], []
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
            r = child_run([PY, "generate.py", str(SPEC), "--out", tmp, "-q"])
            walls.append(r["wall"])
            peaks.append(r["maxrss_kb"])
            if i == 0:
                shutil.copy(Path(tmp) / f"{NAME}.tex", keep)
        imports.append(timed([PY, "-c", "import sympy"])[0])
        passes.append(pdflatex_pass(keep))
    print(f"\n1. end to end: python generate.py {SPEC.relative_to(ROOT)} --out TMP -q   (best of {repeat})")
    line("wall time", fmt(min(walls)), "runs: " + ", ".join(f"{w:.2f}" for w in walls))
    print(f"\n2. the floor, measured in the same runs, interleaved (best of {repeat})")
    total = min(imports) + min(passes)
    line('python -c "import sympy"', fmt(min(imports)), "runs: " + ", ".join(f"{w:.2f}" for w in imports))
    line("one bare pdflatex pass over the .tex", fmt(min(passes)), "runs: " + ", ".join(f"{w:.2f}" for w in passes))
    line("floor", fmt(total))
    line("end to end / floor", f"{min(walls) / total:7.2f} x", f"(end to end - floor = {min(walls) - total:.3f} s)")
    medians = statistics.median(walls) / (statistics.median(imports) + statistics.median(passes))
    line("the same with medians", f"{medians:7.2f} x")
    return min(walls), max(peaks)


def pdflatex_pass(tex: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-tex-") as tmp:
        shutil.copy(tex, Path(tmp) / tex.name)
        wall, proc = timed(["pdflatex", "-interaction=nonstopmode", tex.name], cwd=tmp)
        if proc.returncode != 0 or not (Path(tmp) / tex.with_suffix(".pdf").name).exists():
            sys.exit(f"bench: bare pdflatex failed on {tex.name}:\n{proc.stdout[-2000:]}")
        return wall


def checks(repeat: int, e2e: float) -> None:
    print(f"\n3. the cost of the checks, in-process, each repetition a fresh interpreter (best of {repeat})")
    runs = []
    for _ in range(repeat):
        _, proc = timed([PY, __file__, "--inner-checks"])
        must(proc, "the in-process timing")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    rows = runs[0]["rows"]
    best = {key: [min(run["rows"][i].get(key, 0.0) for run in runs) for i in range(len(rows))]
            for key in ("solve", "verify", "confirm", "readback")}
    print(f"  {'problem':<28} {'kind':<18} {'read':>7} {'solve':>7} {'verify':>7} {'of which':>9} {'of which':>9}"
          f" {'verify/':>7}")
    print(f"  {'':<28} {'':<18} {'back':>7} {'':>7} {'(all)':>7} {'read-back':>9} {'confirm':>9} {'solve':>7}")

    def ratio(v, s):
        return f"{v / s:6.1f}x" if s >= 0.001 else f"{'-':>7}"

    for i, row in enumerate(rows):
        s, v, c, r = best["solve"][i], best["verify"][i], best["confirm"][i], best["readback"][i]
        label = row["label"].replace("problem ", "").replace("(", "").replace(")", "")
        print(f"  {label:<28.28} {row['kind']:<18.18} {row['checked']:>3}/{row['lines']:<3} {s:7.3f} {v:7.3f}"
              f" {r:9.3f} {c:9.3f} {ratio(v, s)}")
    s, v, c, r = (sum(best[k]) for k in ("solve", "verify", "confirm", "readback"))
    print(f"  {'total':<28} {'':<18} {'':>7} {s:7.3f} {v:7.3f} {r:9.3f} {c:9.3f} {ratio(v, s)}")
    line("import answerkey (sympy, jinja2, ...)", fmt(min(r["import"] for r in runs)))
    line("load and validate the spec", fmt(min(r["load"] for r in runs)))
    line("checks: read-back + other checks + confirmation", fmt(v),
         f"= {r:.3f} s read-back + {v - c - r:.3f} s other + {c:.3f} s confirmations")
    line("read-back / end to end (section 1)", f"{100 * r / e2e:6.1f} %", "(different runs: an estimate)")
    line("checks / (solve + checks)", f"{100 * v / (s + v):6.1f} %")
    line("checks / end to end (section 1)", f"{100 * v / e2e:6.1f} %", "(different runs: an estimate)")


def peak_memory(peak_kb: int) -> None:
    print("\n4. peak memory of the generate run (RUSAGE_CHILDREN ru_maxrss: its largest process)")
    line("max RSS", f"{peak_kb / 1024:7.1f} MiB")


def noop_make(repeat: int) -> None:
    print(f"\n5. a no-op make pdf: make pdf OUT=TMP once, then again (best of {repeat} no-op runs)")
    if not shutil.which("make"):
        line("skipped", "make not found")
        return
    with tempfile.TemporaryDirectory(prefix="bench-make-") as tmp:
        out = Path(tmp) / "out"
        extra = []
        if not (ROOT / ".venv" / ".installed").exists():
            # No .venv yet: stand in a virtualenv whose python is this one (which has the dependencies),
            # so that the benchmark neither installs packages nor writes .venv into the checkout.
            venv = Path(tmp) / "venv"
            (venv / "bin").mkdir(parents=True)
            (venv / "bin" / "python").symlink_to(PY)
            (venv / ".installed").touch()
            extra = [f"VENV={venv}"]
            line("note", "no .venv/.installed: VENV= a stand-in whose python is " + PY)
        # a clean environment for make (not the MAKEFLAGS of a `make bench` that runs this script)
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
        first, proc = timed(["make", "pdf", f"OUT={out}", *extra], env=env)
        must(proc, "make pdf")
        line("first make pdf (builds)", fmt(first))
        walls = []
        for _ in range(repeat):
            for attempt in range(3):
                wall, proc = timed(["make", "pdf", f"OUT={out}", *extra], env=env)
                must(proc, "make pdf (again)")
                if "generate.py" not in proc.stdout:
                    walls.append(wall)
                    break
                # a source file changed in between (someone is editing): it rebuilt; measure again
            else:
                line("no-op", "not measured: make kept rebuilding (sources changing)")
                return
        line("second make pdf (nothing to do)", fmt(min(walls)), "runs: " + ", ".join(f"{w:.3f}" for w in walls))


# --- --variants 50 -----------------------------------------------------------------------------------
# The figure for --variants: N variants built by generate.py (its own parallelism, -j default all
# cores) against the floor of N bare pdflatex passes over the default .tex spread over os.cpu_count()
# processes. Skipped when generate.py --help does not list --variants.

def variants(count: int, tex: Path) -> None:
    print(f"\n6. --variants {count} against {count} bare pdflatex passes over {os.cpu_count()} processes "
          "(interleaved, best of 2)")
    _, proc = timed([PY, "generate.py", "--help"])
    if "--variants" not in proc.stdout:
        line("skipped", "generate.py --help does not list --variants")
        return
    runs, bares = [], []
    for _ in range(2):
        with tempfile.TemporaryDirectory(prefix="bench-variants-") as tmp:
            _, proc = timed([PY, __file__, "--inner-run", "--", PY, "generate.py", str(SPEC), "--variants",
                             str(count), "--out", tmp, "-q"])
            if proc.returncode != 0:
                said = (proc.stderr or proc.stdout).strip().splitlines()
                line("generate.py --variants", f"failed (exit {proc.returncode})", said[-1][:120] if said else "")
                return
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            pdfs = len(list(Path(tmp).rglob("*.pdf")))
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(lambda _: pdflatex_pass(tex), range(count)))
        bares.append(time.perf_counter() - start)
    wall, bare = min(r["wall"] for r in runs), min(bares)
    line(f"generate.py --variants {count}", fmt(wall), f"({pdfs} PDFs written; {wall / count:.3f} s per variant; "
         "runs: " + ", ".join(f"{r['wall']:.2f}" for r in runs) + ")")
    line(f"{count} bare pdflatex passes, {os.cpu_count()} at a time", fmt(bare),
         "runs: " + ", ".join(f"{b:.2f}" for b in bares))
    line("ratio", f"{wall / bare:7.2f} x", "(goal: at most 0.5 x)")
    line("peak memory per process", f"{max(r['maxrss_kb'] for r in runs) / 1024:7.1f} MiB", "(goal: under 200)")
    with tempfile.TemporaryDirectory(prefix="bench-variants-") as tmp:  # the first run on a machine (or after a
        _, proc = timed([PY, __file__, "--inner-run", "--", PY, "generate.py", str(SPEC), "--variants",  # TeX
                         str(count), "--out", tmp, "-q"], env=dict(os.environ, ANSWERKEY_WITHOUT="format-cache"))
    if proc.returncode == 0:  # update): the preamble's format made in the run, not the one kept from before
        cold = json.loads(proc.stdout.strip().splitlines()[-1])["wall"]
        line("  the same, the format made in the run", fmt(cold), f"(ANSWERKEY_WITHOUT=format-cache; "
                                                                   f"{cold / bare:.2f} x)")


def roster_file(folder: Path, count: int) -> Path:
    """A roster CSV of `count` students (ids s0001 ..., names of two words)."""
    path = Path(folder) / f"roster-{count}.csv"
    path.write_text("id,name\n" + "".join(f"s{i:04d},Student {i}\n" for i in range(1, count + 1)),
                    encoding="utf-8")
    return path


def many_run(label: str, args: list, count: int, note: str = "") -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-many-") as tmp:
        r = child_run([PY, "generate.py", str(SPEC), *map(str, args), "--sheet", "both", "--out", tmp, "-q"])
        pdfs = len(list(Path(tmp).rglob("*.pdf")))
    line(label, fmt(r["wall"]), f"{r['wall'] / count:.3f} s per variant; CPU {r['cpu']:.1f} s; {pdfs} PDFs; "
         f"peak {r['maxrss_kb'] / 1024:.0f} MiB per process" + (f"; {note}" if note else ""))
    return r


def many() -> None:
    """The sheets of a class: keys and question sheets of 300 variants, of a 300- and a 1,000-student roster."""
    print(f"\n7. many sheets, --sheet both (a key and a question sheet each; one run each; {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="bench-rosters-") as folder:
        many_run("--variants 300", ["--variants", 300], 300)
        many_run("--roster of 300 students", ["--roster", roster_file(folder, 300)], 300, "goal: at most 20 s on 2 cores")
        many_run("--roster of 1,000 students", ["--roster", roster_file(folder, 1000)], 1000)


def scale(counts=(10, 100, 300, 1000)) -> None:
    """Cost per variant and peak memory as the count grows: flat is the goal."""
    print("\n8. scaling: --variants N --sheet both (a key and a question sheet each; one run each)")
    for count in counts:
        many_run(f"--variants {count}", ["--variants", count], count)


def tricks(repeat: int, count: int) -> None:
    """What each speed trick buys: the same runs with it turned off (ANSWERKEY_WITHOUT, or -j 1 for the
    executor), interleaved, best of `repeat`. A trick stays only while it pays."""
    print(f"\n9. what each trick buys: the default key (best of {repeat}) and --variants {count} (best of 2), "
          "with one trick off at a time")
    with tempfile.TemporaryDirectory(prefix="bench-tricks-") as tmp:
        key = [PY, "generate.py", str(SPEC), "--out", tmp, "-q"]
        many = [PY, "generate.py", str(SPEC), "--variants", str(count), "--out", tmp, "-q"]
        cases = [("default key", key, {}, []), ("  without TeX started early on the preamble", key, {"ANSWERKEY_WITHOUT": "early-tex"}, []),
                 ("  without the preamble guessed from the last build", key, {"ANSWERKEY_WITHOUT": "head-guess"}, []),
                 ("  without the units stand-in", key, {"ANSWERKEY_WITHOUT": "standin"}, []),
                 ("  without parallel problems (-j 1)", key, {}, ["-j", "1"]),
                 (f"--variants {count}", many, {}, []),
                 ("  without the preamble's format", many, {"ANSWERKEY_WITHOUT": "format"}, []),
                 ("  without the kept format (made in the run)", many, {"ANSWERKEY_WITHOUT": "format-cache"}, []),
                 ("  without many sheets per TeX run", many, {"ANSWERKEY_WITHOUT": "batch"}, []),
                 ("  without parallel variants (-j 1)", many, {}, ["-j", "1"])]
        best = {label: float("inf") for label, *_ in cases}
        for r in range(repeat):
            for label, cmd, env, extra in cases:
                if cmd is many and r >= 2:
                    continue
                wall, proc = timed(cmd + extra, env=dict(os.environ, **env))
                must(proc, label)
                best[label] = min(best[label], wall)
        base = None
        for label, cmd, *_ in cases:
            if not label.startswith(" "):
                base = best[label]
                line(label, fmt(best[label]))
            else:
                line(label, fmt(best[label]), f"{best[label] / base:5.2f}x: the trick saves {best[label] - base:+.3f} s")


# ---------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--inner-run"]:
        inner_run(argv[2:] if argv[1:2] == ["--"] else argv[1:])
        return 0
    if argv[:1] == ["--inner-checks"]:
        inner_checks()
        return 0
    parser = argparse.ArgumentParser(description="Benchmark the default spec; prints figures (not a test).")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions; the best is reported (default 5)")
    parser.add_argument("--no-make", action="store_true", help="skip the no-op make pdf")
    parser.add_argument("--no-variants", action="store_true", help="skip the --variants figure")
    parser.add_argument("--variants-count", type=int, default=50, help="variants to build (default 50)")
    parser.add_argument("--no-many", action="store_true", help="skip 300 variants and the rosters of 300 and 1,000")
    parser.add_argument("--scale", action="store_true", help="also --variants 10, 100, 300 and 1,000 (minutes)")
    parser.add_argument("--tricks", action="store_true", help="also what each speed trick buys (minutes)")
    args = parser.parse_args(argv)
    if not shutil.which("pdflatex") or not shutil.which("latexmk"):
        sys.exit("bench: pdflatex and latexmk are needed (make tex)")
    machine()
    with tempfile.TemporaryDirectory(prefix="bench-") as keep_dir:
        tex = Path(keep_dir) / f"{NAME}.tex"
        # byte code as `make pdf` leaves it (where PYTHONDONTWRITEBYTECODE is set, nothing else writes it)
        must(timed([PY, "-m", "compileall", "-q", "answerkey"])[1], "compileall")
        e2e, peak = end_to_end_and_floor(args.repeat, tex)
        checks(args.repeat, e2e)
        peak_memory(peak)
        if not args.no_make:
            noop_make(args.repeat)
        if not args.no_variants:
            variants(args.variants_count, tex)
        if not args.no_many:
            many()
        if args.scale:
            scale()
        if args.tricks:
            tricks(args.repeat, 20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
