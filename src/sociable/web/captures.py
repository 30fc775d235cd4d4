"""Captures started from the web app: each runs in a process of its own, never in the app.

The start form gives the options of `sociable capture PLATFORM` (the same names, checked by
the same option classes before anything starts). The app launches `python -m
sociable.web.capture_worker` with the request on its standard input (so a Mastodon token never
shows in the process list); the worker runs the library's `capture`, which opens the workspace
only for each batch, so the app and the command line keep using it. Stopping sends SIGTERM,
which stores the batch in hand and saves the cursor. Counters are read from the workspace
(`ws.captures()`), where every batch leaves them, so a capture started in a terminal is
watched the same way; only captures this app started can be stopped from it. When the app
shuts down it stops the captures it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from sociable.errors import SociableError
from sociable.sources.live.bluesky import DEFAULT_JETSTREAM, BlueskyOptions
from sociable.sources.live.feeds import FeedOptions, check_urls, parse_interval
from sociable.sources.live.mastodon import MastodonOptions
from sociable.sources.live.profiles import DEFAULT_APPVIEW

PLATFORMS: dict[str, type[Any]] = {"bluesky": BlueskyOptions, "mastodon": MastodonOptions, "feeds": FeedOptions}
STOP_WAIT = 20.0  # seconds a capture has to stop after SIGTERM (it stops within 15)
_KEEP_LINES = 20


class CaptureRefused(SociableError):
    """A capture could not be started or stopped as asked (bad options, a name already running, not ours)."""


@dataclass(frozen=True, slots=True)
class CaptureRequest:
    """What the start form asked for: the platform, its options (the command's flags in snake case), name and
    collection."""

    platform: str
    options: dict[str, Any]
    name: str
    collection: str | None

    def to_json(self, workspace: Path) -> bytes:
        def plain(value: Any) -> Any:
            return value.isoformat() if isinstance(value, date) else value

        return orjson.dumps({"workspace": str(workspace), "platform": self.platform, "name": self.name,
                             "collection": self.collection,
                             "options": {k: plain(v) for k, v in self.options.items()}})


def _words(text: str | None) -> list[str]:
    """Values given one a line or separated by commas."""
    return [part.strip() for line in (text or "").splitlines() for part in line.split(",") if part.strip()]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _number(form: dict[str, str], key: str, what: str, kind: type[float] | type[int] = float) -> Any:
    value = (form.get(key) or "").strip()
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise CaptureRefused(f"{what} should be a number, not '{value}'.") from None


def _flag(form: dict[str, str], key: str) -> bool:
    return (form.get(key) or "").strip().lower() in ("on", "true", "1", "yes")


def request_from_form(form: dict[str, str]) -> CaptureRequest:
    """The capture a start form asks for, its options checked as `sociable capture` checks them."""
    platform = (form.get("platform") or "").strip()
    if platform not in PLATFORMS:
        raise CaptureRefused(f"a capture follows {', '.join(PLATFORMS)}, not '{platform}'.")
    options: dict[str, Any] = {"duration": _number(form, "duration", "The duration"),
                               "max_posts": _number(form, "max_posts", "The most posts", int)}
    if platform == "bluesky":
        options.update(tags=_words(form.get("tags")), keywords=_lines(form.get("keywords")),
                       accounts=_words(form.get("accounts")), langs=_words(form.get("langs")),
                       conversations=_flag(form, "conversations"), backfill_threads=_flag(form, "backfill_threads"),
                       whole_stream=_flag(form, "whole_stream"),
                       jetstream=(form.get("jetstream") or "").strip() or DEFAULT_JETSTREAM,
                       appview=(form.get("appview") or "").strip() or DEFAULT_APPVIEW)
    elif platform == "mastodon":
        since = (form.get("since") or "").strip()
        try:
            options["since"] = date.fromisoformat(since) if since else None
        except ValueError:
            raise CaptureRefused(f"the date to collect back to should be YYYY-MM-DD, not '{since}'.") from None
        options.update(servers=_words(form.get("servers")), tags=_words(form.get("tags")),
                       stream=_flag(form, "stream"),
                       every=_number(form, "every_seconds", "The seconds between polls") or 60.0,
                       token=(form.get("token") or "").strip() or None)
    else:
        options.update(urls=check_urls((form.get("urls") or "").splitlines(), "the addresses"),
                       every=parse_interval((form.get("every_interval") or "").strip() or "30m"),
                       comments=_flag(form, "comments"))
    options = {k: v for k, v in options.items() if v is not None}
    chosen = check_options(platform, options)
    name = (form.get("name") or "").strip() or chosen.default_name()
    collection = (form.get("collection") or "").strip() or None
    return CaptureRequest(platform, options, name, collection)


def check_options(platform: str, options: dict[str, Any]) -> Any:
    """The platform's option class built from the options (its checks raise the sentences a user reads)."""
    options_class = PLATFORMS[platform]
    known = {f.name for f in fields(options_class)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise CaptureRefused(f"a {platform} capture has no option {', '.join(unknown)}.")
    return options_class(**{k: tuple(v) if isinstance(v, list) else v for k, v in options.items()})


@dataclass(slots=True)
class Started:
    """A capture process this app started."""

    name: str
    platform: str
    process: subprocess.Popen[bytes]
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    output: deque[str] = field(default_factory=lambda: deque(maxlen=_KEEP_LINES))
    stopping: bool = False

    def to_dict(self) -> dict[str, Any]:
        code = self.process.poll()
        said = [line for line in self.output if line.strip()]
        return {"name": self.name, "platform": self.platform, "pid": self.process.pid,
                "started_at": self.started_at, "alive": code is None, "exit_code": code,
                "stopping": self.stopping and code is None,
                "message": said[-1] if said and code not in (None, 0) else None}


class CaptureRunner:
    """The capture processes of one app, over one workspace."""

    def __init__(self, workspace: Path, python: str | None = None) -> None:
        self.workspace = workspace
        self.python = python or sys.executable
        self._started: dict[str, Started] = {}
        self._guard = threading.Lock()

    def start(self, request: CaptureRequest, running: set[str]) -> Started:
        """Launch the capture in a process of its own; `running` names the captures running now (anywhere)."""
        with self._guard:
            mine = self._started.get(request.name)
            if request.name in running or (mine is not None and mine.process.poll() is None):
                raise CaptureRefused(f"the capture '{request.name}' is running already; stop it first, or give "
                                     "another name.")
            environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
            source = Path(__file__).parents[2]  # the folder sociable is imported from, for a tree not installed
            environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(source), environment.get("PYTHONPATH"))
                                                         if p)
            process = subprocess.Popen(  # our own interpreter and module; the options go on stdin
                [self.python, "-m", "sociable.web.capture_worker"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
            )
            started = Started(request.name, request.platform, process)
            self._started[request.name] = started
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(request.to_json(self.workspace))
        process.stdin.close()
        threading.Thread(target=_collect, args=(process.stdout, started.output), daemon=True).start()
        return started

    def stop(self, name: str) -> Started:
        """Ask a capture this app started to stop (SIGTERM: it stores what it holds and saves its cursor)."""
        with self._guard:
            started = self._started.get(name)
        if started is None:
            raise CaptureRefused(f"the capture '{name}' was not started by this app; stop it where it runs "
                                 "(Ctrl-C, or SIGTERM to its process).")
        if started.process.poll() is None:
            started.stopping = True
            started.process.send_signal(signal.SIGTERM)
        return started

    def started(self) -> dict[str, dict[str, Any]]:
        """This app's capture processes by name (exited ones are reaped, so none shows as running)."""
        with self._guard:
            return {name: s.to_dict() for name, s in self._started.items()}

    def close(self) -> None:
        """Stop every capture this app started and wait for them (each saves its cursor)."""
        with self._guard:
            alive = [s for s in self._started.values() if s.process.poll() is None]
        for started in alive:
            started.process.send_signal(signal.SIGTERM)
        for started in alive:
            try:
                started.process.wait(STOP_WAIT)
            except subprocess.TimeoutExpired:
                started.process.kill()
                started.process.wait(5)


def _collect(stream: IO[bytes], lines: deque[str]) -> None:
    """Keep the last lines a capture process writes (its final counters, or the sentence it stopped with)."""
    with stream:
        for raw in stream:
            lines.append(raw.decode("utf-8", "replace").rstrip()[:500])
