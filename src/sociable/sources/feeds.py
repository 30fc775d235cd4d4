"""Placeholder until the feeds reader lands."""

from sociable.sources.base import Format

FORMATS: tuple[Format, ...] = ()
