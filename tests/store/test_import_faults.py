"""Import faults found on real archives, each on files shaped like the real ones.

A folder holding a PHEME event beside other exports, a Twitter account archive with retweets
and no account.js, a twarc2 file whose quoted tweet comes partial first and whole later, a
Mastodon file with followers-only posts, and the rejected records of a walked folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import sociable
from sociable.cli import app
from sociable.errors import SociableError
from sociable.store import Workspace

FIXTURES = Path(__file__).parent.parent / "fixtures"
runner = CliRunner()


def invoke(ws: Path, *args: str) -> tuple[int, str]:
    """Exit status and what the user reads (an error meant for users is the one line `main` prints)."""
    result = runner.invoke(app, ["--workspace", str(ws), *args], env={"COLUMNS": "200"})
    said = str(result.exception) if isinstance(result.exception, SociableError) else ""
    return result.exit_code, result.output + said


# ---------------------------------------------------------------------------- folders holding PHEME threads


def mixed_folder(root: Path) -> Path:
    """A researcher's data folder: a PHEME event two levels down, beside exports of other platforms."""
    folder = root / "mixed"
    shutil.copytree(FIXTURES / "pheme" / "northvale-ae", folder / "datasets" / "pheme" / "northvale-ae")
    shutil.copy(FIXTURES / "twitter" / "v2_flat.jsonl", folder / "v2_flat.jsonl")
    shutil.copy(FIXTURES / "mastodon" / "hashtag_wenurses.jsonl", folder / "datasets" / "hashtag_wenurses.jsonl")
    shutil.copytree(FIXTURES / "twitter" / "archive", folder / "archive",
                    ignore=shutil.ignore_patterns("*.expected.json"))
    return folder


def test_a_folder_holding_a_pheme_event_imports_every_other_file_too(tmp_path: Path) -> None:
    folder = mixed_folder(tmp_path)
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        summary = ws.import_files([folder])
        by_format = {f.format: f for f in summary.files}
        platforms = {r["platform"]: r["n"] for r in ws.query(
            "SELECT platform, count(*) AS n FROM posts GROUP BY 1").to_pylist()}
    assert {"pheme", "twitter-v2", "mastodon-api", "twitter-archive"} <= set(by_format)
    assert by_format["pheme"].file.endswith("datasets/pheme")  # a folder of thread folders only
    assert by_format["twitter-v2"].stored > 0 and by_format["mastodon-api"].stored > 0
    assert by_format["twitter-archive"].stored > 0
    assert platforms["mastodon"] > 0 and platforms["twitter"] > by_format["pheme"].stored
    assert summary.errors == []  # account.js and profile.js are read with tweets.js, not reported


def test_the_import_exits_0_and_names_companion_files_as_such(tmp_path: Path) -> None:
    folder = mixed_folder(tmp_path)
    code, out = invoke(tmp_path / "ws.duckdb", "import", str(folder))
    assert code == 0, out
    assert "companion" in out and "not a format" not in out
    assert "twitter-archive" in out and "pheme" in out


def test_a_companion_file_given_alone_is_not_an_error(tmp_path: Path) -> None:
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        summary = ws.import_files([FIXTURES / "mastodon" / "export" / "actor.json",
                                   FIXTURES / "twitter" / "archive" / "data" / "account.js"])
    assert [f.format for f in summary.files] == ["companion", "companion"]
    assert summary.errors == [] and summary.total("stored") == 0


