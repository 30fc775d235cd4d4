"""Reader options in the web app's import form and API: the same keys as `sociable import --option`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lxml.html
from fastapi.testclient import TestClient

FIXTURES = Path(__file__).parent.parent / "fixtures"
HASHTAG = FIXTURES / "mastodon" / "hashtag_wenurses.jsonl"  # holds one followers-only status
Csrf = Callable[[TestClient], str]


def upload(client: TestClient, csrf: Csrf, options: str) -> object:
    files = [("files", ("wenurses.jsonl", HASHTAG.read_bytes(), "application/x-ndjson"))]
    return client.post("/import", files=files, data={"csrf_token": csrf(client), "options": options},
                       follow_redirects=False)


def stored_after(client: TestClient, response: object) -> int:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    job_id = response.headers["location"].rsplit("/", 1)[1]  # type: ignore[attr-defined]
    job = client.app.state.jobs.wait(job_id)  # type: ignore[attr-defined]
    assert job.state == "done", job.error
    return int(job.totals()["stored"])


def test_the_form_lists_the_reader_options(fresh_client: TestClient) -> None:
    tree = lxml.html.fromstring(fresh_client.get("/import").text)
    assert tree.xpath("//form[@id='upload']//textarea[@name='options']")
    help_text = " ".join(tree.xpath("//p[@id='options-help']//text()"))
    assert "account_id" in help_text and "private" in help_text


def test_private_keep_from_the_form_imports_the_followers_only_status(fresh_client: TestClient, csrf: Csrf) -> None:
    public = stored_after(fresh_client, upload(fresh_client, csrf, ""))
    kept = stored_after(fresh_client, upload(fresh_client, csrf, "private=keep\n"))
    assert (public, kept) == (2, 1)  # the second upload adds only the followers-only status


def test_an_unknown_option_is_refused_before_anything_is_saved(fresh_client: TestClient, csrf: Csrf) -> None:
    response = fresh_client.post("/api/imports", files=[("files", ("a.jsonl", HASHTAG.read_bytes(), "text/plain"))],
                                 data={"options": "acount_id=12"}, headers={"X-CSRF-Token": csrf(fresh_client)})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "'acount_id' is not a reader option" in error and "account_id" in error
    assert "--option" not in error  # the form's own words
    assert list(fresh_client.app.state.upload_root.iterdir()) == []  # type: ignore[attr-defined]


def test_options_need_the_csrf_token_like_every_upload(fresh_client: TestClient) -> None:
    files = [("files", ("wenurses.jsonl", HASHTAG.read_bytes(), "application/x-ndjson"))]
    response = fresh_client.post("/import", files=files, data={"options": "private=keep"}, follow_redirects=False)
    assert response.status_code == 403
