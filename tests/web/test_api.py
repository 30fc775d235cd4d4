"""The web app in-process: every route's status and shape, its errors, auth, CSRF, uploads and escaping."""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sociable.analyses.base import get_analysis
from sociable.errors import SociableError
from sociable.library import keep_roles
from sociable.web import routes as web_routes
from sociable.web.security import (
    CONTENT_SECURITY_POLICY,
    SESSION_COOKIE,
    check_bind,
    is_loopback,
    read_token,
    safe_next,
)
from sociable.web.views import view_specs

XSS_CORPUS = Path(__file__).parent.parent / "fixtures" / "xss" / "corpus.jsonl"
TWEETS = Path(__file__).parent.parent / "fixtures" / "twitter" / "v1_stream.jsonl"
RISKY = "Lovely chat with Mrs Jones, 84, on Ward 7 today after her fall. Her NHS number is 943 476 5919"
PAGES = ("/", "/collections", "/accounts", "/check", "/import", "/rejected", "/export", "/settings")
Csrf = Callable[[TestClient], str]


def assert_error(response: object, status: int) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == status  # type: ignore[attr-defined]
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"].endswith(".")
    return body


def no_injected_markup(html: str) -> None:
    """No element carries the corpus's marker attribute: every hostile string stayed text."""
    tree = lxml.html.fromstring(html)
    assert tree.xpath("//*[@data-xss]") == []
    assert tree.xpath("//a[starts-with(normalize-space(@href), 'javascript:')]") == []
    assert not [s for s in tree.xpath("//script[not(@type='application/json')]") if "alert(" in (s.text or "")]
    assert not [s for s in tree.xpath("//script[@type='application/json']") if "<" in (s.text or "")]


# ---------------------------------------------------------------------- pages


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_with_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    tree = lxml.html.fromstring(response.text)
    assert tree.xpath("//main[@id='main']") and tree.xpath("//a[@class='skip-link']")
    assert not tree.xpath("//script[not(@src)][not(@type='application/json')]"), "inline scripts break the CSP"
    for field in tree.xpath("//input[not(@type='hidden')] | //select | //textarea"):
        assert tree.xpath(f"//label[@for='{field.get('id')}']") or field.getparent().tag == "label"
    no_injected_markup(response.text)


def test_every_view_has_a_page_and_an_api(client: TestClient) -> None:
    for spec in view_specs():
        page = client.get(f"/views/{spec.name}")
        assert page.status_code == 200, spec.name
        no_injected_markup(page.text)
        api = client.get(f"/api/views/{spec.name}")
        body = api.json()
        assert api.status_code == 200 and body["ok"] is True
        assert body["name"] == spec.name and body["title"] == spec.title


def test_the_overview_page_shows_the_report_overview(client: TestClient) -> None:
    tree = lxml.html.fromstring(client.get("/").text)
    assert tree.xpath("//section[@id='section-overview']")
    assert tree.xpath("//div[@data-vega-spec]"), "the overview's charts are on the page"
    assert tree.xpath("//script[@src='/static/vega-interpreter.js']")


def test_view_filters_reach_the_analysis(client: TestClient) -> None:
    everything = client.get("/api/views/map").json()
    assert everything["filters"] == {}
    replies = client.get("/api/views/map", params={"interactions": ["reply"], "kinds": ["reply"],
                                                   "collection": "ward"}).json()
    assert replies["filters"] == {"collection": "ward", "kinds": ["reply"], "interactions": ["reply"]}
    assert replies["analysis"]["options"]["interactions"] == ["reply"]
    assert replies["analysis"]["scope"]["kinds"] == ["reply"]
    assert replies["analysis"]["scope"]["collections"] == ["ward"]
    page = lxml.html.fromstring(client.get("/views/map", params={"interactions": "reply", "since": "2024-01-01"}).text)
    assert page.xpath("//input[@name='interactions'][@value='reply'][@checked]")
    assert page.xpath("//input[@name='since'][@value='2024-01-01']")


