"""Placeholder until the bluesky reader lands."""

from sociable.sources.base import Format

FORMATS: tuple[Format, ...] = ()
