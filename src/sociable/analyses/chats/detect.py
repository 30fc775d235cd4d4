"""Finding a hashtag chat's sessions from the times of its posts alone.

A chat is a weekly (or fortnightly, or monthly) hour in which a hashtag bursts. The times of
the tag's posts are folded onto one week, in 15-minute slots, on a clock: UK local time
(Europe/London, so a 20:00 chat is the same slot in winter and in summer) or UTC (for a chat
held at a fixed UTC hour). A chat's window is a run of slots far busier than the tag's usual
slot (the median one), grown from the busiest slot to every slot that holds at least a fifth of
its posts, across lulls of up to half an hour; the run may cross midnight or the end of the week.
Each week's posts in the window are one session if there are enough of them to stand out from
the tag's ordinary use; posts just before the window or just after it join the session when
they follow on without a pause (an early welcome, a late answer). Both clocks are tried and the
one that holds more of the tag's posts, in the shorter window, is kept. A tag may hold more than one chat (two windows).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

UK = ZoneInfo("Europe/London")
CLOCKS = ("Europe/London", "UTC")
SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
SLOT = 15 * MINUTE
SLOTS = WEEK // SLOT
MONDAY = 4 * DAY  # 1970-01-05 was a Monday: week-of arithmetic counts from it
EDGE_SHARE = 0.2   # a window's slots hold at least this share of its busiest slot
BURST = 5.0        # ... and this many times the tag's median slot
JOIN_GAP = 10 * MINUTE  # a post this close to a session's first or last post belongs to it
REACH = 60 * MINUTE     # ... up to this long before the window opens or after it closes
MAX_WINDOWS = 3
QUIET_SLOTS = 2  # a lull of up to half an hour inside a chat does not end its window
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True, slots=True)
class Window:
    """A chat's weekly window on a clock: the minute of the week it opens, and how long it lasts."""

    clock: str
    opens: int    # minutes after Monday 00:00 on the clock
    minutes: int

    def describe(self) -> str:
        """"Wednesdays 20:00–21:00 UK time" (or "UTC")."""
        day, minute = divmod(self.opens, 1440)
        close = (minute + self.minutes) % 1440
        zone = "UK time" if self.clock == "Europe/London" else "UTC"
        return f"{WEEKDAYS[day]} {minute // 60:02d}:{minute % 60:02d}–{close // 60:02d}:{close % 60:02d} {zone}"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One session found: its window, the week it fell in, and the indexes of its posts in the sorted times."""

    window: Window
    week: int
    first: int  # index of its first post in the sorted times
    last: int   # index of its last post (inclusive)


@dataclass(frozen=True, slots=True)
class Detection:
    """What the times of one tag's posts say: its chat windows and their sessions, in time order."""

    windows: tuple[Window, ...]
    sessions: tuple[Occurrence, ...]
    background: float  # the tag's posts in its median 15-minute slot of the week, per week