def test_bad_filters_are_422_with_a_sentence(client: TestClient) -> None:
    assert "since" in str(assert_error(client.get("/api/views/map", params={"since": "yesterday"}), 422)["error"])
    assert "kinds" in str(assert_error(client.get("/api/views/map", params={"kinds": "likes"}), 422)["error"])
    swapped = client.get("/api/views/map", params={"since": "2024-02-01", "until": "2024-01-01"})
    assert "swap" in str(assert_error(swapped, 422)["error"])
    page = client.get("/views/map", params={"kinds": "likes"})
    assert page.status_code == 422 and "Kinds should be among" in page.text


def test_unknown_view_collection_and_path_are_404(client: TestClient) -> None:
    assert "the views are" in str(assert_error(client.get("/api/views/nothing"), 404)["error"])
    assert "collections are" in str(assert_error(client.get("/api/views/overview?collection=nope"), 404)["error"])
    assert_error(client.get("/api/not-a-route"), 404)
    page = client.get("/not-a-page")
    assert page.status_code == 404 and "There is nothing at /not-a-page" in page.text
    assert_error(client.delete("/api/overview"), 405)


# ---------------------------------------------------------------------- API reads


def test_api_overview_and_collections(client: TestClient) -> None:
    body = client.get("/api/overview").json()
    assert body["ok"] is True and body["counts"]["posts"] >= 8
    names = {row["name"] for row in client.get("/api/collections").json()["collections"]}
    assert names == {"ward", "stream"}
    assert {row["run_id"] for row in body["runs"]} == {1, 2}


def test_api_views_lists_filters(client: TestClient) -> None:
    views = {view["name"]: view for view in client.get("/api/views").json()["views"]}
    assert {"overview", "map", "method"} <= set(views)
    assert {"collection", "since", "until", "kinds", "platforms", "interactions", "min_weight"} <= set(
        views["map"]["filters"])
    assert {option["name"] for option in views["map"]["options"]} == {"interactions", "min_weight", "resolution",
                                                                      "seed", "method"}
    assert views["overview"]["filters"] == ["collection", "since", "until", "kinds", "platforms", "list"]
    assert views["overview"]["options"] == []


def test_api_accounts_and_one_account(client: TestClient) -> None:
    rows = client.get("/api/accounts", params={"collection": "ward"}).json()["accounts"]
    handles = {row["handle"] for row in rows}
    assert "ward7_nurse" in handles and len(rows) == 3
    account = client.get("/api/accounts/twitter/990000000002").json()
    assert account["account"]["handle"].startswith('"><script')
    assert account["posts"] == 3
    assert {row["account_id"] for row in account["talks_to"]} == {"990000000001", "990000000003"}
    assert account["timeline"][0]["created_at"].startswith("2024-01-09")
    assert_error(client.get("/api/accounts/twitter/0"), 404)
    assert_error(client.get("/api/accounts", params={"sort": "shoe-size"}), 400)


def test_account_ids_with_slashes_round_trip(client: TestClient) -> None:
    account_id = "https://social.example/users/<b>nurse</b>"
    with client.app.state.workspaces.writing() as ws, ws.transaction() as con:  # type: ignore[attr-defined]
        con.execute("INSERT OR REPLACE INTO accounts (platform, account_id, handle) VALUES ('mastodon', ?, 'nurse')",
                    [account_id])
    path = f"/accounts/mastodon/{quote(account_id, safe='')}"
    page = client.get(path)
    assert page.status_code == 200
    no_injected_markup(page.text)
    assert client.get(f"/api{path}").json()["account"]["account_id"] == account_id


def test_roles_and_sectors_filter_accounts(client: TestClient) -> None:
    with client.app.state.workspaces.writing() as ws:  # type: ignore[attr-defined]
        keep_roles(ws, get_analysis("roles").run(ws))  # labels are kept by a writer (`sociable roles`, `report`)
    labelled = client.get("/api/accounts", params={"limit": 1000}).json()["accounts"]
    sectors = {row["sector"] for row in labelled if row["sector"]}
    assert sectors, "the roles analysis labelled some accounts"
    sector = sorted(sectors)[0]
    chosen = client.get("/api/accounts", params={"sector": sector, "limit": 1000}).json()["accounts"]
    assert chosen and all(row["sector"] == sector for row in chosen)
    page = lxml.html.fromstring(client.get("/accounts", params={"sector": sector}).text)
    assert page.xpath("//span[contains(@class, 'sector ')]")


