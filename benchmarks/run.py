"""Run every benchmark script (benchmarks/bench_*.py) and keep what they print.

Each script measures its subject against a baseline timed in the same run and
prints its own figures; this driver runs them one after another (never in
parallel: they would time each other) and writes the combined output to
benchmarks/results/latest.txt.  Usage: ``make bench`` or
``python benchmarks/run.py [NAME ...]``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names or s.stem in names]
    lines, failed = [f"# benchmarks run {time.strftime('%Y-%m-%d %H:%M:%S')}"], 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], cwd=HERE.parent,
                              capture_output=True, text=True)
        print(proc.stdout, end="")
        if proc.returncode:
            failed += 1
            print(proc.stderr, end="", file=sys.stderr)
        lines += [f"== {script.name} (exit {proc.returncode})", proc.stdout.rstrip()]
    out = HERE / "results" / "latest.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"figures written to {out.relative_to(HERE.parent)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
