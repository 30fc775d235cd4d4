"""What the web app can change on its own: listening settings, screening, role corrections, pseudonymised
exports; and the checker's principles in words, for every profession the guidance covers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pyarrow.csv as pa_csv
from fastapi.testclient import TestClient

from sociable.safety import catalogue
from sociable.web import settings

Csrf = Callable[[TestClient], str]
TWEETS = Path(__file__).parent.parent / "fixtures" / "twitter" / "v1_stream.jsonl"


def filled(client: TestClient, csrf: Csrf) -> str:
    """Import the stream of ordinary tweets into the fresh workspace; the form token."""
    token = csrf(client)
    done = client.post("/api/imports", files=[("files", ("posts.jsonl", TWEETS.read_bytes(), "application/json"))],
                       data={"collection": "stream"}, headers={"X-CSRF-Token": token})
    client.app.state.jobs.wait(done.json()["job"]["id"])  # type: ignore[attr-defined]
    return token


def an_account(client: TestClient) -> dict[str, str]:
    with client.app.state.workspaces.reading() as ws:  # type: ignore[attr-defined]
        row = ws.query("SELECT platform, account_id, handle FROM accounts WHERE handle IS NOT NULL "
                       "ORDER BY account_id LIMIT 1").to_pylist()[0]
    return {key: str(value) for key, value in row.items()}


def test_organisations_keywords_and_hashtags_are_saved_and_used(fresh_client: TestClient, csrf: Csrf) -> None:
    token = filled(fresh_client, csrf)
    account = an_account(fresh_client)
    missing = fresh_client.post("/settings/organisations", data={"csrf_token": token, "name": "City Hospital",
                                                                  "accounts": "@nobody_here_at_all"})
    assert missing.status_code == 422
    assert "nobody_here_at_all is not an account in this workspace" in lxml.html.fromstring(missing.text).text_content()
    saved = fresh_client.post("/settings/organisations", data={"csrf_token": token, "name": "City Hospital",
                                                                "accounts": "@" + account["handle"]},
                              follow_redirects=True)
    assert saved.status_code == 200 and "Saved." in saved.text and "City Hospital" in saved.text
    workspace = Path(fresh_client.app.state.workspaces.path)  # type: ignore[attr-defined]
    listening = settings.load(workspace)
    assert [org.name for org in listening.organisations] == ["City Hospital"]
    file = settings.folder_of(workspace) / "organisations" / "city-hospital.txt"
    assert file.read_text(encoding="utf-8") == f"name: City Hospital\n@{account['handle']}\n"
    bad_tag = fresh_client.post("/settings/listening", data={"csrf_token": token, "hashtags": "#two words"})
    assert bad_tag.status_code == 422 and "is not a hashtag" in bad_tag.text
    fresh_client.post("/settings/listening", data={"csrf_token": token, "keywords": "waiting list, discharge",
                                                   "hashtags": "#nhssm\nsocialcare"})
    assert settings.load(workspace).options()["hashtags"] == ("nhssm", "socialcare")
    maturity = fresh_client.get("/api/views/maturity").json()
    assert maturity["analysis"]["options"]["organisations"] == [str(file)]
    assert "City Hospital" in str(maturity["section"])
    removed = fresh_client.post("/settings/organisations/remove", data={"csrf_token": token,
                                                                        "file": "city-hospital.txt"},
                                follow_redirects=False)
    assert removed.status_code == 303 and not file.exists()


def test_a_collection_is_screened_from_the_app(fresh_client: TestClient, csrf: Csrf) -> None:
    token = filled(fresh_client, csrf)
    assert "not been screened yet" in fresh_client.get("/views/safety").text
    page = fresh_client.post("/screen", data={"csrf_token": token, "collection": "stream"}, follow_redirects=True)
    job_id = page.url.path.rsplit("/", 1)[-1]
    job = fresh_client.app.state.jobs.wait(job_id)  # type: ignore[attr-defined]
    assert job.state == "done" and job.message.startswith("Screened ")
    assert "the collection “stream”" in fresh_client.get(f"/jobs/{job_id}").text
    assert "not been screened yet" not in fresh_client.get("/views/safety").text
    unknown = fresh_client.post("/screen", data={"csrf_token": token, "collection": "nope"})
    assert unknown.status_code == 404


def test_a_role_is_corrected_from_the_account_page(fresh_client: TestClient, csrf: Csrf) -> None:
    token = filled(fresh_client, csrf)
    account = an_account(fresh_client)
    href = f"/accounts/{account['platform']}/{account['account_id']}"
    page = lxml.html.fromstring(fresh_client.get(href).text)
    assert page.xpath("//form[@action=$a]", a=href + "/label")
    done = fresh_client.post(href + "/label", data={"csrf_token": token, "role": "professional",
                                                    "subtype": "paramedic", "sector": "fire_ambulance"},
                             follow_redirects=True)
    assert done.status_code == 200 and "Saved as a manual label" in done.text
    facts = lxml.html.fromstring(done.text).xpath("string(//dl[@class='facts'])")
    assert "professional (paramedic) from a manual label" in " ".join(facts.split())
    assert "fire and ambulance from a manual label" in " ".join(facts.split())
    wrong = fresh_client.post(href + "/label", data={"csrf_token": token, "role": "person", "subtype": "paramedic"})
    assert wrong.status_code == 422 and "is not a kind of person" in wrong.text
    missing = fresh_client.post("/accounts/twitter/0000/label", data={"csrf_token": token, "role": "person"})
    assert missing.status_code == 404


def test_pseudonymised_exports_hide_handles(fresh_client: TestClient, csrf: Csrf) -> None:
    filled(fresh_client, csrf)
    account = an_account(fresh_client)
    download = fresh_client.get("/export/pseudonymised/posts.csv", params={"collection": "stream"})
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(download.content))
    assert sorted(bundle.namelist()) == ["posts-pseudonymised.csv", "posts-pseudonymised.csv.manifest.json"]
    body = bundle.read("posts-pseudonymised.csv")
    assert pa_csv.read_csv(io.BytesIO(body)).num_rows > 0
    assert account["handle"].encode() not in body and account["account_id"].encode() not in body
    again = zipfile.ZipFile(io.BytesIO(fresh_client.get("/export/pseudonymised/posts.csv",
                                                        params={"collection": "stream"}).content))
    assert again.read("posts-pseudonymised.csv") == body, "the same key gives the same pseudonyms"
    assert fresh_client.get("/export/pseudonymised/labels.csv").status_code == 404


def test_the_checker_names_principles_and_every_profession(client: TestClient, csrf: Csrf) -> None:
    page = lxml.html.fromstring(client.get("/check").text)
    offered = {option.get("value") for option in page.xpath("//select[@id='profession']//option")}
    for name in ("paramedic", "care worker", "hca", "student nurse", "student midwife", "medical student",
                 "support worker", "nursing associate"):
        assert name in offered, name
    assert {names[0] for names, _ in catalogue().professions} <= offered
    token = csrf(client)
    answer = client.post("/check", data={"csrf_token": token, "text": "Mrs Jones in bay 4 again, NHS number "
                                                                      "943 476 5919", "profession": "paramedic"})
    principles = lxml.html.fromstring(answer.text).xpath("//ul[contains(@class, 'principles')]/li/text()")
    assert principles and all("(" in text and "): " in text for text in principles)
    assert any(text.startswith("HCPC-") and "Health and Care Professions Council" in text for text in principles)
    api = client.post("/api/check", json={"text": "Mrs Jones in bay 4, NHS number 943 476 5919"},
                      headers={"X-CSRF-Token": token}).json()
    assert all(len(f["principle_words"]) == len(f["principles"]) for f in api["findings"])