def test_api_posts_filters(client: TestClient) -> None:
    posts = client.get("/api/posts", params={"collection": "ward", "limit": 100}).json()["posts"]
    assert len(posts) == 8
    found = client.get("/api/posts", params={"search": "rota"}).json()["posts"]
    assert found and all("rota" in post["text"] for post in found)
    assert client.get("/api/posts", params={"collection": "ward", "since": "2030-01-01"}).json()["posts"] == []
    assert_error(client.get("/api/posts", params={"limit": 0}), 422)
    assert_error(client.get("/api/posts", params={"since": "soon"}), 422)


def test_api_runs_and_rejected(client: TestClient) -> None:
    runs = client.get("/api/runs").json()["runs"]
    assert [run["run_id"] for run in runs] == [1, 2]
    body = client.get("/api/rejected").json()
    assert body["ok"] is True and body["total"] == len(body["rows"])


# ---------------------------------------------------------------------- the checker


def test_check_api_flags_a_risky_draft(client: TestClient, csrf: Csrf) -> None:
    response = client.post("/api/check", json={"text": RISKY}, headers={"X-CSRF-Token": csrf(client)})
    body = response.json()
    assert response.status_code == 200 and body["ok"] is True
    assert body["verdict"] == "do not post" and body["flagged"] is True
    assert {f["text"] for f in body["findings"]} >= {"Mrs Jones", "943 476 5919"}
    assert all(f["title"] for f in body["findings"])
    quiet = client.post("/api/check", json={"text": "Flu clinic on Thursday"}, headers={"X-CSRF-Token": csrf(client)})
    assert quiet.json()["verdict"] == "ok" and quiet.json()["findings"] == []


def test_check_api_errors(client: TestClient, csrf: Csrf) -> None:
    headers = {"X-CSRF-Token": csrf(client)}
    assert "profession" in str(assert_error(
        client.post("/api/check", json={"text": "hello", "profession": "astronaut"}, headers=headers), 422)["error"])
    assert_error(client.post("/api/check", json={"text": "x" * 10_001}, headers=headers), 422)
    assert_error(client.post("/api/check", json={}, headers=headers), 422)
    not_json = {**headers, "content-type": "application/json"}
    assert_error(client.post("/api/check", content=b"not json", headers=not_json), 422)


def test_check_form_works_without_scripts(client: TestClient, csrf: Csrf) -> None:
    response = client.post("/check", data={"text": RISKY + " <script data-xss>alert(1)</script>",
                                           "csrf_token": csrf(client)})
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.text)
    assert tree.xpath("//p[@data-verdict='do not post']")
    assert [mark.text for mark in tree.xpath("//mark")][:2] == ["Mrs Jones", "943 476 5919"]
    no_injected_markup(response.text)


# ---------------------------------------------------------------------- CSRF


def all_routes() -> list[APIRoute]:
    """Every route of every module in sociable.web.routes (each module has one router)."""
    found: list[APIRoute] = []
    for info in pkgutil.iter_modules(web_routes.__path__, web_routes.__name__ + "."):
        module = importlib.import_module(info.name)
        found.extend(r for r in module.router.routes if isinstance(r, APIRoute))
    return found


def post_routes(client: TestClient) -> list[str]:
    return sorted({r.path for r in all_routes() if r.methods & {"POST", "PUT", "PATCH", "DELETE"}})


def test_every_state_changing_route_needs_the_csrf_token(client: TestClient) -> None:
    routes = post_routes(client)
    assert {"/api/check", "/api/imports", "/check", "/import", "/login", "/logout"} <= set(routes)
    client.get("/")
    for path in routes:
        api = path.startswith("/api/")
        missing = client.post(path, json={"text": "x"}) if api else client.post(path, data={"text": "x"})
        assert missing.status_code == 403, path
        wrong = client.post(path, data={"text": "x", "csrf_token": "forged"}, headers={"X-CSRF-Token": "forged"})
        assert wrong.status_code == 403, path
        if api:
            assert_error(missing, 403)


