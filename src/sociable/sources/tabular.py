"""Placeholder until the tabular reader lands."""

from sociable.sources.base import Format

FORMATS: tuple[Format, ...] = ()
