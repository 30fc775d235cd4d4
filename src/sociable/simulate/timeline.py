"""The background conversation, streamed hour by hour and merged with the planted posts.

Each hour gets a number of slots from a weekly rhythm (busy in working hours, quiet at
night and at weekends). A slot is either a reply that someone owes (a converser answering
a mention) or a fresh post by an author drawn for that time of day. Recent posts wait in
small per-sector pools for replies, quotes and retweets, which mostly stay within a sector.
Memory stays flat: nothing but the pools, the pending replies and one hour of slots is held.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable
from string import Formatter

import numpy as np

from sociable.simulate import names, phrases
from sociable.simulate.cast import Cast, Member
from sociable.simulate.plan import DAY, HOUR, MINUTE, Planned, working
from sociable.simulate.writer import TweetWriter, Written, snowflake

WEEKDAY_RHYTHM = (0.15, 0.08, 0.05, 0.04, 0.05, 0.12, 0.35, 0.7, 1.0, 1.15, 1.2, 1.15,
                  1.2, 1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 0.9, 0.95, 0.85, 0.6, 0.3)
WEEKEND_RHYTHM = (0.12, 0.07, 0.04, 0.03, 0.03, 0.05, 0.12, 0.25, 0.4, 0.5, 0.55, 0.6,
                  0.6, 0.55, 0.55, 0.5, 0.5, 0.5, 0.55, 0.6, 0.6, 0.5, 0.35, 0.2)
# Author weight by time of day (work, evening, night) for each role.
CLASS_WEIGHTS = {"organisation": (1.0, 0.12, 0.02), "professional": (0.8, 1.0, 0.2), "person": (0.5, 1.3, 0.2)}
# Cumulative chances of original, reply, retweet, quote; the rest are posts that mention someone.
KIND_CUTS = {
    "broadcaster": (0.75, 0.75, 0.94, 0.96), "dormant": (1.0, 1.0, 1.0, 1.0), "chat_host": (0.8, 0.8, 1.0, 1.0),
    "converser": (0.45, 0.62, 0.8, 0.86), "regular": (0.42, 0.66, 0.84, 0.9), "broker": (0.3, 0.6, 0.75, 0.85),
}
# (chance of answering, median delay in minutes, spread) when replied to or mentioned.
ANSWERS = {"converser": (0.92, 15.0, 0.7), "broker": (0.5, 60.0, 0.8), "regular": (0.25, 120.0, 1.0)}
ORG_ANSWER = (0.85, 90.0, 0.8)
MAX_PENDING = 200_000
FIELDS: dict[str, tuple[str, ...]] = {}


def fields_of(template: str) -> tuple[str, ...]:
    found = FIELDS.get(template)
    if found is None:
        found = FIELDS[template] = tuple(name for _, name, _, _ in Formatter().parse(template) if name)
    return found


def hour_counts(np_rng: np.random.Generator, start_ms: int, days: int, slots: int) -> list[int]:
    """How many background slots each hour of the window gets, following the weekly rhythm."""
    weights = []
    for hour in range(days * 24):
        hour_ms = start_ms + hour * HOUR
        weekday = (hour_ms // DAY + 3) % 7  # 1970-01-01 was a Thursday
        weights.append((WEEKEND_RHYTHM if weekday >= 5 else WEEKDAY_RHYTHM)[hour_ms % DAY // HOUR])
    share = np.array(weights) / sum(weights)
    counts: list[int] = np_rng.multinomial(slots, share).tolist()
    return counts


class Timeline:
    """Writes background slots plus planted posts for one stretch of hours, in time order, through `emit`.

    Stretches are independent (own random streams, empty pools at the start), so they can be
    written in parallel and give the same bytes however many processes write them.
    """

    def __init__(self, cast: Cast, writer: TweetWriter, rng: random.Random, np_rng: np.random.Generator,
                 seed: int) -> None:
        self.members = cast.members
        self.writer = writer
        self.rng = rng
        self.np_rng = np_rng
        self.seed = seed
        self.pools: dict[str, deque[Written]] = {}
        self.pending: list[tuple[int, int, int, Written]] = []
        self.counter = 0
        self.planted_written: dict[int, Written] = {}
        self.keep: set[int] = set()
        self.posted = [0] * len(self.members)
        self.by_home: dict[str, list[int]] = {}
        self.orgs_by_home: dict[str, list[int]] = {}
        for m in self.members:
            if m.behaviour not in ("dormant", "chat_host"):
                target = self.orgs_by_home if m.role == "organisation" else self.by_home
                target.setdefault(m.home, []).append(m.index)
        self.sectors = sorted(self.by_home)
        self.cdfs = [self._cdf(k) for k in range(3)]
        self.emit: Callable[[bytes], None] = lambda line: None

    def _cdf(self, klass: int) -> np.ndarray:
        weights = np.array([m.activity * CLASS_WEIGHTS[m.role][klass] for m in self.members], dtype=float)
        cdf = np.cumsum(weights)
        return cdf / cdf[-1]

    def run(self, first_hour_ms: int, counts: list[int], planted: list[Planned], earlier: list[Planned],
            keep: set[int], emit: Callable[[bytes], None]) -> None:
        """Write the slots of consecutive hours from `first_hour_ms` and the planted posts among them.

        `earlier` are planted posts before this stretch that posts in it refer to: they are
        rebuilt (not written) so replies, quotes and retweets embed exactly what was written.
        `keep` holds the ids of planted posts that later planted posts refer to.
        """
        self.keep = keep
        for plan in earlier:
            self.write_planted(plan, rebuild=True)
        self.emit = emit
        upcoming = deque(planted)
        for hour, count in enumerate(counts):
            if not count:
                continue
            hour_ms = first_hour_ms + hour * HOUR
            weekday = (hour_ms // DAY + 3) % 7
            hod = hour_ms % DAY // HOUR
            klass = 2 if hod < 7 else (0 if weekday < 5 and 8 <= hod < 18 else 1)
            offsets = np.sort(self.np_rng.integers(0, HOUR, count)).tolist()
            authors = np.searchsorted(self.cdfs[klass], self.np_rng.random(count), side="right").tolist()
            draws = self.np_rng.random(count).tolist()
            last = len(self.members) - 1
            next_planted = upcoming[0].ms if upcoming else -1
            for offset, author, draw in zip(offsets, authors, draws, strict=True):
                ms = hour_ms + offset
                while 0 <= next_planted <= ms:
                    self.write_planted(upcoming.popleft())
                    next_planted = upcoming[0].ms if upcoming else -1
                if self.pending and self.pending[0][0] <= ms:
                    _, _, responder, target = heapq.heappop(self.pending)
                    self.respond(ms, responder, target)
                else:
                    self.fresh(ms, min(author, last), draw)
        while upcoming:
            self.write_planted(upcoming.popleft())

    # ------------------------------------------------------------------ planted posts

    def write_planted(self, plan: Planned, rebuild: bool = False) -> None:
        """Write one planted post; its random details come from its own id, so any process rebuilds it alike."""
        writer = self.writer
        background_rng, writer.rng = writer.rng, random.Random(plan.post_id ^ self.seed)
        try:
            if not rebuild:
                self.posted[plan.author] += 1
            if plan.retweet_of is not None:
                self.emit(writer.retweet(post_id=plan.post_id, ms=plan.ms, author=plan.author,
                                         of=self.planted_written[plan.retweet_of]))
                return
            reply = self.planted_written[plan.reply_to] if plan.reply_to is not None else None
            quote = self.planted_written[plan.quote_of] if plan.quote_of is not None else None
            line, written = writer.post(post_id=plan.post_id, ms=plan.ms, author=plan.author, body=plan.body,
                                        links=plan.links, reply_to=reply, also_to=plan.also_to, quote_of=quote,
                                        favourites=writer.rng.randrange(12), retweets=writer.rng.randrange(4))
            if plan.post_id in self.keep:
                self.planted_written[plan.post_id] = written
            if not rebuild:
                self.emit(line)
        finally:
            writer.rng = background_rng

    # ------------------------------------------------------------------ background posts

    def next_id(self, ms: int) -> int:
        self.counter += 1
        return snowflake(ms, False, self.counter)

    def fill(self, template: str, member: Member, handle: str = "") -> str:
        rng = self.rng
        if "{" not in template:
            return template
        values: dict[str, object] = {}
        for name in fields_of(template):
            if name == "place":
                values[name] = rng.choice(PLACES)
            elif name == "topic":
                values[name] = rng.choice(phrases.TOPICS.get(member.home, phrases.TOPICS["health"]))
            elif name == "tag":
                values[name] = rng.choice(phrases.TAGS.get(member.home, phrases.TAGS["health"]))
            elif name == "n":
                values[name] = rng.randrange(12, 480)
            elif name == "day":
                values[name] = rng.choice(phrases.DAYS)
            elif name == "emoji":
                values[name] = rng.choice(phrases.EMOJI)
            elif name == "h":
                values[name] = handle
        return template.format(**values)

    def pick_target(self, member: Member) -> Written | None:
        cross = 0.6 if member.behaviour == "broker" else 0.1
        sector = member.home
        if self.rng.random() < cross:
            sector = self.rng.choice(self.sectors)
        pool = self.pools.get(sector) or self.pools.get(member.home)
        if not pool:
            return None
        target = pool[self.rng.randrange(len(pool))]
        return None if target.author == member.index else target

    def remember(self, member: Member, written: Written) -> None:
        pool = self.pools.get(member.home)
        if pool is None:
            pool = self.pools[member.home] = deque(maxlen=64)
        pool.append(written)

    def fresh(self, ms: int, author: int, draw: float) -> None:
        member = self.members[author]
        cuts = KIND_CUTS.get(member.behaviour, KIND_CUTS["regular"])
        if draw < cuts[0]:
            self.original(ms, member)
        elif draw < cuts[1]:
            self.reply(ms, member)
        elif draw < cuts[2]:
            self.share(ms, member)
        elif draw < cuts[3]:
            self.quote(ms, member)
        else:
            self.mention(ms, member)

    def original(self, ms: int, member: Member) -> None:
        rng = self.rng
        voice = phrases.voice(member.role, member.subtype, member.sector)
        body = self.fill(rng.choice(phrases.ORIGINALS[voice]), member)
        if member.role != "organisation" and rng.random() < 0.04:
            body = typo(body, rng)
        if rng.random() < 0.25 and "#" not in body:
            body += " #" + rng.choice(phrases.TAGS.get(member.home, phrases.TAGS["health"]))
        org = member.role == "organisation"
        links: tuple[str, ...] = ()
        if rng.random() < (0.85 if org else 0.12):
            base = member.url or "https://" + rng.choice(DOMAINS)
            links = (f"{base}/{rng.choice(phrases.LINK_PATHS)}/{rng.randrange(1000, 99999)}",)
        self.publish(ms, member, body, links=links, photo=rng.random() < 0.05)

    def publish(self, ms: int, member: Member, body: str, *, links: tuple[str, ...] = (), photo: bool = False,
                reply_to: Written | None = None, quote_of: Written | None = None) -> Written:
        rng = self.rng
        reach = member.followers
        likes = int(reach * 0.02 * rng.random() ** 3)
        line, written = self.writer.post(post_id=self.next_id(ms), ms=ms, author=member.index, body=body,
                                         links=links, photo=photo, reply_to=reply_to, quote_of=quote_of,
                                         favourites=likes, retweets=likes // 4)
        self.posted[member.index] += 1
        self.emit(line)
        self.remember(member, written)
        return written

    def reply(self, ms: int, member: Member) -> None:
        target = self.pick_target(member)
        if target is None or (member.role == "organisation" and member.behaviour != "converser"):
            self.original(ms, member)
            return
        speaker = phrases.speaker(member.role)
        written = self.publish(ms, member, self.fill(self.rng.choice(phrases.REPLIES[speaker]), member),
                               reply_to=target)
        self.owe(ms, target.author, written)

    def share(self, ms: int, member: Member) -> None:
        target = self.pick_target(member)
        if target is None:
            self.original(ms, member)
            return
        self.posted[member.index] += 1
        self.emit(self.writer.retweet(post_id=self.next_id(ms), ms=ms, author=member.index, of=target))

    def quote(self, ms: int, member: Member) -> None:
        target = self.pick_target(member)
        if target is None or target.quoted is not None:
            self.original(ms, member)
            return
        self.publish(ms, member, self.fill(self.rng.choice(phrases.QUOTES), member), quote_of=target)

    def mention(self, ms: int, member: Member) -> None:
        rng = self.rng
        home = member.home
        if member.behaviour == "broker" and rng.random() < 0.6:
            home = rng.choice(self.sectors)
        people = self.orgs_by_home if member.role == "person" else self.by_home
        candidates = people.get(home) or self.by_home.get(member.home) or []
        if not candidates:
            self.original(ms, member)
            return
        target = candidates[rng.randrange(len(candidates))]
        if target == member.index:
            self.original(ms, member)
            return
        speaker = phrases.speaker(member.role)
        body = self.fill(rng.choice(phrases.MENTIONS[speaker]), member, self.members[target].handle)
        written = self.publish(ms, member, body)
        self.owe(ms, target, written)

    def owe(self, ms: int, responder: int, target: Written) -> None:
        """Maybe schedule an answer from `responder` to the post `target` that replied to or mentioned them."""
        member = self.members[responder]
        if member.role == "organisation":
            if member.behaviour != "converser":
                return
            chance, median, spread = ORG_ANSWER
        else:
            chance, median, spread = ANSWERS.get(member.behaviour, ANSWERS["regular"])
        rng = self.rng
        if rng.random() >= chance or len(self.pending) >= MAX_PENDING:
            return
        due = ms + int(rng.lognormvariate(0.0, spread) * median * MINUTE)
        if member.role == "organisation":
            due = working(due, rng)
        self.counter += 1
        heapq.heappush(self.pending, (due, self.counter, responder, target))

    def respond(self, ms: int, responder: int, target: Written) -> None:
        member = self.members[responder]
        speaker = phrases.speaker(member.role)
        written = self.publish(ms, member, self.fill(self.rng.choice(phrases.RESPONSES[speaker]), member),
                               reply_to=target)
        if self.members[target.author].role != "organisation" and self.rng.random() < 0.2:
            self.owe(ms, target.author, written)


PLACES = names.ANCHOR_PLACES
DOMAINS = ("carenews.example.org", "blog.example.net", "research.example.ac.uk", "guidance.example.gov.uk")


def typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters of a plain word, as fast typing does."""
    for _ in range(4):
        at = rng.randrange(max(1, len(text) - 1))
        start = text.rfind(" ", 0, at) + 1
        if text[at:at + 2].isalpha() and text[at:at + 2].islower() and text[start:start + 1] not in "#@":
            return text[:at] + text[at + 1] + text[at] + text[at + 2:]
    return text
