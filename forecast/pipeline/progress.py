"""The run's progress display: one line per notebook, with its state and time.

On a terminal the block of lines is redrawn in place (running notebooks tick
every second); elsewhere (CI logs, pipes) each notebook prints one line when it
ends, so logs are not flooded with redraws (papermill #765).
"""

from __future__ import annotations

import sys
import threading
import time


class Terminal:
    """Where a progress display writes: ``stream`` (None: ``sys.stderr``), redrawn in place
    only on a terminal (``tty``); ``quiet`` prints nothing.  Shared by the run's and the
    sweep's displays."""

    def __init__(self, stream=None, *, quiet: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)()) and not quiet
        self.lock = threading.Lock()
        self.ticker = None

    def _write(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(text)
            self.stream.flush()


class Progress(Terminal):
    """Progress display writing to ``stream`` (None: ``sys.stderr``); ``quiet`` prints nothing."""

    def __init__(self, stream=None, *, quiet: bool = False):
        super().__init__(stream, quiet=quiet)
        self.rows: dict[str, list] = {}  # name -> [state, start, seconds, error]
        self.drawn = 0

    def say(self, text: str) -> None:
        """A message line (e.g. waiting for the lock)."""
        with self.lock:
            self._write(text + "\n")

    def _line(self, name: str, row: list) -> str:
        state, start, seconds, error = row
        if state == "running":
            seconds = time.monotonic() - start
        text = f"  {state:<8} {name:<40} {seconds:6.1f} s"
        return text + (f"  {error}" if error else "")

    def _redraw(self) -> None:
        lines = [self._line(n, r) for n, r in self.rows.items()]
        up = f"\x1b[{self.drawn}F" if self.drawn else ""
        self._write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.drawn = len(lines)

    def _tick(self) -> None:
        while True:
            time.sleep(1.0)
            with self.lock:
                if not any(r[0] == "running" for r in self.rows.values()):
                    self.ticker = None
                    return
                self._redraw()

    def started(self, name: str) -> None:
        with self.lock:
            self.rows[name] = ["running", time.monotonic(), 0.0, ""]
            if self.tty:
                self._redraw()
                if self.ticker is None:
                    self.ticker = threading.Thread(target=self._tick, daemon=True)
                    self.ticker.start()

    def finished(self, name: str, status: str, seconds: float, error: str = "") -> None:
        with self.lock:
            self.rows[name] = [status, 0.0, seconds, error]
            if self.tty:
                self._redraw()
            else:
                self._write(self._line(name, self.rows[name]) + "\n")

    def summary(self, report) -> None:
        counts = {s: sum(r.status == s for r in report.results) for s in ("ok", "cached", "failed")}
        self.say(f"{counts['ok']} ran, {counts['cached']} cached, {counts['failed']} failed "
                 f"in {report.seconds:.1f} s; open {report.index}")
