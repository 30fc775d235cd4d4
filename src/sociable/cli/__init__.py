"""The `sociable` command: thin commands over library calls, one module per area."""

from __future__ import annotations

from sociable.cli import core, dialogue, exports, mapping, roles, safety, web  # noqa: F401  (registers commands)
from sociable.cli.app import app, main

__all__ = ["app", "main"]
