"""Sources: one module per platform; each exposes FORMATS, gathered by the registry."""

from sociable.sources.base import Format, Mapped, RawRecord, Rejected
from sociable.sources.registry import all_formats, detect_format, get_format

__all__ = ["Format", "Mapped", "RawRecord", "Rejected", "all_formats", "detect_format", "get_format"]
