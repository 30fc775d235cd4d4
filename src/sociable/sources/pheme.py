"""Placeholder until the pheme reader lands."""

from sociable.sources.base import Format

FORMATS: tuple[Format, ...] = ()
