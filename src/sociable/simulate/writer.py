"""Twitter API v1.1 serialisation: tweet and user objects in the shape the API returned
with tweet_mode=extended (full_text, display_text_range, entities with code-point indices).

Tweet ids are snowflakes made from the post's time, so ids grow with time like the real ones.
Entities are found in the final text the way Twitter's own extractor found them, so their
indices always point at '#tag', '@user' and the t.co link in `full_text`.
"""

from __future__ import annotations

import base64
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from sociable.simulate.cast import Member

TWITTER_EPOCH_MS = 1288834974657
WORD_RE = re.compile(r"\w+")
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TCO_SAFE = bytes.maketrans(b"-_", b"xQ")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CLIENTS: tuple[tuple[str, ...], ...] = (
    ('<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
     '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
     '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
     '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>'),
    ('<a href="https://www.hootsuite.com" rel="nofollow">Hootsuite Inc.</a>',
     '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
     '<a href="https://about.twitter.com/products/tweetdeck" rel="nofollow">TweetDeck</a>',
     '<a href="https://sproutsocial.com" rel="nofollow">Sprout Social</a>'),
)
NO_REPLY: dict[str, None] = {
    "in_reply_to_status_id": None, "in_reply_to_status_id_str": None, "in_reply_to_user_id": None,
    "in_reply_to_user_id_str": None, "in_reply_to_screen_name": None,
}
MEDIA_SIZES = orjson.Fragment(orjson.dumps({
    "thumb": {"w": 150, "h": 150, "resize": "crop"}, "medium": {"w": 1200, "h": 900, "resize": "fit"},
    "small": {"w": 680, "h": 510, "resize": "fit"}, "large": {"w": 2048, "h": 1536, "resize": "fit"},
}))


def snowflake(ms: int, planted: bool, counter: int) -> int:
    """A tweet id for a post made at `ms` (Unix milliseconds); planted and background posts never collide."""
    return ((ms - TWITTER_EPOCH_MS) << 22) | (int(planted) << 21) | (counter & 0x1FFFFF)


def compact(data: bytes) -> bytes:
    """A tight copy of bytes from orjson, whose own buffers keep several kilobytes of slack each."""
    return memoryview(data).tobytes()


def marked(text: str, sign: str, also_not_after: str) -> list[tuple[str, int]]:
    """Words that follow `sign` ('#' or '@') at a word start, with where each word begins.

    This is how Twitter's extractor finds hashtags and mentions: the sign must not follow a
    letter, digit, underscore (or `also_not_after`), and the word runs over letters, digits
    and underscores. Scanning with find is much faster than a look-behind regex on text with emoji.
    """
    found: list[tuple[str, int]] = []
    at = text.find(sign)
    while at != -1:
        before = text[at - 1] if at else " "
        if not (before.isalnum() or before == "_" or before in also_not_after):
            match = WORD_RE.match(text, at + 1)
            if match is not None:
                found.append((match.group(), at + 1))
        at = text.find(sign, at + 1)
    return found


def twitter_time(moment: datetime) -> str:
    """'Wed Oct 10 20:19:24 +0000 2018', the v1.1 created_at format."""
    m = moment.astimezone(UTC)
    return f"{_WEEKDAYS[m.weekday()]} {_MONTHS[m.month - 1]} {m.day:02d} {m:%H:%M:%S} +0000 {m.year}"


@dataclass(slots=True)
class Written:
    """What later posts need from a post to reply to it, quote it or retweet it."""

    post_id: int
    author: int
    text: str
    fragment: orjson.Fragment  # the tweet object as written, without a nested quoted_status
    retweets: int
    quoted: int | None = None
    links: tuple[tuple[Link, int], ...] = ()  # links in `text` and where they start


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    expanded: str
    display: str


class Clock:
    """Formats created_at quickly for posts that arrive in time order."""

    def __init__(self) -> None:
        self._day = -1
        self._head = ""
        self._tail = ""

    def created_at(self, ms: int) -> str:
        day, rest = divmod(ms // 1000, 86400)
        if day != self._day:
            moment = datetime.fromtimestamp(day * 86400, UTC)
            self._day = day
            self._head = f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} "
            self._tail = f" +0000 {moment.year}"
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{self._head}{hours:02d}:{minutes:02d}:{seconds:02d}{self._tail}"


