"""Benchmark parameter sweeps against a shell loop of ``compute-forecast run --param``.

On a temporary copy of the project, notebook 03 is run over the same 20 points
(``seed`` 1..20, ``n_paths`` small), measured in one go (wall-clock seconds,
whole processes, as a user would time them):

1. baseline: 20 sequential ``compute-forecast run --only 03 --param seed=K
   --param n_paths=N --force`` calls (what a user does without sweeps);
2. ``compute-forecast sweep 03 --grid ... --jobs 2`` (local processes);
3. the local sweep again, nothing changed (every point cached, unless the ``forecast``
   source changed meanwhile: the benchmark then says so): the median of 5 reruns, beside
   ``compute-forecast --version`` (Python and the command's start) timed in the same run.
   Target: < 0.5 s (issue 22; it took 2.9 s when the page's charts were drawn again);
4. ``compute-forecast sweep 03 --grid ... --dask local --jobs 2`` (a 2-worker
   ``distributed.LocalCluster``), and whether its sweep.csv is byte-identical;
5. per-point overhead: a ``--jobs 1`` sweep of 10 more points, where each
   point's wall time inside the point function is compared with its cells'
   execution time (papermill's per-cell durations in the executed notebook)
   plus the kernel's start-up and shutdown (a ``compute-forecast`` kernel started,
   made ready and shut down with jupyter_client, median of 3, timed in this run).
   Target: < 10%.

Everything runs on a snapshot of the ``forecast`` package taken at the start
(:func:`freeze_library`), so edits made meanwhile do not disturb the cache.

Points per minute are reported for 1, 2 and 4.  Other work on the machine inflates
every figure; the ratios are measured in the same run.

Usage: ``.venv/bin/python benchmarks/bench_sweep.py [--points 20] [--n-paths 500]``;
``--cached-only`` runs the local sweep once (no timing) and measures only 3 (a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_runner import copy_project  # noqa: E402  (the same project copy as the runner benchmark)
BIN = Path(sys.executable).parent
STEM = "03_scenarios"


ENV = dict(os.environ)


def freeze_library(dest: Path) -> None:
    """Run everything (commands, workers, kernels) on a copy of the ``forecast`` package.

    The cache keys on the library's source, so an edit to ``forecast/`` while the
    benchmark runs (a shared working tree) would make the "nothing changed" rerun
    execute every point; a snapshot taken at the start keeps the measurements apart.
    """
    shutil.copytree(PROJECT / "forecast", dest / "forecast",
                    ignore=shutil.ignore_patterns("__pycache__"))
    ENV["PYTHONPATH"] = os.pathsep.join(p for p in (str(dest), ENV.get("PYTHONPATH")) if p)


def timed(cmd: list[str], cwd: Path, ok=(0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env=ENV)
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def kernel_start_up(cwd: Path, repeat: int = 3) -> float:
    """Median seconds to start a ``compute-forecast`` kernel, have it answer, and shut it
    down gracefully (what nbclient does around every notebook)."""
    from jupyter_client.manager import KernelManager

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        km = KernelManager(kernel_name="compute-forecast")
        km.start_kernel(cwd=str(cwd))
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        kc.stop_channels()
        km.shutdown_kernel()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cells_seconds(notebook: Path) -> float:
    """The cells' execution time of an executed notebook (papermill's per-cell durations)."""
    nb = json.loads(notebook.read_text())
    return sum(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
               for c in nb["cells"])


def write_grid(path: Path, seeds: range, n_paths: int) -> Path:
    path.write_text(f"notebook: {STEM}\ngrid:\n  seed: {list(seeds)}\n  n_paths: [{n_paths}]\n")
    return path


def cached_rerun(cf: str, root: Path, grid: Path, n: int, say) -> None:
    """Step 3: the local sweep again, nothing changed (median of 5), beside the command's start."""
    start = statistics.median(timed([cf, "--version"], cwd=root) for _ in range(5))
    cached = statistics.median(timed([cf, "sweep", "03", "--grid", str(grid), "--name", "local",
                                      "--jobs", "2", "--quiet"], cwd=root) for _ in range(5))
    info = json.loads((root / "outputs/sweeps/local/sweep.json").read_text())
    reasons = sorted({p["reason"] for p in info["points"] if p["status"] != "cached"})
    say(f"same sweep again, nothing changed:             {cached:7.2f} s "
        f"(median of 5; {info['counts']['cached']} of {n} points cached"
        + (f"; the others ran because: {', '.join(reasons)}" if reasons else "")
        + f"; target < 0.5 s); compute-forecast --version: {start:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20, help="points of the timed sweeps")
    parser.add_argument("--n-paths", type=int, default=500, help="Monte Carlo paths per point")
    parser.add_argument("--overhead-points", type=int, default=10,
                        help="points of the --jobs 1 sweep that measures per-point overhead")
    parser.add_argument("--cached-only", action="store_true",
                        help="measure only the cached rerun (step 3)")
    args = parser.parse_args()
    cf = str(BIN / "compute-forecast")
    n = args.points
    rate = lambda seconds: 60 * n / seconds  # noqa: E731 (points per minute)
    say = lambda text: print(text, flush=True)  # noqa: E731 (each figure as soon as it is known)
    say(f"notebook {STEM}, {n} points (seed 1..{n}, n_paths={args.n_paths}); cores: "
        f"{os.cpu_count()}; load average at the start: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        root = copy_project(Path(tmp) / "proj")
        freeze_library(Path(tmp) / "lib")
        grid = write_grid(Path(tmp) / "bench.yaml", range(1, n + 1), args.n_paths)
        if args.cached_only:
            timed([cf, "sweep", "03", "--grid", str(grid), "--name", "local", "--jobs", "2",
                   "--quiet"], cwd=root)
            cached_rerun(cf, root, grid, n, say)
            return
        # warm-up (OS file cache, matplotlib font cache, .pyc files): not timed
        timed([cf, "run", "--quiet", "--only", "03", "--force", "--param", "seed=999",
               "--param", f"n_paths={args.n_paths}"], cwd=root)

        baseline = sum(timed([cf, "run", "--quiet", "--only", "03", "--force",
                              "--param", f"seed={k}", "--param", f"n_paths={args.n_paths}"],
                             cwd=root) for k in range(1, n + 1))
        say(f"{n} x compute-forecast run --param, sequential: {baseline:7.1f} s "
            f"{rate(baseline):6.1f} points/min")
        local = timed([cf, "sweep", "03", "--grid", str(grid), "--name", "local", "--jobs", "2",
                       "--quiet"], cwd=root)
        say(f"compute-forecast sweep --jobs 2 (local):       {local:7.1f} s "
            f"{rate(local):6.1f} points/min  {baseline / local:.2f}x the loop")
        cached_rerun(cf, root, grid, n, say)

        dask = timed([cf, "sweep", "03", "--grid", str(grid), "--name", "dask", "--dask",
                      "local", "--jobs", "2", "--quiet"], cwd=root)
        say(f"compute-forecast sweep --dask local --jobs 2:  {dask:7.1f} s "
            f"{rate(dask):6.1f} points/min  {baseline / dask:.2f}x the loop")
        same = ((root / "outputs/sweeps/local/sweep.csv").read_bytes()
                == (root / "outputs/sweeps/dask/sweep.csv").read_bytes())
        say(f"sweep.csv identical (local vs Dask):           {same}")
        start_up = kernel_start_up(root / "notebooks")
        over_grid = write_grid(Path(tmp) / "overhead.yaml",
                               range(1001, 1001 + args.overhead_points), args.n_paths)
        one = timed([cf, "sweep", "03", "--grid", str(over_grid), "--name", "overhead",
                     "--jobs", "1", "--quiet"], cwd=root)
        sweep_dir = root / "outputs/sweeps/overhead"
        points = json.loads((sweep_dir / "sweep.json").read_text())["points"]
        walls = [p["wall"] for p in points]
        cells = [cells_seconds(sweep_dir / "points" / p["id"] / "notebooks" / f"{STEM}.ipynb")
                 for p in points]

    need = [c + start_up for c in cells]
    in_point = statistics.mean((w - k) / k for w, k in zip(walls, need))
    whole = (one / len(points) - statistics.mean(need)) / statistics.mean(need)
    say(f"per point ({len(points)} points, --jobs 1): cells {statistics.mean(cells):.2f} s + "
        f"kernel start-up and shutdown {start_up:.2f} s; point function "
        f"{statistics.mean(walls):.2f} s; whole sweep {one / len(points):.2f} s a point")
    say(f"per-point overhead beyond cells + kernel (target < 10%): {in_point:.1%} inside "
        f"the point function; {whole:.1%} for the whole sweep, where the command's start-up, "
        f"the worker process, the cache check, sweep.csv and the page are spread over "
        f"{len(points)} points")
    say(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
