"""A one-line progress bar on a terminal, and nothing anywhere else.

Long runs (a big population, many days, many replications) show how far they are on
stderr, rewriting one line with ``\\r``; logs, pipes and CI get no progress output at
all (:func:`progress_wanted`). Progress is display only: it draws no random numbers and
never changes what a run computes.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30


def progress_wanted(stream: TextIO | None = None) -> bool:
    """True when ``stream`` (stderr by default) is a terminal and ``CI`` is not set."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
    return bool(tty) and not os.environ.get("CI")


class ProgressBar:
    """``label done/total [#####.....] 12 s, about 30 s left`` on one line of ``stream``.

    :meth:`update` redraws the line; the line ends with a newline when ``done`` reaches
    ``total`` (or on :meth:`close`).
    """

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.total = max(int(total), 1)
        self.stream = sys.stderr if stream is None else stream
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.closed = False

    def update(self, done: int, label: str | None = None) -> None:
        """Show ``done`` of ``total`` (optionally under a new label)."""
        if self.closed:
            return
        self.done = min(max(int(done), 0), self.total)
        if label is not None:
            self.label = label
        filled = BAR_WIDTH * self.done // self.total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        elapsed = self.clock() - self.start
        timing = f"{elapsed:.0f} s"
        if 0 < self.done < self.total:
            timing += f", about {elapsed * (self.total - self.done) / self.done:.0f} s left"
        self.stream.write(f"\r  {self.label} {self.done:>{len(str(self.total))}}/{self.total}"
                          f" [{bar}] {timing}\x1b[K")
        if self.done >= self.total:
            self.close()
        else:
            self.stream.flush()

    def close(self) -> None:
        """End the line (once)."""
        if not self.closed:
            self.closed = True
            self.stream.write("\n")
            self.stream.flush()
