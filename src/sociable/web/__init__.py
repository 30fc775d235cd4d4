"""The web app: `sociable serve`, the same views as the report, the checker, imports and a JSON API."""

from __future__ import annotations

from sociable.web.app import WebLimits, create_app

__all__ = ["WebLimits", "create_app"]
