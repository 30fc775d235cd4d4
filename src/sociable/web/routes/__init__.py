"""The app's routes, one module per area; pages and API share the library calls beneath them."""

from __future__ import annotations

from fastapi import Request

from sociable.store import Workspace


def workspace_of(request: Request) -> Workspace:
    """The one workspace the app opened (reads may run while the writer queue imports)."""
    workspace: Workspace = request.app.state.workspace
    return workspace