def test_the_other_parts_of_an_account_archive_are_listed_not_failed(tmp_path: Path) -> None:
    tweets = write_archive(tmp_path / "archive")
    data = tweets.parent
    (data / "like.js").write_text('window.YTD.like.part0 = [\n  {\n    "like" : {\n      "tweetId" : "1534", '
                                  '"fullText" : "Flu clinics open", "expandedUrl" : "https://twitter.com/i/web/status/1534"'
                                  '\n    }\n  }\n]')
    (data / "follower.js").write_text('window.YTD.follower.part0 = [ {\n  "follower" : {\n    "accountId" : "77", '
                                      '"userLink" : "https://twitter.com/intent/user?user_id=77"\n  }\n} ]')
    (data / "direct-messages.js").write_text('window.YTD.direct_messages.part0 = [ ]')
    code, out = invoke(tmp_path / "ws.duckdb", "import", str(tmp_path / "archive"))
    assert code == 0, out
    assert out.count("archive part") == 3 and "companion" in out
    with sociable.open(tmp_path / "ws.duckdb", read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM posts") == 3  # the tweets only; no like or message is a post


def test_an_unrecognised_file_in_a_walked_folder_is_still_reported(tmp_path: Path) -> None:
    folder = mixed_folder(tmp_path)
    (folder / "datasets" / "notes.json").write_text('{"note": "collected by hand"}')
    code, out = invoke(tmp_path / "ws.duckdb", "import", str(folder))
    assert code == 1
    assert "notes.json is not a format sociable recognises" in " ".join(out.split())


# ---------------------------------------------------------------------------- archive retweets


def tweet_entry(tweet_id: str, text: str, mentions: list[tuple[str, str, str]], when: str) -> dict[str, Any]:
    """An entry of data/tweets.js as the archive writes it (every number a string)."""
    return {"tweet": {
        "edit_info": {"initial": {"editTweetIds": [tweet_id], "editableUntil": "2022-06-08T21:01:02.000Z",
                                  "editsRemaining": "5", "isEditEligible": False}},
        "retweeted": False, "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
        "entities": {"hashtags": [], "symbols": [], "urls": [], "user_mentions": [
            {"name": name, "screen_name": screen, "indices": ["3", str(3 + len(screen) + 1)], "id_str": uid, "id": uid}
            for screen, uid, name in mentions]},
        "display_text_range": ["0", str(len(text))], "favorite_count": "0", "id_str": tweet_id,
        "truncated": False, "retweet_count": "0", "id": tweet_id, "created_at": when, "favorited": False,
        "full_text": text, "lang": "en"}}


def write_archive(folder: Path, with_account: bool = True) -> Path:
    data = folder / "data"
    data.mkdir(parents=True)
    entries = [
        tweet_entry("1534626574496698001", "RT @WeCareChat: Tonight 8pm: compassion fatigue. Join us #WeCareChat",
                    [("WeCareChat", "901234567", "#WeCareChat")], "Wed Jun 08 20:01:02 +0000 2022"),
        tweet_entry("1534626574496698002", "RT @NorthvaleNHS: Flu clinics open on Saturday",
                    [("NorthvaleNHS", "1187654321", "Northvale Community Health NHS Trust")],
                    "Wed Jun 08 21:01:02 +0000 2022"),
        tweet_entry("1534626574496698003", "Proud of our team @NorthvaleNHS today",
                    [("NorthvaleNHS", "1187654321", "Northvale Community Health NHS Trust")],
                    "Wed Jun 08 22:01:02 +0000 2022"),
    ]
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(entries, indent=2))
    if with_account:
        account = [{"account": {"email": "sam@example.org", "createdVia": "web", "username": "sam_rn",
                                "accountId": "4455667788", "createdAt": "2015-02-01T10:00:00.000Z",
                                "accountDisplayName": "Sam (RN)"}}]
        (data / "account.js").write_text("window.YTD.account.part0 = " + json.dumps(account, indent=2))
    return data / "tweets.js"


def test_archive_retweets_are_counted_as_reposts(tmp_path: Path) -> None:
    tweets = write_archive(tmp_path / "archive")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        ws.import_files([tweets.parent.parent])
        kinds = {r["kind"]: r["n"] for r in ws.query(
            "SELECT CASE WHEN repost_of IS NOT NULL THEN 'repost' ELSE 'original' END AS kind, count(*) AS n "
            "FROM posts GROUP BY 1").to_pylist()}
        reposted = ws.query("SELECT target FROM interactions WHERE kind = 'repost' ORDER BY 1").column(0).to_pylist()
        handles = {r["account_id"]: r["handle"] for r in ws.query(
            "SELECT account_id, handle FROM accounts").to_pylist()}
    assert kinds == {"repost": 2, "original": 1}
    assert reposted == ["1187654321", "901234567"]
    # accounts seen only in mentions and retweets are shown by the handle the tweet gives, not their id
    assert handles == {"4455667788": "sam_rn", "901234567": "WeCareChat", "1187654321": "NorthvaleNHS"}


# ---------------------------------------------------------------------------- reader options


