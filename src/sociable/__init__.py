"""sociable: see and improve health and social care conversations on social media."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sociable.library import Workspace


def open(path: str | object = "sociable.duckdb", read_only: bool = False, wait: float = 0.0,
         engine: str = "duckdb", spark: Any = None) -> Workspace:
    """Open (or create) a workspace, with every analysis as a method (waiting up to `wait` seconds if another
    process holds it); `engine="spark"` reads a dataset written by `export dataset` on Apache Spark."""
    from sociable.library import open as open_workspace

    return open_workspace(path, read_only=read_only, wait=wait, engine=engine, spark=spark)


__all__ = ["__version__", "open"]
