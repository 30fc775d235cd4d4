"""The synthetic conversation: determinism, exact v1.1 shape, and every planted phenomenon."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sociable.simulate import InvalidSimulation, simulate
from sociable.simulate.risky import nhs_number
from sociable.simulate.writer import twitter_time

V1_FIELDS = (
    "created_at", "id", "id_str", "full_text", "truncated", "display_text_range", "entities", "source",
    "in_reply_to_status_id", "in_reply_to_status_id_str", "in_reply_to_user_id", "in_reply_to_user_id_str",
    "in_reply_to_screen_name", "user", "is_quote_status", "retweet_count", "favorite_count", "lang",
)
USER_FIELDS = ("id", "id_str", "name", "screen_name", "location", "description", "url", "followers_count",
               "friends_count", "created_at", "verified")


class Run:
    """One simulated corpus, parsed once for many tests."""

    def __init__(self, path: Path, posts: int, seed: int) -> None:
        self.summary = simulate(path, posts=posts, seed=seed)
        self.path = path
        self.tweets = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        self.truth: dict[str, Any] = json.loads(self.summary.truth.read_text(encoding="utf-8"))
        self.by_id = {t["id_str"]: t for t in self.tweets}
        self.accounts = {a["account_id"]: a for a in self.truth["accounts"]}

    def replies_to(self, post_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tweets if t["in_reply_to_status_id_str"] == post_id]


def when(tweet: dict[str, Any]) -> datetime:
    return datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y")


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return Run(tmp_path_factory.mktemp("small") / "sample.jsonl", posts=2000, seed=11)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return Run(tmp_path_factory.mktemp("medium") / "sample.jsonl", posts=20000, seed=7)


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first = simulate(tmp_path / "a.jsonl", posts=1500, seed=3)
    second = simulate(tmp_path / "b.jsonl", posts=1500, seed=3)
    other = simulate(tmp_path / "c.jsonl", posts=1500, seed=4)
    assert first.files[0].read_bytes() == second.files[0].read_bytes()
    assert first.truth.read_bytes() == second.truth.read_bytes()
    assert first.files[0].read_bytes() != other.files[0].read_bytes()


def test_two_workers_write_the_same_bytes_as_one(tmp_path: Path) -> None:
    one = simulate(tmp_path / "one.jsonl", posts=3000, seed=5, days=21, workers=1)
    two = simulate(tmp_path / "two.jsonl", posts=3000, seed=5, days=21, workers=2)
    assert one.files[0].read_bytes() == two.files[0].read_bytes()
    assert one.truth.read_bytes() == two.truth.read_bytes()
    assert not list(tmp_path.glob("*.part*"))


def test_writes_exactly_the_posts_asked_for_and_a_truth_sidecar(small: Run) -> None:
    assert len(small.tweets) == 2000 == small.summary.posts
    assert len(small.by_id) == 2000
    assert small.summary.files == (small.path, small.path.with_name("sample.truth.json"))
    authors = {t["user"]["id_str"] for t in small.tweets}
    assert small.summary.accounts == len(authors)
    assert small.truth["posts"] == 2000 and small.truth["seed"] == 11


def test_every_line_has_the_v1_shape(small: Run) -> None:
    start, end = iso(small.truth["start"]), iso(small.truth["end"])
    for tweet in small.tweets:
        assert all(field in tweet for field in V1_FIELDS)
        assert all(field in tweet["user"] for field in USER_FIELDS)
        assert tweet["id"] == int(tweet["id_str"]) and tweet["user"]["id"] == int(tweet["user"]["id_str"])
        assert start <= when(tweet) < end
        low, high = tweet["display_text_range"]
        assert 0 <= low <= high <= len(tweet["full_text"])
        assert twitter_time(when(tweet)) == tweet["created_at"]


def test_entity_indices_point_at_the_text(small: Run) -> None:
    checked = Counter()
    for tweet in small.tweets:
        text, entities = tweet["full_text"], tweet["entities"]
        for tag in entities["hashtags"]:
            assert text[slice(*tag["indices"])] == "#" + tag["text"]
            checked["hashtags"] += 1
        for mention in entities["user_mentions"]:
            assert text[slice(*mention["indices"])] == "@" + mention["screen_name"]
            checked["mentions"] += 1
        for url in entities["urls"] + entities.get("media", []):
            assert text[slice(*url["indices"])] == url["url"]
            checked["urls"] += 1
    assert min(checked.values()) > 100


def test_retweets_and_quotes_have_the_real_shape(small: Run) -> None:
    retweets = [t for t in small.tweets if "retweeted_status" in t]
    quotes = [t for t in small.tweets if t["is_quote_status"] and "quoted_status" in t]
    assert retweets and quotes
    for tweet in retweets:
        original = tweet["retweeted_status"]
        assert tweet["full_text"].startswith(f"RT @{original['user']['screen_name']}: ")
        assert tweet["entities"]["user_mentions"][0]["indices"] == [3, 4 + len(original["user"]["screen_name"])]
    for tweet in quotes:
        assert tweet["quoted_status_id_str"] == tweet["quoted_status"]["id_str"]
        assert tweet["quoted_status_permalink"]["expanded"].endswith("/status/" + tweet["quoted_status_id_str"])


def test_every_reply_quote_and_retweet_points_to_an_earlier_post(small: Run) -> None:
    seen: dict[str, dict[str, Any]] = {}
    for tweet in small.tweets:
        for parent_id in (tweet["in_reply_to_status_id_str"], tweet.get("quoted_status_id_str"),
                          tweet.get("retweeted_status", {}).get("id_str")):
            if parent_id is not None:
                parent = seen[parent_id]
                assert when(parent) <= when(tweet) and int(parent_id) < tweet["id"]
        if tweet["in_reply_to_status_id_str"]:
            assert tweet["in_reply_to_user_id_str"] == seen[tweet["in_reply_to_status_id_str"]]["user"]["id_str"]
            if tweet["in_reply_to_user_id_str"] != tweet["user"]["id_str"]:  # a self-thread has no @ prefix
                assert tweet["full_text"].startswith("@" + tweet["in_reply_to_screen_name"])
        seen[tweet["id_str"]] = tweet


def planted_ids(truth: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for chat in truth["chats"]:
        for session in chat["sessions"]:
            ids |= {session["intro"], session["wrap"], *session["questions"]}
    rumour = truth["rumour"]
    ids |= {rumour["root"], rumour["correction"]["post_id"], *rumour["correction"]["reposts"]}
    ids |= {r["post_id"] for r in rumour["reactions"]}
    ids |= {q["post_id"] for q in truth["questions"]} | set(truth["answered"].values())
    return ids | set(truth["risky"]) | set(truth["near_misses"])


def test_truth_ids_exist_in_the_output(small: Run) -> None:
    assert planted_ids(small.truth) <= set(small.by_id)
    authors = {t["user"]["id_str"] for t in small.tweets}
    assert {a["account_id"] for a in small.truth["accounts"] if a["posts"]} == authors
    for name, members in small.truth["organisations"].items():
        assert all(small.accounts[m]["org"] == name for m in members)


def test_accounts_cover_roles_sectors_and_hard_cases(medium: Run) -> None:
    accounts = medium.truth["accounts"]
    assert 250 <= len(accounts) <= 350
    subtypes = Counter(a["subtype"] for a in accounts)
    for subtype in ("nhs_trust", "council", "charity", "regulator", "media", "nurse", "social_worker",
                    "doctor", "care_worker", "patient", "carer", "public"):
        assert subtypes[subtype] > 0, subtype
    assert Counter(a["bio_kind"] for a in accounts).keys() == {"clear", "ambiguous", "empty"}
    handles = [a["handle"].lower() for a in accounts]
    assert len(handles) == len(set(handles))
    assert 3 <= len(medium.truth["brokers"]) <= 10


def test_weekly_chat_at_the_same_hour_with_questions_answers_and_newcomers(small: Run) -> None:
    chat = small.truth["chats"][0]
    starts = [iso(s["start"]) for s in chat["sessions"]]
    assert len(starts) == 8
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(starts))
    assert {(s.weekday(), s.hour) for s in starts} == {(2, chat["hour_utc"])}
    for session in chat["sessions"]:
        for number, question_id in enumerate(session["questions"], start=1):
            question = small.by_id[question_id]
            assert question["full_text"].startswith(f"Q{number} ") and question["user"]["id_str"] == chat["host"]
        answers = [t for t in small.tweets if t["full_text"].lstrip("@").split(" ", 1)[0] != "RT"
                   and iso(session["start"]) <= when(t) <= iso(session["end"]) and " A1 " in f" {t['full_text']}"]
        assert answers
    assert any(s["newcomers"] for s in chat["sessions"][1:]) and any(s["returning"] for s in chat["sessions"])


def test_rumour_has_every_stance_a_correction_and_slows_afterwards(medium: Run) -> None:
    rumour = medium.truth["rumour"]
    assert {r["stance"] for r in rumour["reactions"]} == {"support", "deny", "query", "comment"}
    assert {r["kind"] for r in rumour["reactions"]} == {"reply", "quote", "repost"}
    correction = rumour["correction"]
    corrector = medium.accounts[correction["account_id"]]
    assert corrector["role"] == "organisation" and corrector["subtype"] in ("nhs_trust", "regulator")
    assert "NOT closing" in medium.by_id[correction["post_id"]]["full_text"]
    root_time, fixed = iso(rumour["created_at"]), iso(correction["created_at"])
    before = [r for r in rumour["reactions"] if iso(r["created_at"]) < fixed]
    after = [r for r in rumour["reactions"] if iso(r["created_at"]) > fixed]
    rate_before = len(before) / ((fixed - root_time).total_seconds() / 3600)
    last = max(iso(r["created_at"]) for r in after)
    rate_after = len(after) / ((last - fixed).total_seconds() / 3600)
    assert rate_after < rate_before / 3
    share = {name: sum(r["stance"] == "deny" for r in group) / len(group) for name, group in
             (("before", before), ("after", after))}
    assert share["after"] > share["before"]
    reachable = {rumour["root"]} | {r["post_id"] for r in rumour["reactions"]}
    assert all(r["parent"] in reachable for r in rumour["reactions"])


def test_unanswered_questions_get_no_reply_from_the_organisation(small: Run) -> None:
    questions = {q["post_id"]: q for q in small.truth["questions"]}
    assert small.truth["unanswered"] and small.truth["answered"]
    for post_id in small.truth["unanswered"]:
        org = questions[post_id]["org_account_id"]
        assert all(r["user"]["id_str"] != org for r in small.replies_to(post_id))
        question = small.by_id[post_id]
        assert "@" + question["entities"]["user_mentions"][0]["screen_name"] in question["full_text"]
    for post_id, reply_id in small.truth["answered"].items():
        reply = small.by_id[reply_id]
        assert reply["in_reply_to_status_id_str"] == post_id
        assert reply["user"]["id_str"] == questions[post_id]["org_account_id"]
        assert 0 < questions[post_id]["answer_minutes"] < 4 * 24 * 60


def valid_nhs_number(digits: str) -> bool:
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return check != 10 and (0 if check == 11 else check) == int(digits[9])


def test_risky_posts_contain_what_they_claim(small: Run) -> None:
    categories = Counter(item["category"] for item in small.truth["risky"].values())
    assert {"R1", "R2", "R5"} <= set(categories)
    for post_id, item in small.truth["risky"].items():
        text = small.by_id[post_id]["full_text"]
        assert all(piece in text for piece in item["evidence"])
        if item["label"] == "nhs_number":
            digits = item["evidence"][0].replace(" ", "")
            assert digits.startswith("999") and len(digits) == 10 and valid_nhs_number(digits)
    for post_id in small.truth["near_misses"]:
        assert post_id not in small.truth["risky"]


def test_nhs_numbers_always_pass_modulus_11() -> None:
    import random

    rng = random.Random(5)
    for _ in range(500):
        assert valid_nhs_number(nhs_number(rng).replace(" ", ""))


def interactions(run: Run) -> list[tuple[str, str]]:
    ties = []
    for tweet in run.tweets:
        source = tweet["user"]["id_str"]
        targets = {m["id_str"] for m in tweet["entities"]["user_mentions"]}
        if tweet["in_reply_to_user_id_str"]:
            targets.add(tweet["in_reply_to_user_id_str"])
        ties += [(source, target) for target in targets if target != source]
    return ties


def test_sectors_are_silos_and_brokers_cross_them(medium: Run) -> None:
    def sector(account_id: str) -> str:
        account = medium.accounts[account_id]
        return account["sector"]

    ties = [(s, t) for s, t in interactions(medium) if medium.accounts[s]["sector"] != "unknown"
            and medium.accounts[t]["sector"] != "unknown"]
    brokers = set(medium.truth["brokers"])
    regular = [sector(s) == sector(t) for s, t in ties if s not in brokers]
    broker = [sector(s) == sector(t) for s, t in ties if s in brokers]
    assert sum(regular) / len(regular) > 0.6
    assert sum(broker) / len(broker) < sum(regular) / len(regular) - 0.2


def test_broadcasters_never_reply_and_conversers_answer(medium: Run) -> None:
    behaviour = {a["account_id"]: a["behaviour"] for a in medium.truth["accounts"]}
    replies = Counter(behaviour[t["user"]["id_str"]] for t in medium.tweets if t["in_reply_to_status_id_str"])
    assert replies["broadcaster"] == 0 and replies["converser"] > 0
    pros = {a["account_id"] for a in medium.truth["accounts"]
            if a["behaviour"] == "converser" and a["role"] == "professional"}
    mentioned = [t for t in medium.tweets if "retweeted_status" not in t and not t["in_reply_to_status_id_str"]
                 and any(m["id_str"] in pros for m in t["entities"]["user_mentions"])]
    answered_fast = 0
    for tweet in mentioned:
        target = next(m["id_str"] for m in tweet["entities"]["user_mentions"] if m["id_str"] in pros)
        answers = [r for r in medium.replies_to(tweet["id_str"]) if r["user"]["id_str"] == target]
        answered_fast += any(when(r) - when(tweet) <= timedelta(hours=1) for r in answers)
    assert len(mentioned) >= 10 and answered_fast / len(mentioned) > 0.6


def test_more_posts_in_working_hours_than_at_night(medium: Run) -> None:
    hours = Counter(when(t).hour for t in medium.tweets)
    assert sum(hours[h] for h in range(9, 17)) > 4 * sum(hours[h] for h in range(0, 6))


def test_output_maps_through_the_twitter_importer(small: Run) -> None:
    from sociable.sources.base import Rejected
    from sociable.sources.registry import detect_format

    fmt = detect_format(small.path)
    assert fmt.name == "twitter-v1"
    mapped = 0
    for record in fmt.read(small.path, {}):
        assert not isinstance(record, Rejected), record
        mapped += len(fmt.map(record.raw).posts)
    assert mapped >= 2000


@pytest.mark.parametrize(("posts", "days", "message"), [
    (500, 56, "at least 1000 posts"),
    (5000, 7, "between 14 and"),
])
def test_impossible_requests_say_what_to_ask_for(tmp_path: Path, posts: int, days: int, message: str) -> None:
    with pytest.raises(InvalidSimulation, match=message):
        simulate(tmp_path / "x.jsonl", posts=posts, days=days)


def test_a_folder_is_not_an_output_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidSimulation, match="is a folder"):
        simulate(tmp_path, posts=1000)


PEAK_RSS = """
import resource, sys
from pathlib import Path
from sociable.simulate import simulate
simulate(Path(sys.argv[1]), posts=int(sys.argv[2]))
print(max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))
"""


@pytest.mark.slow
def test_memory_stays_flat_as_posts_grow_tenfold(tmp_path: Path) -> None:
    def peak(posts: int) -> int:
        out = subprocess.run([sys.executable, "-c", PEAK_RSS, str(tmp_path / f"{posts}.jsonl"), str(posts)],
                             check=True, capture_output=True, text=True)
        (tmp_path / f"{posts}.jsonl").unlink()
        return int(out.stdout.strip())

    assert peak(2_000_000) < 1.6 * peak(200_000)