def test_option_names_the_author_of_an_archive_without_account_js(tmp_path: Path) -> None:
    tweets = write_archive(tmp_path / "archive", with_account=False)
    ws = tmp_path / "ws.duckdb"
    code, out = invoke(ws, "import", str(tweets))
    assert code == 1 and "account_id=" in " ".join(out.split())
    code, out = invoke(ws, "import", str(tweets), "--option", "account_id=4455667788", "--option", "handle=@sam_rn")
    assert code == 0, out
    with sociable.open(ws, read_only=True) as opened:
        authors = opened.query("SELECT DISTINCT p.account_id, a.handle FROM posts p JOIN accounts a "
                               "USING (platform, account_id)").to_pylist()
    assert authors == [{"account_id": "4455667788", "handle": "sam_rn"}]


def test_option_keeps_followers_only_mastodon_posts(tmp_path: Path) -> None:
    ws = tmp_path / "ws.duckdb"
    home = FIXTURES / "mastodon" / "hashtag_wenurses.jsonl"  # one followers-only status
    invoke(ws, "import", str(home), "--collection", "public")
    code, out = invoke(tmp_path / "kept.duckdb", "import", str(home), "--option", "private=keep")
    assert code == 0, out
    with sociable.open(ws, read_only=True) as public, sociable.open(tmp_path / "kept.duckdb", read_only=True) as kept:
        assert kept.scalar("SELECT count(*) FROM posts") > public.scalar("SELECT count(*) FROM posts")


@pytest.mark.parametrize(("args", "said"), [
    (["--option", "acount_id=1"], "'acount_id' is not a reader option; the options are: account_id, handle, map, "
                                  "platform, private, server"),
    (["--option", "account_id"], "--option expects key=value"),
    (["--option", "private=yes"], "private takes only the value keep"),
    (["--format", "mastodon-api", "--option", "handle=sam"],
     "'handle' is not a reader option of the format mastodon-api (handle is an option of twitter-archive)"),
])
def test_unknown_or_malformed_options_are_refused_with_a_sentence(tmp_path: Path, args: list[str], said: str) -> None:
    code, out = invoke(tmp_path / "ws.duckdb", "import", str(FIXTURES / "mastodon" / "home_timeline.json"), *args)
    assert code != 0
    assert said in " ".join(out.split())
    assert "Traceback" not in out
    assert not (tmp_path / "ws.duckdb").exists()  # refused before anything was opened


def test_the_library_refuses_unknown_options_too(workspace: Workspace) -> None:
    with pytest.raises(SociableError, match="'colour' is not a reader option"):
        workspace.import_files([FIXTURES / "mastodon" / "home_timeline.json"], options={"colour": "blue"})


# ---------------------------------------------------------------------------- a fuller copy after a partial one


def flat_tweet(tweet_id: str, author: tuple[str, str], text: str, when: str,
               quoted: dict[str, Any] | None = None, quoted_id: str | None = None) -> dict[str, Any]:
    """A twarc2 flattened tweet: author inline, referenced tweets inline (with their own references as ids)."""
    uid, username = author
    tweet: dict[str, Any] = {
        "edit_history_tweet_ids": [tweet_id], "id": tweet_id, "text": text, "author_id": uid, "created_at": when,
        "conversation_id": tweet_id, "lang": "en",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 3, "quote_count": 0,
                           "bookmark_count": 0, "impression_count": 90},
        "possibly_sensitive": False, "reply_settings": "everyone",
        "author": {"id": uid, "username": username, "name": username.title(), "created_at": "2012-01-01T00:00:00.000Z",
                   "description": "", "public_metrics": {"followers_count": 10, "following_count": 5,
                                                         "tweet_count": 100, "listed_count": 0}},
    }
    if quoted is not None:
        tweet["referenced_tweets"] = [{"type": "quoted", **quoted}]
    elif quoted_id is not None:
        tweet["referenced_tweets"] = [{"type": "quoted", "id": quoted_id}]
    return tweet


