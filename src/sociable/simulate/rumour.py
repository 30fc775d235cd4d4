"""The rumour cascade: a false claim about a hospital spreads by retweets, quotes and replies
that support, deny, query or comment on it, until the trust corrects it; after that the
spread slows and denials take over.
"""

from __future__ import annotations

import random
from typing import Any

from sociable.simulate.cast import Cast
from sociable.simulate.plan import DAY, HOUR, MINUTE, Planner

STANCES: dict[str, tuple[str, ...]] = {
    "support": (
        "Same here, my neighbour works there and said the same 😡", "Disgraceful. Where are we meant to go now",
        "Sharing. People need to know about this", "Knew this was coming, they've been cutting for years",
        "Absolutely shocking. Everyone share this", "My cousin heard the same from a porter there",
    ),
    "deny": (
        "This isn't true - the department is staying open", "Not true. I work in that ED and we're open as normal",
        "Please stop sharing this, it's false and it's scaring people", "Checked with the hospital, this is wrong",
        "Fake. The trust has put out a statement saying it is open", "Wrong - A and E is open, go if you need it",
    ),
    "query": (
        "Is there a source for this?", "Has anyone actually checked with the hospital?",
        "Where did you hear this? Can't find anything official", "Is this confirmed? My mum's due there next week",
        "Any link to an announcement?", "Who told you this?",
    ),
    "comment": (
        "What a week for local news", "This is why nobody trusts anything online",
        "Whatever happens, the staff there are amazing", "Tagging my sister who lives near there",
        "Wow", "Local radio will be all over this by tonight",
    ),
}
BEFORE = {"support": 45, "deny": 10, "query": 25, "comment": 20}
AFTER = {"support": 8, "deny": 55, "query": 12, "comment": 25}


def plan_rumour(planner: Planner, cast: Cast, posts: int) -> dict[str, Any]:
    """Plan the claim, its reactions and the correction; returns the rumour's truth record."""
    rng = planner.rng
    trusts = [g for g in cast.groups if g.subtype == "nhs_trust" and g.sector == "health"]
    group = trusts[0] if trusts else next(g for g in cast.groups if g.subtype == "regulator")
    hospital = f"{group.place} General"
    corrector = group.members[0]
    public = cast.of(role="person")
    pros = [i for i in cast.of(role="professional") if cast.members[i].behaviour != "converser"]
    brokers = cast.of(behaviour="broker")
    source = rng.choice(cast.of(subtype="public") or public)
    window = planner.end_ms - planner.start_ms
    start = planner.start_ms + int(window * 0.4) // DAY * DAY + 10 * HOUR + rng.randrange(60) * MINUTE
    tag = "Save" + group.place.replace(" ", "") + "AE"
    root = planner.add(start, source, f"Heard from a friend who works there that {hospital} A and E is closing to "
                       f"ambulances from Friday and staff have been told to keep quiet. Share so people know!! #{tag}")
    count = max(40, min(3000, round(posts * 0.005)))
    correction_at = start + 8 * HOUR + rng.randrange(60) * MINUTE
    before = round(count * 0.75)
    times = sorted(start + int(8 * HOUR * rng.random() ** 1.4) for _ in range(before))
    times += sorted(correction_at + 5 * MINUTE + min(int(rng.expovariate(1 / (6 * HOUR))), 3 * DAY)
                    for _ in range(count - before))
    correction = None
    reactions: list[dict[str, Any]] = []
    spreadable = [root]  # posts that can be retweeted: the claim and its quotes
    threads = [root]  # posts that can be replied to or quoted
    for when in times:
        if correction is None and when >= correction_at:
            correction = plan_correction(planner, cast, group.members, corrector, root, correction_at, hospital)
        pool = public if rng.random() < 0.75 else (pros if rng.random() < 0.8 or not brokers else brokers)
        author = rng.choice(pool)
        if author == source:
            author = rng.choice(public)
        stance = pick(rng, AFTER if correction is not None else BEFORE)
        draw = rng.random()
        if draw < 0.45 and stance == "support":
            parent = rng.choice(spreadable)
            post_id = planner.add(when, author, retweet_of=parent)
            kind = "repost"
        else:
            parent = root if rng.random() < 0.55 else rng.choice(threads)
            body = rng.choice(STANCES[stance])
            if draw < 0.75:
                post_id = planner.add(when, author, body, reply_to=parent, also_to=(planner.posts[root].author,))
                kind = "reply"
            else:
                post_id = planner.add(when, author, body, quote_of=parent)
                kind = "quote"
                spreadable.append(post_id)
            threads.append(post_id)
        reactions.append({"post_id": str(post_id), "account_id": str(cast.members[author].user_id), "kind": kind,
                          "stance": stance, "parent": str(parent), "created_at": planner.time(post_id)})
    if correction is None:
        correction = plan_correction(planner, cast, group.members, corrector, root, correction_at, hospital)
    after = sum(1 for r in reactions if r["created_at"] > correction["created_at"])
    return {"root": str(root), "account_id": str(cast.members[source].user_id), "hashtag": tag.lower(),
            "claim": f"{hospital} A and E is closing", "created_at": planner.time(root), "reactions": reactions,
            "correction": correction, "reactions_before_correction": len(reactions) - after,
            "reactions_after_correction": after}


def plan_correction(planner: Planner, cast: Cast, group: list[int], corrector: int, root: int, at: int,
                    hospital: str) -> dict[str, Any]:
    rng = planner.rng
    post_id = planner.add(at, corrector, f"The emergency department at {hospital} is open as normal and is NOT "
                          "closing. A post going round today is wrong. If you need urgent help, come to A and E "
                          "or call 111.", quote_of=root, links=("https://www.example.nhs.uk/news/ed-open",))
    sharers = [i for i in group if i != corrector] + [g.members[0] for g in cast.groups if g.subtype == "regulator"]
    reposts = [str(planner.add(at + rng.randrange(5, 180) * MINUTE, s, retweet_of=post_id)) for s in sharers]
    return {"post_id": str(post_id), "account_id": str(cast.members[corrector].user_id),
            "created_at": planner.time(post_id), "reposts": reposts}


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]

