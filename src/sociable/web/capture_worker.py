"""The process a capture started from the web app runs in: `python -m sociable.web.capture_worker`.

It reads the request (workspace, platform, name, collection, options) as JSON on its standard
input, runs the library's `capture` with SIGTERM handled (the batch in hand is stored and the
cursor saved), and writes one line when it stops: the counters, or the sentence it stopped with.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import orjson

from sociable.errors import SociableError
from sociable.library import capture
from sociable.sources.live.base import COUNT_NAMES


def main() -> int:
    try:
        request: dict[str, Any] = orjson.loads(sys.stdin.buffer.read())
        options = dict(request["options"])
        if isinstance(options.get("since"), str):
            options["since"] = date.fromisoformat(options["since"])
        summary = capture(request["workspace"], request["platform"], name=request["name"],
                          collection=request["collection"], handle_signals=True, **options)
    except SociableError as exc:
        print(f"Error: {exc}", flush=True)
        return 1
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        print(f"Error: the capture request could not be read ({exc}).", flush=True)
        return 1
    counts = ", ".join(f"{getattr(summary.counts, n):,} {n.replace('_', ' ')}" for n in COUNT_NAMES)
    print(f"Capture '{summary.name}' stopped: {counts}.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
