"""Placeholder until the twitter reader lands."""

from sociable.sources.base import Format

FORMATS: tuple[Format, ...] = ()
