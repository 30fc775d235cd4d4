"""sociable: see and improve health and social care conversations on social media."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sociable.library import Workspace


def open(path: str | object = "sociable.duckdb", read_only: bool = False) -> Workspace:
    """Open (or create) a workspace: one DuckDB file, with every analysis as a method."""
    from sociable.library import open as open_workspace

    return open_workspace(path, read_only=read_only)


__all__ = ["__version__", "open"]