def test_the_session_cookie_is_http_only_strict_and_expiring(fresh_client: TestClient) -> None:
    response = fresh_client.get("/check")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Max-Age=43200" in cookie
    token = lxml.html.fromstring(response.text).xpath("//meta[@name='csrf-token']/@content")[0]
    assert token and token not in fresh_client.cookies[SESSION_COOKIE]
    again = fresh_client.get("/check")
    assert "set-cookie" not in again.headers
    assert lxml.html.fromstring(again.text).xpath("//meta[@name='csrf-token']/@content")[0] == token


# ---------------------------------------------------------------------- imports


def wait_for(client: TestClient, job_id: str) -> dict[str, object]:
    job = client.app.state.jobs.wait(job_id)  # type: ignore[attr-defined]
    assert job.state == "done", job.error
    return client.get(f"/api/jobs/{job_id}").json()["job"]  # type: ignore[no-any-return]


def test_upload_imports_in_the_background(fresh_client: TestClient, csrf: Csrf) -> None:
    bad_line = b'{"created_at": "not a date", "id_str": "1"}\n'
    files = [("files", ("corpus.jsonl", XSS_CORPUS.read_bytes() + bad_line, "application/x-ndjson"))]
    response = fresh_client.post("/api/imports", files=files, data={"collection": "hostile"},
                                 headers={"X-CSRF-Token": csrf(fresh_client)})
    assert response.status_code == 202
    job = response.json()["job"]
    assert job["state"] in ("queued", "running", "done") and job["files"] == ["corpus.jsonl"]
    finished = wait_for(fresh_client, job["id"])
    assert finished["totals"] == {"read": 9, "stored": 8, "duplicates": 0, "skipped": 0, "rejected": 1}
    assert finished["summary"][0]["file"] == "corpus.jsonl"  # type: ignore[index]
    rejected = fresh_client.get("/api/rejected", params={"run": finished["run_id"]}).json()
    assert rejected["total"] == 1 and rejected["rows"][0]["file"] == "corpus.jsonl"
    assert [job["id"] for job in fresh_client.get("/api/jobs").json()["jobs"]] == [job["id"]]
    assert fresh_client.get("/api/collections").json()["collections"][0]["name"] == "hostile"


