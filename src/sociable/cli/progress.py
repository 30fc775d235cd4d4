"""Progress on stderr for every command that can take more than a moment.

`working(description, total=None)` shows, while its block runs, a bar with the percentage and
the time left when the total is known, or a spinner with the counts so far and the time spent
when it is not. It draws nothing when stderr is not a terminal (pipes, CI, tests), and it
clears itself when done, so the command's own output reads as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sociable.cli.app import err_console


@dataclass
class Activity:
    """What a block reports while it works: how far it is, and (optionally) what it is doing now."""

    progress: Progress
    task: Any

    def update(self, completed: float | None = None, description: str | None = None,
               counts: str | None = None) -> None:
        """Move the bar (or the counts beside the spinner), or say what the block is doing now."""
        changes: dict[str, Any] = {}
        if completed is not None:
            changes["completed"] = completed
        if description is not None:
            changes["description"] = description
        if counts is not None:
            changes["counts"] = counts
        self.progress.update(self.task, **changes)

    def advance(self, steps: float = 1) -> None:
        self.progress.advance(self.task, steps)


@contextmanager
def working(description: str, total: float | None = None, counts: str = "") -> Iterator[Activity]:
    """Show progress on stderr while the block runs: percentage and ETA with a total, else a spinner and counts."""
    if total:
        columns: tuple[Any, ...] = (
            SpinnerColumn(finished_text=" "), TextColumn("{task.description}"), BarColumn(bar_width=24),
            TaskProgressColumn(text_format="{task.percentage:>3.0f}%"), TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(), TextColumn("elapsed, about"), TimeRemainingColumn(compact=True), TextColumn("left"),
        )
    else:
        columns = (SpinnerColumn(finished_text=" "), TextColumn("{task.description}"),
                   TextColumn("{task.fields[counts]}"), TimeElapsedColumn())
    progress = Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal)
    task = progress.add_task(description, total=total, counts=counts)
    progress.start()
    try:
        yield Activity(progress, task)
    finally:
        progress.stop()


def count_lines(paths: list[Any], limit: int = 4 * 1024**3) -> int | None:
    """Lines in JSON Lines and CSV files (about one record each), for an import's total; None for other files.

    Counting reads the files once at disk speed; files larger than `limit` together are not
    counted (the spinner shows records read instead).
    """
    from pathlib import Path

    total, size = 0, 0
    for item in paths:
        path = Path(item)
        if path.suffix.lower() not in (".jsonl", ".ndjson", ".csv", ".tsv") or not path.is_file():
            return None
        size += path.stat().st_size
        if size > limit:
            return None
        with path.open("rb") as handle:
            while chunk := handle.read(8 * 1024 * 1024):
                total += chunk.count(b"\n")
    return total
