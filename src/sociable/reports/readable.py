"""Words and numbers as readers see them: measure titles, shares, durations and vocabulary values.

Every report section and web page shows numbers through these helpers, so the same value
reads the same everywhere (the conventions are listed in docs/architecture.md):

* a measure or column named in code (`broadcast_share`) is shown by its title ("Broadcasts");
  `title(name)` looks it up in `TITLES` and otherwise turns the name into words;
* a share (0–1) is shown as a percentage: a column is a share when its name ends in `_share`
  or `_rate`, or is one of `SHARES`;
* a duration in hours is shown in days and hours: a column is one when its name ends in `_hours`;
* a code value from a vocabulary (`fire_ambulance`, `do_not_post`) is shown in words by
  `words(value)`, which uses `VALUES` and otherwise turns underscores into spaces.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Measure and column names used in code, with the title a reader sees.
TITLES: dict[str, str] = {
    "accounts": "Accounts",
    "accounts_listed": "Accounts listed",
    "active_accounts": "Active accounts",
    "addressed": "Addressed to someone",
    "age_hours": "Waiting for",
    "answer_hours": "Time to answer",
    "answered_in_window": "Answered in time",
    "answers": "Answers",
    "asks": "Asks",
    "assortativity": "Assortativity",
    "betweenness": "Betweenness",
    "broadcast_share": "Broadcasts",
    "came_back_share": "Came back",
    "chat_sessions": "Chat hours",
    "cohesion": "Cohesion",
    "confidence": "Confidence",
    "constraint": "Constraint",
    "conversation_share": "In conversation",
    "conversations": "Conversations",
    "cross_sector_share": "Across sectors",
    "distinctiveness": "Distinctiveness",
    "evidence": "Decided by",
    "expected": "Expected",
    "group_name": "Group",
    "handle": "Account",
    "internal_share": "Linked inside the organisation",
    "link_only_share": "Link only",
    "mean_sentiment": "Mean sentiment",
    "median_response_hours": "Median time to answer",
    "modularity": "Modularity",
    "negative_share": "Negative",
    "new_voices": "New voices",
    "observed": "Observed",
    "pagerank": "PageRank",
    "people_share": "With people",
    "positive_share": "Positive",
    "posts": "Posts",
    "reciprocity": "Reciprocity",
    "received": "Received",
    "reply_share": "Replies",
    "repost_share": "Reposts",
    "response_rate": "Answered",
    "responses": "Answers",
    "retained_share": "Stayed",
    "returning_voices": "Returning voices",
    "role": "Role",
    "score": "Priority score",
    "sector": "Sector",
    "stage": "Stage",
    "staff_accounts": "Staff accounts",
    "style": "Style",
    "term_posts": "Posts using the term",
    "ties": "Ties",
    "voices": "Voices",
    "weight": "Weight",
    "written": "Written",
}

# Shares whose name does not end in _share or _rate.
SHARES = frozenset({"reciprocity", "confidence", "crossing share", "inside share", "labelled share"})

# Vocabulary values (roles, sectors, styles, verdicts, statuses) in words.
VALUES: dict[str, str] = {
    "fire_ambulance": "fire and ambulance",
    "local_government": "local government",
    "police_justice": "police and justice",
    "social_care": "social care",
    "third_sector": "third sector",
    "do_not_post": "do not post",
    "think_again": "think again",
    "health_professional": "health professional",
    "care_worker": "care worker",
    "social_worker": "social worker",
}

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def title(name: str) -> str:
    """The title of a measure or column named in code; a name already in words is kept."""
    if name in TITLES:
        return TITLES[name]
    if _SNAKE.match(name) or name.islower():
        text = name.replace("_", " ")
        return text[:1].upper() + text[1:]
    return name


def words(value: str) -> str:
    """A vocabulary value in words: 'fire_ambulance' -> 'fire and ambulance'; free text is kept."""
    if value in VALUES:
        return VALUES[value]
    return value.replace("_", " ") if _SNAKE.match(value) else value


def is_share(column: str) -> bool:
    return column.endswith(("_share", "_rate")) or column in SHARES


def is_hours(column: str) -> bool:
    return column.endswith("_hours")


def percent(share: float | None, digits: int = 0) -> str:
    """A share (0–1) as a percentage: 0.417 -> '42%' (one decimal below 1% so small shares show)."""
    if share is None or (isinstance(share, float) and not math.isfinite(share)):
        return "–"
    value = 100 * float(share)
    if 0 < abs(value) < 1 and digits == 0:
        return f"{value:.1f}%"
    return f"{value:.{digits}f}%"


def duration(hours: float | None) -> str:
    """Hours in the largest units that read well: '40 min', '5 h', '3 days 4 h', '46 days'."""
    if hours is None or (isinstance(hours, float) and not math.isfinite(hours)):
        return "–"
    minutes = round(float(hours) * 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        whole, rest = divmod(minutes, 60)
        return f"{whole} h {rest} min" if rest and whole < 10 else f"{round(minutes / 60)} h"
    days, rest_hours = divmod(round(minutes / 60), 24)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {rest_hours} h" if rest_hours and days < 10 else f"{days} {unit}"


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 post', '2,041 posts'."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {plural or noun + 's'}"


def cell_text(column: str, value: Any) -> str | None:
    """The text of a value by its column's convention (share, hours, vocabulary), or None for the default."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float) and is_share(column):
        return percent(value, 1 if abs(value) < 0.1 else 0)
    if isinstance(value, int | float) and is_hours(column):
        return duration(value)
    if isinstance(value, str) and column in ("role", "sector", "style", "kind", "status", "verdict", "severity",
                                             "stage", "org_role"):
        return words(value)
    return None
