"""The `sociable` command: thin commands over library calls, one module per area."""

from __future__ import annotations

from sociable.cli import (  # noqa: F401  (registers commands)
    capture,
    cascades,
    chats,
    classify,
    core,
    exports,
    followup,
    mapping,
    roles,
    safety,
    web,
)
from sociable.cli.analysis import register_analysis_commands
from sociable.cli.app import app, main

register_analysis_commands()  # one command per registered analysis, made from its declaration

__all__ = ["app", "main"]