class TweetWriter:
    """Turns posts into v1.1 JSON bytes for one cast."""

    def __init__(self, members: list[Member], by_handle: dict[str, int], rng: random.Random) -> None:
        self.members = members
        self.by_handle = by_handle
        self.rng = rng
        self.clock = Clock()
        self.users = [orjson.Fragment(compact(orjson.dumps(user_object(m, rng)))) for m in members]
        self.mention_parts = [(m.handle, m.name, m.user_id, str(m.user_id)) for m in members]

    def tco(self) -> str:
        raw = base64.urlsafe_b64encode(self.rng.getrandbits(64).to_bytes(8, "little"))[:10]
        return "https://t.co/" + raw.translate(_TCO_SAFE).decode("ascii")

    def link(self, expanded: str) -> Link:
        bare = expanded.split("://", 1)[-1]
        display = bare if len(bare) <= 26 else bare[:25] + "…"
        return Link(self.tco(), expanded, display)

    def entities(self, text: str, links: list[tuple[Link, int]]) -> dict[str, Any]:
        hashtags = [{"text": word, "indices": [at - 1, at + len(word)]}
                    for word, at in marked(text, "#", "&") if not word.isdigit()]
        mentions = []
        for word, at in marked(text, "@", "@"):
            index = self.by_handle.get(word.lower()) if len(word) <= 15 else None
            if index is not None:
                handle, name, uid, uid_str = self.mention_parts[index]
                mentions.append({"screen_name": handle, "name": name, "id": uid, "id_str": uid_str,
                                 "indices": [at - 1, at + len(word)]})
        urls = [{"url": link.url, "expanded_url": link.expanded, "display_url": link.display,
                 "indices": [at, at + len(link.url)]} for link, at in links]
        return {"hashtags": hashtags, "symbols": [], "user_mentions": mentions, "urls": urls}

    def media(self, post_id: int, author: int, url: str, at: int) -> list[dict[str, Any]]:
        media_id = post_id - self.rng.randrange(1, 1 << 20)
        key = url[-10:] + "Xk3Q9"
        return [{
            "id": media_id, "id_str": str(media_id), "indices": [at, at + len(url)],
            "media_url": f"http://pbs.twimg.com/media/{key}.jpg", "media_url_https": f"https://pbs.twimg.com/media/{key}.jpg",
            "url": url, "display_url": "pic.twitter.com/" + url[-10:],
            "expanded_url": f"https://twitter.com/{self.members[author].handle}/status/{post_id}/photo/1",
            "type": "photo", "sizes": MEDIA_SIZES,
        }]

    def post(self, *, post_id: int, ms: int, author: int, body: str, links: tuple[str, ...] = (),
             photo: bool = False, reply_to: Written | None = None, also_to: tuple[int, ...] = (),
             quote_of: Written | None = None, favourites: int = 0, retweets: int = 0) -> tuple[bytes, Written]:
        """An original post, reply or quote; returns the JSON line and what later posts need of it."""
        member = self.members[author]
        prefix = ""
        if reply_to is not None:
            targets = [self.members[reply_to.author].handle] + [self.members[i].handle for i in also_to]
            prefix = "".join(f"@{h} " for h in dict.fromkeys(targets) if h != member.handle)
        text = prefix + body
        made: list[tuple[Link, int]] = []
        for expanded in links:
            link = self.link(expanded)
            made.append((link, len(text) + 1))
            text = f"{text} {link.url}"
        display_end = len(text)
        permalink: Link | None = None
        if quote_of is not None:
            quoted_handle = self.members[quote_of.author].handle
            permalink = self.link(f"https://twitter.com/{quoted_handle}/status/{quote_of.post_id}")
            made.append((permalink, len(text) + 1))
            text = f"{text} {permalink.url}"
        media_url = ""
        if photo:
            media_url = self.tco()
            media_at = len(text) + 1
            text = f"{text} {media_url}"
        entities = self.entities(text, made)
        if photo:
            entities["media"] = self.media(post_id, author, media_url, media_at)
        if reply_to is None:
            to_status = to_status_str = to_user = to_user_str = to_handle = None
        else:
            target = self.members[reply_to.author]
            to_status, to_status_str = reply_to.post_id, str(reply_to.post_id)
            to_user, to_user_str, to_handle = target.user_id, str(target.user_id), target.handle
        tweet: dict[str, Any] = {
            "created_at": self.clock.created_at(ms), "id": post_id, "id_str": str(post_id), "full_text": text,
            "truncated": False, "display_text_range": [len(prefix), display_end], "entities": entities,
        }
        if photo:
            tweet["extended_entities"] = {"media": entities["media"]}
        tweet.update(
            source=CLIENTS[member.role == "organisation"][member.client], in_reply_to_status_id=to_status,
            in_reply_to_status_id_str=to_status_str, in_reply_to_user_id=to_user, in_reply_to_user_id_str=to_user_str,
            in_reply_to_screen_name=to_handle, user=self.users[author], geo=None, coordinates=None, place=None,
            contributors=None, is_quote_status=quote_of is not None,
        )
        if quote_of is not None and permalink is not None:
            tweet["quoted_status_id"] = quote_of.post_id
            tweet["quoted_status_id_str"] = str(quote_of.post_id)
            tweet["quoted_status_permalink"] = {"url": permalink.url, "expanded": permalink.expanded,
                                                "display": permalink.display}
        tweet.update(retweet_count=retweets, favorite_count=favourites, favorited=False, retweeted=False)
        if made or photo:
            tweet["possibly_sensitive"] = False
        tweet["lang"] = "en"
        shallow = orjson.dumps(tweet)
        line = shallow
        if quote_of is not None:
            tweet["quoted_status"] = quote_of.fragment
            line = orjson.dumps(tweet)
        quoted = quote_of.post_id if quote_of is not None else None
        return line, Written(post_id, author, text, orjson.Fragment(compact(shallow)), retweets, quoted, tuple(made))

    def retweet(self, *, post_id: int, ms: int, author: int, of: Written) -> bytes:
        """A retweet: 'RT @x: ' and the original text (cut at a word near 140 characters), the original embedded."""
        prefix = f"RT @{self.members[of.author].handle}: "
        text = prefix + of.text
        if len(text) > 140:
            cut = text.rfind(" ", 0, 139)
            text = text[: cut if cut > len(prefix) else 139] + "…"
        links = [(link, at + len(prefix)) for link, at in of.links if at + len(prefix) + len(link.url) <= len(text)]
        member = self.members[author]
        tweet: dict[str, Any] = {
            "created_at": self.clock.created_at(ms), "id": post_id, "id_str": str(post_id), "full_text": text,
            "truncated": False, "display_text_range": [0, len(text)], "entities": self.entities(text, links),
            "source": CLIENTS[member.role == "organisation"][member.client],
        }
        tweet.update(NO_REPLY)
        tweet["user"] = self.users[author]
        tweet.update(geo=None, coordinates=None, place=None, contributors=None, retweeted_status=of.fragment)
        tweet["is_quote_status"] = of.quoted is not None
        if of.quoted is not None:
            tweet["quoted_status_id"] = of.quoted
            tweet["quoted_status_id_str"] = str(of.quoted)
        tweet.update(retweet_count=of.retweets, favorite_count=0, favorited=False, retweeted=False, lang="en")
        return orjson.dumps(tweet)


