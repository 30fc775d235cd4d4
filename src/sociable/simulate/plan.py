"""Planted posts: scenes plan them ahead with exact times and ids, the timeline writes them in order."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from sociable.simulate.cast import Cast
from sociable.simulate.writer import snowflake

MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000


@dataclass(slots=True)
class Planned:
    """One planted post; parents are other planted posts, referred to by id."""

    ms: int
    post_id: int
    author: int
    body: str = ""
    reply_to: int | None = None
    also_to: tuple[int, ...] = ()
    quote_of: int | None = None
    retweet_of: int | None = None
    links: tuple[str, ...] = ()


class Planner:
    """Gives planted posts ids and keeps every child after its parent, inside the window."""

    def __init__(self, cast: Cast, rng: random.Random, start_ms: int, end_ms: int) -> None:
        self.cast = cast
        self.rng = rng
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.posts: dict[int, Planned] = {}
        self.counter = 0

    def add(self, ms: int, author: int, body: str = "", *, reply_to: int | None = None,
            also_to: tuple[int, ...] = (), quote_of: int | None = None, retweet_of: int | None = None,
            links: tuple[str, ...] = ()) -> int:
        """Plan a post and return its id; a child is moved to at least a second after its parent."""
        for parent in (reply_to, quote_of, retweet_of):
            if parent is not None:
                ms = max(ms, self.posts[parent].ms + 1000 + self.rng.randrange(1000))
        ms = min(max(ms, self.start_ms), self.end_ms - 1)
        post_id = snowflake(ms, True, self.counter)
        self.counter += 1
        self.posts[post_id] = Planned(ms, post_id, author, body, reply_to, also_to, quote_of, retweet_of, links)
        return post_id

    def ordered(self) -> list[Planned]:
        return sorted(self.posts.values(), key=lambda p: (p.ms, p.post_id))

    def time(self, post_id: int) -> str:
        return iso(self.posts[post_id].ms)

    def working_time(self, ms: int) -> int:
        """The same moment, or the next weekday morning if it falls outside 08:00-18:00 on a weekday."""
        return working(ms, self.rng)


def working(ms: int, rng: random.Random) -> int:
    """`ms`, or a time early on the next weekday morning when it falls outside 08:00-18:00 on a weekday."""
    day_ms = ms - ms % DAY
    hour = (ms - day_ms) // HOUR
    weekday = (day_ms // DAY + 3) % 7  # 1970-01-01 was a Thursday
    if weekday < 5 and 8 <= hour < 18:
        return ms
    step = 0 if weekday < 5 and hour < 8 else 1
    while (weekday + step) % 7 >= 5:
        step += 1
    return day_ms + step * DAY + 8 * HOUR + rng.randrange(90) * MINUTE


def iso(ms: int) -> str:
    """Unix milliseconds as ISO 8601 UTC, the form the truth file uses."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")
