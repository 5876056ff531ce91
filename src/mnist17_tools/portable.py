"""`make test-portable`: the notebook comparison of `make test` on imitations of other machines.

Readers' machines differ from the one that made the committed outputs: no AVX-512, another
thread count, another Python. Each emulation below reruns nbval over the series (with the
tolerances of `tolerances.py`) and the result and figure checks, in its own output folder
`build/portable/<name>/`, and reports the largest deviation it caused per quantity and per
figure. An emulation that changes no number and no pixel is reported as "no effect": it passed,
but it proved nothing about the tolerances.

    python -m mnist17_tools portable [--only NAME ...] [--no-other-python]

Every other supported Python found (tools/find-python) gets a venv of its own
(`.venv-py3.12`, ...) and one run without emulation.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mnist17.paths import OUTPUT_DIR_VARIABLE, root

ROOT = root()
OUTPUT = ROOT / "build" / "portable"
TESTS = ["notebooks", "tests/test_results.py", "tests/test_figures.py", "tests/test_reference.py"]

# name -> (what it imitates, environment). The variables limit the CPU features that oneDNN
# (TensorFlow's kernels outside XLA: notebook 07's training, every predict) and XLA (notebook
# 04's training) may use, or the thread count (src/mnist17/environment.py).
EMULATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "onednn-avx2": ("oneDNN without AVX-512", {"ONEDNN_MAX_CPU_ISA": "AVX2"}),
    "onednn-avx": ("oneDNN without AVX2", {"ONEDNN_MAX_CPU_ISA": "AVX"}),
    "xla-avx2": ("XLA without AVX-512", {"XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}),
    "xla-sse4.2": ("XLA without AVX", {"XLA_FLAGS": "--xla_cpu_max_isa=SSE4_2"}),
    "no-avx512": (
        "an x86-64 laptop without AVX-512",
        {"ONEDNN_MAX_CPU_ISA": "AVX2", "XLA_FLAGS": "--xla_cpu_max_isa=AVX2"},
    ),
    "one-thread": ("one thread instead of two", {"MNIST17_THREADS": "1"}),
}


def python_minor(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def other_pythons() -> dict[str, str]:
    """Supported Pythons on this machine other than the running one: {"python3.12": path}."""
    found = subprocess.run(
        [str(ROOT / "tools" / "find-python"), "--all"], capture_output=True, text=True, check=False
    )
    mine = python_minor(sys.executable)
    pythons = {}
    for python in found.stdout.split():
        minor = python_minor(python)
        if minor != mine:
            pythons[f"python{minor}"] = python
    return pythons


def venv_for(name: str, python: str) -> Path:
    """A venv of `python` with the pinned packages (made or updated by tools/setup-venv)."""
    venv = ROOT / f".venv-{name.replace('thon', '')}"  # .venv-py3.12
    subprocess.run([str(ROOT / "tools" / "setup-venv"), str(venv), python], check=True, cwd=ROOT)
    return venv


def run(name: str, python: str, env: dict[str, str]) -> dict:
    """Run the comparison once; return its outcome and the deviations it recorded."""
    folder, log_file = OUTPUT / name, OUTPUT / f"{name}.log"  # pytest empties `folder` first
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    with log_file.open("w") as log:
        result = subprocess.run(
            [python, "-m", "pytest", *TESTS, "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env={**os.environ, **env, OUTPUT_DIR_VARIABLE: str(folder)},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    report = {
        "passed": result.returncode == 0,
        "seconds": round(time.perf_counter() - started),
        "numbers": _read(folder / "deviations.json"),
        "figures": _read(folder / "figure-differences.json"),
        "full_precision": _read(folder / "full-precision.json"),
        "log": str(log_file.relative_to(ROOT)),
    }
    (folder / "summary.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def largest(records: dict, field: str) -> dict[str, float]:
    """Largest value of `field` per quantity name (``notebook::cell::quantity`` keys) or figure."""
    found: dict[str, float] = {}
    for key, record in records.items():
        parts = key.split("::")
        label = f"{parts[0][:2]} {parts[-1]}" if len(parts) > 1 else key
        found[label] = max(found.get(label, 0.0), record[field])
    return found


def describe(name: str, what: str, report: dict) -> list[str]:
    numbers = largest(report["numbers"], "largest")
    figures = largest(report["figures"], "rms")
    bits = report["full_precision"]
    changed = any(numbers.values()) or any(figures.values()) or any(bits.values())
    if not report["passed"]:
        verdict = f"FAILED (see {report['log']})"
    elif not changed:
        verdict = "passed, but NO EFFECT: every bit, number and pixel as committed (proves nothing)"
    else:
        verdict = "passed"
    lines = [f"{name} ({what}): {verdict} in {report['seconds']} s"]
    if not numbers and not figures:
        lines.append("  nothing was compared (did the run start? see the log)")
    for label, value in sorted(bits.items()):
        lines.append(f"  unrounded {label:18} largest deviation {value:.3g}")
    for label, value in sorted(numbers.items()):
        lines.append(f"  {label:28} largest deviation {value:.4g}")
    for label, value in sorted(figures.items()):
        lines.append(f"  figure {label:21} largest RMS {value:.4g}")
    return lines


def markdown_table(results: dict[str, dict]) -> str:
    """docs/where-it-runs.md's "Where it runs" rows: per emulation, its largest deviations."""
    rows = [
        "| emulated machine | settings | unrounded history / probabilities | largest printed "
        "deviation | largest figure RMS | result |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        numbers = largest(result["numbers"], "largest")
        figures = largest(result["figures"], "rms")
        bits = result["full_precision"]
        printed = max(numbers.items(), key=lambda item: item[1], default=("-", 0.0))
        drawn = max(figures.items(), key=lambda item: item[1], default=("-", 0.0))
        settings = " ".join(f"`{k}={v}`" for k, v in result["env"].items()) or name
        rows.append(
            f"| {result['what']} | {settings} | {bits.get('history', 0):.2g} / "
            f"{bits.get('probabilities', 0):.2g} | "
            + (f"{printed[1]:.4g} ({printed[0]})" if printed[1] else "0")
            + " | "
            + (f"{drawn[1]:.3g} ({drawn[0]})" if drawn[1] else "0")
            + f" | {'passed' if result['passed'] else 'FAILED'} |"
        )
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="emulations (or pythonX.Y) to run")
    parser.add_argument("--no-other-python", action="store_true", help="skip the other Pythons")
    args = parser.parse_args(argv)
    wanted = set(args.only or [])
    plan = [(n, *EMULATIONS[n], sys.executable) for n in EMULATIONS if not wanted or n in wanted]
    if not args.no_other_python:
        pythons = other_pythons()
        if not pythons:
            print("no second supported Python found on this machine: running the rest")
        for name, python in pythons.items():
            if not wanted or name in wanted:
                venv = venv_for(name, python)
                plan.append((name, f"Python {name[6:]}", {}, str(venv / "bin" / "python")))
    unknown = sorted(wanted - {name for name, *_ in plan})
    if unknown:
        print(
            f"error: --only names what is not here: {', '.join(unknown)} (emulations: "
            f"{', '.join(EMULATIONS)}; Pythons: python3.X where that Python is found)",
            file=sys.stderr,
        )
        return 2
    results, failed = {}, []
    for name, what, env, python in plan:
        print(f"running {name} ({what}) ...", flush=True)
        report = run(name, python, env)
        results[name] = {"what": what, "env": env, **report}
        print("\n".join(describe(name, what, report)), flush=True)
        if not report["passed"]:
            failed.append(name)
    (OUTPUT / "summary.json").write_text(json.dumps(results, indent=1) + "\n")
    (OUTPUT / "where-it-runs.md").write_text(markdown_table(results))
    print(f"summary: {len(plan) - len(failed)} of {len(plan)} emulations passed", end="")
    print(f"; failed: {', '.join(failed)}" if failed else "")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
