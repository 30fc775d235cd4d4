"""Command: serve (the web app over the workspace)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from sociable.cli.app import app, console, workspace_path
from sociable.errors import SociableError


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on; beyond loopback a token is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    token_file: Annotated[
        Path | None, typer.Option("--token-file", help="File whose first line is the secret token to require.")
    ] = None,
) -> None:
    """Serve the web app: the report's views, the checker, imports, exports and a JSON API."""
    import uvicorn

    from sociable.web import create_app
    from sociable.web.security import LOOPBACK_NAMES, check_bind

    token = _token(token_file)
    check_bind(host, token)
    if not 0 < port < 65536:
        raise SociableError(f"--port should be between 1 and 65535, not {port}.")
    path = workspace_path(ctx)
    hosts = None if token else frozenset({*LOOPBACK_NAMES, host.lower()})
    web_app = create_app(path, token=token, allowed_hosts=hosts)
    _show_audit_lines()
    shown = f"[{host}]" if ":" in host else host
    console.print(f"Serving workspace {path} at http://{shown}:{port}" + (" (token required)" if token else ""))
    console.print("Other sociable commands can use the workspace meanwhile; the app opens it only while it works.")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


def _show_audit_lines() -> None:
    """Sign-ins, wrong tokens and refused cross-site requests, one line each on stderr."""
    audit = logging.getLogger("sociable.web.audit")
    if not audit.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s audit: %(message)s", "%Y-%m-%d %H:%M:%S"))
        audit.addHandler(handler)
        audit.setLevel(logging.INFO)


def _token(token_file: Path | None) -> str | None:
    if token_file is None:
        return None
    from sociable.web.security import read_token

    try:
        return read_token(token_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SociableError(f"there is no token file at {token_file}; check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SociableError(f"the token file {token_file} could not be read ({exc}).") from None
