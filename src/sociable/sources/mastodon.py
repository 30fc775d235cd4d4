"""Placeholder until the mastodon reader lands."""

from sociable.sources.base import Format

FORMATS: tuple[Format, ...] = ()