def user_object(member: Member, rng: random.Random) -> dict[str, Any]:
    """A v1.1 user object as embedded in every tweet (the documented fields, without the deprecated ones)."""
    url_entities: dict[str, Any] = {"description": {"urls": []}}
    url = None
    if member.url:
        url = "https://t.co/" + "".join(rng.choice(_B62) for _ in range(10))
        display = member.url.split("://", 1)[-1]
        url_entities["url"] = {"urls": [{"url": url, "expanded_url": member.url, "display_url": display,
                                         "indices": [0, len(url)]}]}
    image = f"{member.user_id % 10**9 + 10**9}/{member.handle.lower()}_normal.jpg"
    return {
        "id": member.user_id, "id_str": str(member.user_id), "name": member.name, "screen_name": member.handle,
        "location": member.location, "url": url, "description": member.bio, "protected": False,
        "verified": member.verified, "followers_count": member.followers, "friends_count": member.following,
        "listed_count": member.followers // 40, "favourites_count": rng.randrange(50, 20000),
        "statuses_count": rng.randrange(200, 40000), "created_at": twitter_time(member.created_at),
        "profile_image_url_https": f"https://pbs.twimg.com/profile_images/{image}",
        "default_profile": rng.random() < 0.7, "default_profile_image": False, "withheld_in_countries": [],
        "entities": url_entities,
    }
