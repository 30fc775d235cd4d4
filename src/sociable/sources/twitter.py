"""Twitter/X: API v1.1 tweets, API v2 (twarc2) pages and flattened lines, and the account archive.

Each shape has its own module; this one gathers them for the registry, in the order
`--format auto` tries them (their sniffs do not overlap, so the order is for speed only).
"""

from __future__ import annotations

from sociable.sources import twitter_archive, twitter_v1, twitter_v2
from sociable.sources.base import Format

FORMATS: tuple[Format, ...] = (twitter_archive.FORMAT, twitter_v2.FORMAT, twitter_v1.FORMAT)

__all__ = ["FORMATS"]
