"""The app's routes, one module per area; pages and API share the library calls beneath them."""

from __future__ import annotations

from contextlib import ExitStack

from fastapi import Request

from sociable.store import Workspace


def workspace_of(request: Request) -> Workspace:
    """The workspace, read-only, for this request: opened on first use, closed when the request ends.

    The app holds the workspace only while it works (see web/workspaces.py), so commands run in a
    terminal can use it between requests. The app's own middleware closes it after the response.
    """
    state = request.state
    workspace: Workspace | None = getattr(state, "workspace", None)
    if workspace is None:
        stack = ExitStack()
        workspace = stack.enter_context(request.app.state.workspaces.reading())
        state.workspace, state.workspace_exit = workspace, stack
    return workspace