def test_a_fuller_copy_arriving_later_completes_the_post_and_keeps_its_raw_record(tmp_path: Path) -> None:
    original = flat_tweet("1730600000000000001", ("300", "ward_sister"), "Night shift handover tips",
                          "2023-12-01T08:00:00.000Z")
    quote = flat_tweet("1730600000000000002", ("200", "carer_jo"), "This, a hundred times",
                       "2023-12-01T09:00:00.000Z", quoted=original)
    embedded = {k: v for k, v in quote.items() if k not in ("referenced_tweets",)}
    embedded["referenced_tweets"] = [{"type": "quoted", "id": original["id"]}]  # flatten keeps only the id
    outer = flat_tweet("1730600000000000003", ("100", "matron_k"), "Worth reading",
                       "2023-12-01T10:00:00.000Z", quoted=embedded)
    for tweet in (outer, quote):
        tweet["__twarc"] = {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.14.0",
                            "retrieved_at": "2023-12-02T00:00:00+00:00"}
    path = tmp_path / "quotes.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in (outer, quote)) + "\n")
    with sociable.open(tmp_path / "ws.duckdb") as ws:
        summary = ws.import_files([path])
        row = ws.query("SELECT quote_of, quote_of_account, record_id FROM posts WHERE post_id = $id",
                       {"id": quote["id"]}).to_pylist()[0]
        raw_ids = ws.query("SELECT unnest(record_ids) AS id FROM raw_blocks").column(0).to_pylist()
        quotes = ws.query("SELECT source, target FROM interactions WHERE kind = 'quote' ORDER BY 1").to_pylist()
        again = ws.import_files([path])
    assert (row["quote_of"], row["quote_of_account"]) == (original["id"], "300")
    assert row["record_id"] in raw_ids and row["record_id"] == max(raw_ids)  # the quote's own line
    assert quotes == [{"source": "100", "target": "200"}, {"source": "200", "target": "300"}]
    assert (summary.total("stored"), summary.total("duplicates"), summary.files[0].merged) == (3, 0, 1)
    assert (again.total("stored"), again.total("duplicates"), again.files[0].merged) == (0, 2, 0)


# ---------------------------------------------------------------------------- rejected --file