def local_ms(times: np.ndarray, clock: str) -> np.ndarray:
    """Unix milliseconds (UTC) shifted to the clock's wall time (still as milliseconds)."""
    if clock == "UTC" or times.size == 0:
        return times.copy()
    zone = ZoneInfo(clock)
    hours, inverse = np.unique(times // HOUR, return_inverse=True)
    offsets = np.array([_offset_ms(int(hour), zone) for hour in hours], dtype=np.int64)
    return times + offsets[inverse]


def _offset_ms(hour: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(hour * 3600, UTC).astimezone(zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds() * 1000)


def detect(times: np.ndarray, min_posts: int) -> Detection:
    """The chat windows and sessions in sorted UTC millisecond times, on the clock that fits them best."""
    best = detect_on(times, CLOCKS[0], min_posts)
    for clock in CLOCKS[1:]:
        found = detect_on(times, clock, min_posts)
        if _better(_fit(found), _fit(best)):
            best = found
    return best


def _fit(found: Detection) -> tuple[int, int]:
    """Posts held in sessions, and minus the windows' length (shorter is better)."""
    return sum(o.last - o.first + 1 for o in found.sessions), -sum(w.minutes for w in found.windows)


def _better(key: tuple[int, int], best: tuple[int, int]) -> bool:
    """More posts held wins unless within 5% and in a longer window; the first clock (UK) wins ties."""
    held, shorter = key
    best_held, best_shorter = best
    if held > best_held * 1.05:
        return True
    return bool(held >= best_held * 0.95 and shorter > best_shorter)


def detect_on(times: np.ndarray, clock: str, min_posts: int) -> Detection:
    """The windows and sessions on one clock."""
    if times.size == 0:
        return Detection((), (), 0.0)
    wall = local_ms(times, clock)
    since_monday = wall - MONDAY
    slots = ((since_monday % WEEK) // SLOT).astype(np.int64)
    counts = np.bincount(slots, minlength=SLOTS).astype(np.float64)
    weeks = max(1, int((since_monday[-1] // WEEK) - (since_monday[0] // WEEK)) + 1)
    background = float(np.median(counts)) / weeks
    windows: list[Window] = []
    sessions: list[Occurrence] = []
    remaining = counts.copy()
    for _ in range(MAX_WINDOWS):
        window = _grow_window(remaining, counts, clock, weeks)
        if window is None:
            break
        found = occurrences(times, since_monday, window, background, min_posts)
        for slot in _window_slots(window):
            remaining[slot] = 0
        if len(found) < (1 if not windows else 2):
            continue
        windows.append(window)
        sessions.extend(found)
    sessions.sort(key=lambda o: o.first)
    return Detection(tuple(windows), tuple(_without_overlaps(sessions)), background)


def _grow_window(remaining: np.ndarray, counts: np.ndarray, clock: str, weeks: int) -> Window | None:
    """The run of busy slots around the busiest one left, or None when nothing stands out."""
    peak = int(np.argmax(remaining))
    median = float(np.median(counts))
    floor = max(BURST * median, 2.0, EDGE_SHARE * remaining[peak])
    if remaining[peak] < max(BURST * median, 3.0) or remaining[peak] <= 0:
        return None
    first = last = peak
    while (step := _reach(remaining, last, +1, floor, last - first + 1)) is not None:
        last += step
    while (step := _reach(remaining, first, -1, floor, last - first + 1)) is not None:
        first -= step
    return Window(clock, (first % SLOTS) * 15, (last - first + 1) * 15)


def _reach(counts: np.ndarray, edge: int, direction: int, floor: float, length: int) -> int | None:
    """How many slots the window grows by past `edge`: to the next busy slot, across at most QUIET_SLOTS quiet ones."""
    for step in range(1, QUIET_SLOTS + 2):
        if length + step > SLOTS:
            return None
        if counts[(edge + direction * step) % SLOTS] >= floor:
            return step
    return None


def _window_slots(window: Window) -> list[int]:
    start = window.opens // 15
    return [(start + i) % SLOTS for i in range(window.minutes // 15)]


def occurrences(times: np.ndarray, since_monday: np.ndarray, window: Window, background: float,
                min_posts: int) -> list[Occurrence]:
    """Each week's session in a window: enough posts in it, extended by posts that follow on."""
    shifted = since_monday - window.opens * MINUTE
    inside = (shifted % WEEK) < window.minutes * MINUTE
    if not inside.any():
        return []
    indexes = np.flatnonzero(inside)
    week_of = shifted[indexes] // WEEK
    expected = background * window.minutes / 15
    needed = max(min_posts, math.ceil(BURST * expected))
    found = []
    breaks = np.flatnonzero(np.diff(week_of)) + 1
    for group in np.split(indexes, breaks):
        if group.size < needed:
            continue
        first, last = _follow_on(times, int(group[0]), int(group[-1]))
        found.append(Occurrence(window, int(shifted[group[0]] // WEEK), first, last))
    return found


def _follow_on(times: np.ndarray, first: int, last: int) -> tuple[int, int]:
    """Widen a session by posts that follow on (gaps of at most JOIN_GAP) up to REACH before and after."""
    earliest, latest = times[first] - REACH, times[last] + REACH
    while first > 0 and times[first] - times[first - 1] <= JOIN_GAP and times[first - 1] >= earliest:
        first -= 1
    while last + 1 < times.size and times[last + 1] - times[last] <= JOIN_GAP and times[last + 1] <= latest:
        last += 1
    return first, last


def _without_overlaps(sessions: list[Occurrence]) -> list[Occurrence]:
    """Sessions of two windows that touch are one session: the first keeps it, widened."""
    kept: list[Occurrence] = []
    for session in sessions:
        if kept and session.first <= kept[-1].last:
            previous = kept[-1]
            kept[-1] = Occurrence(previous.window, previous.week, previous.first, max(previous.last, session.last))
            continue
        kept.append(session)
    return kept


def rhythm(starts: list[datetime]) -> str:
    """Weekly, fortnightly, monthly or "every N weeks", from the usual gap between sessions."""
    if len(starts) < 2:
        return "one session"
    gaps = sorted(round((b - a).total_seconds() / (WEEK / 1000)) for a, b in itertools.pairwise(starts))
    usual = gaps[len(gaps) // 2]
    return {0: "weekly", 1: "weekly", 2: "fortnightly", 4: "monthly", 5: "monthly"}.get(usual, f"every {usual} weeks")


def missed_weeks(starts: list[datetime], every: int) -> list[str]:
    """The dates (UK) on which a session of this rhythm was due but none was held."""
    missed = []
    for a, b in itertools.pairwise(starts):
        step = timedelta(weeks=every)
        due = a + step
        while due < b - timedelta(days=3):
            missed.append(due.astimezone(UK).date().isoformat())
            due += step
    return missed