def test_upload_form_redirects_to_the_job_page(fresh_client: TestClient, csrf: Csrf) -> None:
    files = [("files", ("../../escape.jsonl", XSS_CORPUS.read_bytes(), "application/json"))]
    response = fresh_client.post("/import", files=files, data={"csrf_token": csrf(fresh_client), "format": "auto"},
                                 follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/jobs/")
    job_id = response.headers["location"].rsplit("/", 1)[1]
    finished = wait_for(fresh_client, job_id)
    assert finished["files"] == ["escape.jsonl"]
    page = fresh_client.get(f"/jobs/{job_id}")
    tree = lxml.html.fromstring(page.text)
    assert tree.xpath("//table[@id='import-summary']//th[@scope='row']/text()") == ["escape.jsonl"]
    no_injected_markup(page.text)
    upload_root: Path = fresh_client.app.state.upload_root  # type: ignore[attr-defined]
    assert list(upload_root.iterdir()) == [], "uploaded files are removed once imported"
    assert not (upload_root.parent.parent / "escape.jsonl").exists()


def test_upload_limits(fresh_client: TestClient, csrf: Csrf) -> None:
    headers = {"X-CSRF-Token": csrf(fresh_client)}
    wrong_type = [("files", ("photo.exe", b"MZ", "application/octet-stream"))]
    assert ".jsonl" in str(assert_error(fresh_client.post("/api/imports", files=wrong_type, headers=headers),
                                        422)["error"])
    too_big = [("files", ("big.jsonl", b"x" * (65 * 1024), "application/json"))]
    assert "MB" in str(assert_error(fresh_client.post("/api/imports", files=too_big, headers=headers), 413)["error"])
    bad_format = [("files", ("a.jsonl", b"{}", "application/json"))]
    assert_error(fresh_client.post("/api/imports", files=bad_format, data={"format": "fax"}, headers=headers), 422)
    assert_error(fresh_client.post("/api/imports", data={"collection": "x"}, headers=headers), 422)
    assert list(fresh_client.app.state.upload_root.iterdir()) == []  # type: ignore[attr-defined]
    # More files than allowed at once: the first ones are imported, the rest are named with the reason.
    too_many = [("files", (f"f{i}.jsonl", b"{}", "application/json")) for i in range(4)]
    accepted = fresh_client.post("/api/imports", files=too_many, headers=headers)
    assert accepted.status_code == 202
    job = accepted.json()["job"]
    assert job["files"] == ["f0.jsonl", "f1.jsonl", "f2.jsonl"]
    assert [row["file"] for row in job["refused"]] == ["f3.jsonl"] and "at most 3" in job["refused"][0]["reason"]
    fresh_client.app.state.jobs.wait(job["id"])  # type: ignore[attr-defined]
    assert list(fresh_client.app.state.upload_root.iterdir()) == []  # type: ignore[attr-defined]


def test_an_upload_imports_the_good_files_and_says_which_were_refused(fresh_client: TestClient, csrf: Csrf) -> None:
    token = csrf(fresh_client)
    files = [("files", ("posts.jsonl", TWEETS.read_bytes(), "application/json")),
             ("files", ("scan.exe", b"MZ", "application/octet-stream"))]
    page = fresh_client.post("/import", files=files, data={"csrf_token": token}, follow_redirects=True)
    assert page.status_code == 200
    job_id = page.url.path.rsplit("/", 1)[-1]
    fresh_client.app.state.jobs.wait(job_id)  # type: ignore[attr-defined]
    done = lxml.html.fromstring(fresh_client.get(f"/jobs/{job_id}").text)
    refused = done.xpath("//div[@class='refused']//tbody/tr")
    assert [row.xpath("string(th)") for row in refused] == ["scan.exe"]
    assert "does not import this type of file" in refused[0].xpath("string(td)")
    assert done.xpath("string(//table[@id='import-summary']//tbody/tr/th)") == "posts.jsonl"
    text = done.text_content()
    assert "upload" not in done.xpath("string(//table[@id='import-summary'])").lower()
    assert ".fresh-uploads" not in text and "Unprocessable" not in text
    only_bad = fresh_client.post("/import", files=[("files", ("scan.exe", b"MZ", "application/octet-stream"))],
                                 data={"csrf_token": token})
    assert only_bad.status_code == 422
    shown = lxml.html.fromstring(only_bad.text)
    assert shown.xpath("string(//h1)") == "That could not be used"
    assert "scan.exe: sociable does not import this type of file" in shown.text_content()


def test_unknown_job_is_404(client: TestClient) -> None:
    assert "jobs are kept" in str(assert_error(client.get("/api/jobs/abc"), 404)["error"])
    assert client.get("/jobs/abc").status_code == 404


# ---------------------------------------------------------------------- exports


@pytest.mark.parametrize("table", ["posts", "accounts", "interactions", "labels", "collections", "runs", "rejected"])
def test_table_exports_read_back(client: TestClient, table: str) -> None:
    with client.app.state.workspaces.reading() as ws:  # type: ignore[attr-defined]
        expected = ws.scalar(f"SELECT count(*) FROM {table}")
    csv = client.get(f"/export/{table}.csv")
    assert csv.status_code == 200 and csv.headers["content-disposition"] == f'attachment; filename="{table}.csv"'
    if expected:
        assert pa_csv.read_csv(io.BytesIO(csv.content)).num_rows == expected
    else:
        assert len(csv.content.splitlines()) <= 1, "an empty table exports its header only"
    assert pq.read_table(io.BytesIO(client.get(f"/export/{table}.parquet").content)).num_rows == expected
    lines = client.get(f"/export/{table}.jsonl").content.splitlines()
    assert len(lines) == expected and all(isinstance(json.loads(line), dict) for line in lines)


def test_report_and_network_exports(client: TestClient) -> None:
    report = client.get("/export/report.html", params={"collection": "ward"})
    assert report.status_code == 200 and "Social media report on “ward”" in report.text
    no_injected_markup(report.text)
    gexf = client.get("/export/map.gexf")
    assert gexf.status_code == 200 and b"<gexf" in gexf.content
    assert b"<graphml" in client.get("/export/map.graphml").content
    assert client.get("/export/map.dot").status_code == 404
    assert client.get("/export/secrets.csv").status_code == 404
    assert client.get("/export/posts.xlsx").status_code == 404
    assert client.get("/assets/..%2F..%2Fhtml.py").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


# ---------------------------------------------------------------------- auth and hosts


def test_token_is_required_when_given(token_client: TestClient, web_token: str) -> None:
    TOKEN = web_token
    assert_error(token_client.get("/api/overview"), 401)
    assert_error(token_client.get("/api/overview", headers={"Authorization": "Bearer wrong-token-xxxxxxxx"}), 401)
    assert_error(token_client.get("/openapi.json"), 401)
    page = token_client.get("/accounts?sort=posts", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/accounts"
    assert token_client.get("/static/app.js").status_code == 200
    assert token_client.get("/login").status_code == 200
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert token_client.get("/api/overview", headers=bearer).json()["ok"] is True
    checked = token_client.post("/api/check", json={"text": RISKY}, headers=bearer)
    assert checked.status_code == 200, "a bearer token needs no CSRF token"


def test_login_sets_a_cookie_that_is_not_the_token(token_client: TestClient, csrf: Csrf, web_token: str) -> None:
    TOKEN = web_token
    token_client.get("/login")
    failed = token_client.post("/login", data={"token": "nope", "csrf_token": csrf(token_client)})
    assert failed.status_code == 401 and "not right" in failed.text
    signed_in = token_client.post("/login", data={"token": TOKEN, "next": "//evil.example/",
                                                  "csrf_token": csrf(token_client)}, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = token_client.cookies[SESSION_COOKIE]
    assert cookie and TOKEN not in cookie
    assert token_client.get("/api/overview").json()["ok"] is True
    token_client.post("/logout", data={"csrf_token": csrf(token_client)})
    assert_error(token_client.get("/api/overview"), 401)


def test_requests_for_other_hosts_are_refused_without_a_token(client: TestClient) -> None:
    assert "answers only for" in str(assert_error(client.get("/api/overview", headers={"host": "evil.example"}),
                                                  400)["error"])
    assert client.get("/api/overview", headers={"host": "localhost:8000"}).status_code == 200


def test_binding_rules(web_token: str) -> None:
    TOKEN = web_token
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.9")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")
    with pytest.raises(SociableError, match="without a token"):
        check_bind("0.0.0.0", None)
    check_bind("0.0.0.0", TOKEN)
    check_bind("127.0.0.1", None)
    with pytest.raises(SociableError, match="16 characters"):
        read_token("short\n")
    assert read_token(f"  {TOKEN}  \nsecond line") == TOKEN
    assert safe_next("/accounts?x=1") == "/accounts?x=1"
    assert [safe_next(bad) for bad in ("//evil.example", "https://evil.example", "\\\\evil", None)] == ["/"] * 4


def test_serve_refuses_an_open_host_without_a_token(tmp_path: Path) -> None:
    import sociable.cli.web  # noqa: F401  (registers `serve`)
    from sociable.cli.app import app

    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "ws.duckdb"), "serve", "--host", "0.0.0.0"])
    assert isinstance(result.exception, SociableError) and "without a token" in str(result.exception)
    short = tmp_path / "token.txt"
    short.write_text("tiny\n")
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--token-file", str(short)])
    assert isinstance(result.exception, SociableError) and "16 characters" in str(result.exception)
    result = CliRunner().invoke(app, ["serve", "--token-file", str(tmp_path / "missing.txt")])
    assert isinstance(result.exception, SociableError) and "no token file" in str(result.exception)


# ---------------------------------------------------------------------- escaping


def test_hostile_text_is_escaped_on_every_page(client: TestClient) -> None:
    paths = [*PAGES, "/views/overview?collection=ward", "/views/map?collection=ward",
             "/accounts/twitter/990000000001", "/accounts/twitter/990000000002", "/accounts/twitter/990000000003"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        no_injected_markup(response.text)
    account = client.get("/accounts/twitter/990000000002").text
    assert "&lt;script data-xss&gt;" in account
    assert "javascript:alert" not in lxml.html.tostring(lxml.html.fromstring(client.get(
        "/accounts/twitter/990000000001").text).xpath("//dl[@class='facts']")[0]).decode()
