"""Commands: safety."""

from __future__ import annotations

from sociable.cli.app import app  # noqa: F401