def test_rejected_file_matches_the_name_the_import_table_shows(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    lines = (FIXTURES / "twitter" / "v2_flat.jsonl").read_text().splitlines()
    (folder / "search.jsonl").write_text("\n".join([lines[0], "{not json", lines[1]]) + "\n")
    ws = tmp_path / "ws.duckdb"
    code, out = invoke(ws, "import", str(folder))
    assert "search.jsonl" in out
    for given in (str(folder / "search.jsonl"), "search.jsonl", "exports/search.jsonl", str(folder)):
        code, out = invoke(ws, "rejected", "--file", given)
        assert code == 0 and "1 of 1 rejected records shown" in out, given
    code, out = invoke(ws, "rejected", "--file", "other.jsonl")
    assert "No rejected records" in out


# ---------------------------------------------------------------------------- accounts known only from a mention

AUTHOR = {"id_str": "2849301756", "screen_name": "NurseAmaraJ", "name": "Amara J", "followers_count": 120,
          "friends_count": 80, "description": "Ward nurse, Leeds", "created_at": "Mon Jan 05 10:00:00 +0000 2015"}


def v1_tweet(post_id: str, when: str, user: dict[str, Any], text: str, mentions: list[tuple[str, str, str]],
             reply: tuple[str, str, str] | None = None) -> dict[str, Any]:
    """A v1.1 tweet as the API gives it: mentions (screen name, id, name) in entities, the reply's screen name."""
    return {
        "created_at": when, "id_str": post_id, "full_text": text,
        "in_reply_to_status_id_str": reply[0] if reply else None,
        "in_reply_to_user_id_str": reply[1] if reply else None,
        "in_reply_to_screen_name": reply[2] if reply else None,
        "entities": {"hashtags": [], "urls": [], "user_mentions": [
            {"screen_name": name, "name": display, "id": int(uid), "id_str": uid, "indices": [0, len(name) + 1]}
            for name, uid, display in mentions]},
        "user": user, "lang": "en",
    }


def v2_tweet(post_id: str, when: str, author_id: str, text: str, mentions: list[tuple[str, str]]) -> dict[str, Any]:
    """A v2 tweet whose mentions (username, id) are in entities only, with no user object for them."""
    return {"id": post_id, "created_at": when, "author_id": author_id, "conversation_id": post_id, "text": text,
            "lang": "en", "entities": {"mentions": [{"start": 0, "end": len(name) + 1, "username": name, "id": uid}
                                                    for name, uid in mentions]}}


MENTIONING = v1_tweet("1765500000000000001", "Wed Mar 06 19:05:00 +0000 2024", AUTHOR,
                      "@NorthvaleNHS @CarersLeeds thank you for the help with the discharge today",
                      [("CarersLeeds", "55501234", "Carers Leeds")],
                      reply=("1765400000000000009", "1187654321", "NorthvaleNHS"))
V2_USER = {"id": "2849301756", "username": "NurseAmaraJ", "name": "Amara J", "description": "Ward nurse, Leeds",
           "public_metrics": {"followers_count": 120, "following_count": 80}}
V2_TWEET = v2_tweet("1765500000000000002", "2024-03-06T19:05:00.000Z", "2849301756",
                    "@NorthvaleNHS @CarersLeeds thank you for the help with the discharge today",
                    [("NorthvaleNHS", "1187654321"), ("CarersLeeds", "55501234")])


def write_shape(folder: Path, shape: str) -> Path:
    """The same conversation in each Twitter shape that names accounts it holds no profile of."""
    if shape == "v1 lines":  # the quick line route
        path = folder / "tweets.jsonl"
        path.write_text(json.dumps(MENTIONING) + "\n")
    elif shape == "v1 array":  # the record route
        path = folder / "tweets.json"
        path.write_text(json.dumps([MENTIONING]))
    elif shape == "v2 page":
        path = folder / "twarc2.jsonl"
        path.write_text(json.dumps({"data": [V2_TWEET], "includes": {"users": [V2_USER]},
                                    "meta": {"result_count": 1}}) + "\n")
    else:  # twarc2 flatten
        path = folder / "flat.jsonl"
        path.write_text(json.dumps({**V2_TWEET, "author": V2_USER}) + "\n")
    return path


@pytest.mark.parametrize("shape", ["v1 lines", "v1 array", "v2 page", "v2 flat"])
def test_accounts_known_only_from_a_mention_show_their_handle(tmp_path: Path, shape: str) -> None:
    ws = tmp_path / "ws.duckdb"
    code, out = invoke(ws, "import", str(write_shape(tmp_path, shape)))
    assert code == 0, out
    with sociable.open(ws, read_only=True) as opened:
        handles = {r["account_id"]: r["handle"] for r in opened.query(
            "SELECT account_id, handle FROM accounts").to_pylist()}
    assert handles == {"2849301756": "NurseAmaraJ", "1187654321": "NorthvaleNHS", "55501234": "CarersLeeds"}
    code, shown = invoke(ws, "map")
    assert code == 0, shown
    assert "NorthvaleNHS" in shown and "CarersLeeds" in shown
    assert "1187654321" not in shown and "55501234" not in shown


def test_a_profile_wins_over_a_mention_of_the_same_account(tmp_path: Path) -> None:
    """A mention gives a handle and a name; the account's own profile, when it comes, gives the rest and wins."""
    trust = {"id_str": "1187654321", "screen_name": "NorthvaleNHS_new", "name": "Northvale Community Health",
             "followers_count": 5400, "friends_count": 310, "description": "NHS community services for Northvale"}
    own = v1_tweet("1765600000000000001", "Thu Mar 07 09:00:00 +0000 2024", trust, "Flu clinics open Saturday", [])
    later = v1_tweet("1765700000000000001", "Fri Mar 08 09:00:00 +0000 2024", AUTHOR, "@NorthvaleNHS_new thanks",
                     [("NorthvaleNHS_new", "1187654321", "Northvale Community Health")])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "mention.jsonl", tmp_path / "b" / "profile.jsonl"
    first.write_text(json.dumps(MENTIONING) + "\n")
    second.write_text(json.dumps(own) + "\n" + json.dumps(later) + "\n")
    expected = {"handle": "NorthvaleNHS_new", "display_name": "Northvale Community Health", "followers": 5400,
                "bio": "NHS community services for Northvale"}
    for order in ((first, second), (second, first)):  # the mention stored first, or the profile stored first
        ws = tmp_path / f"ws-{order[0].stem}.duckdb"
        for path in order:
            code, out = invoke(ws, "import", str(path))
            assert code == 0, out
        with sociable.open(ws, read_only=True) as opened:
            (row,) = opened.query("SELECT handle, display_name, followers, bio FROM accounts "
                                  "WHERE account_id = '1187654321'").to_pylist()
        assert row == expected, order
