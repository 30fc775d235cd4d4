"""The capture command as a process: dropped connections, refused handshakes, 429s and 500s, SIGTERM, restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from capture_scenario import EXPECTED, LAST, OPTED_OUT, PROFILES, events
from capture_servers import AppView, Jetstream, did

import sociable

SRC = Path(__file__).parents[2] / "src"


def sociable_command(path: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "from sociable.cli import main; main()", "-w", str(path), *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}


def captures_json(path: Path) -> list[dict[str, object]]:
    done = subprocess.run(sociable_command(path, "captures", "--json"), capture_output=True, text=True, env=env(),
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_capture_survives_drops_refusals_rate_limits_and_sigterm_and_resumes(tmp_path: Path) -> None:
    jetstream = Jetstream(refuse=1, drops=[(3, "between"), (4, "inside")], pause=0.25)
    jetstream.add(*events())
    appview = AppView(PROFILES, failures=[429, 500])
    stream_url, appview_url = jetstream.start(), appview.start()
    path = tmp_path / "ws.duckdb"
    command = sociable_command(path, "capture", "bluesky", "--tag", "nhssm", "--keyword", "social care",
                               "--collection", "care", "--name", "care", "--jetstream", stream_url,
                               "--appview", appview_url)
    try:
        first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
        deadline = time.monotonic() + 60
        seen: list[dict[str, object]] = []
        while time.monotonic() < deadline:  # `captures --json` answers while the capture runs
            time.sleep(0.3)
            if path.exists():
                seen = captures_json(path)
                if seen and int(seen[0]["stored"]) >= 1:  # type: ignore[call-overload]
                    break
        assert seen and seen[0]["running"] is True and seen[0]["pid"] == first.pid
        first.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        out, err = first.communicate(timeout=20)
        assert time.monotonic() - stopped_at < 15
        assert first.returncode == 0, err
        assert "Traceback" not in err and "Traceback" not in out
        after_first = captures_json(path)[0]
        assert after_first["running"] is False and after_first["cursor"]
        assert int(after_first["cursor"]) < LAST  # stopped mid-stream  # type: ignore[call-overload]

        second = subprocess.run([*command, "--duration", "10"], capture_output=True, text=True, env=env(), timeout=60)
        assert second.returncode == 0, second.stderr
        assert "Traceback" not in second.stderr
    finally:
        jetstream.stop()
        appview.stop()

    with sociable.open(path, read_only=True) as ws:
        ids = ws.query("SELECT post_id FROM posts").column(0).to_pylist()
        accounts = set(ws.query("SELECT account_id FROM accounts").column(0).to_pylist())
        capture = ws.captures()[0]
    assert len(ids) == len(set(ids))  # none twice
    assert set(ids) == EXPECTED  # none missing, nothing deleted upstream, nothing opted out
    assert not {did(name) for name in OPTED_OUT} & accounts
    assert capture["cursor"] == str(LAST)
    assert capture["errors"] >= 3  # the 503, the two drops (and the malformed frames)
    assert 429 in appview.statuses and 500 in appview.statuses
    assert max(len(actors) for actors in appview.requests) <= 25
    cursors = [int(u.split("cursor=")[1]) for u in jetstream.urls if "cursor=" in u]
    assert cursors, "reconnects and the restart ask for a cursor"
