"""What the checker returns: findings with an exact span, and a result with the overall verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

Severity = Literal["advice", "think again", "do not post"]
Verdict = Literal["ok", "advice", "think again", "do not post"]

RANK: dict[str, int] = {"ok": 0, "advice": 1, "think again": 2, "do not post": 3}
FLAGS: frozenset[str] = frozenset({"think again", "do not post"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing in a post worth a second look, with the exact characters it is about."""

    category: str
    severity: Severity
    start: int
    end: int
    text: str
    why: str
    principles: tuple[str, ...]
    suggestion: str
    kind: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The finding in the stable JSON schema (kind is internal and left out)."""
        return {
            "category": self.category,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "why": self.why,
            "principles": list(self.principles),
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict on one post (the worst finding) and every finding in reading order."""

    id: str | None
    text: str
    verdict: Verdict
    findings: tuple[Finding, ...]
    # The learned head's probability for each category R3–R13, before its thresholds (empty when the
    # learned categories were left out); not part of the stable schema, given by `sociable classify safety`.
    scores: tuple[tuple[str, float], ...] = field(default=(), compare=False)

    @property
    def flagged(self) -> bool:
        """True when the post should not go out as it is ("think again" or "do not post")."""
        return self.verdict in FLAGS

    @property
    def categories(self) -> tuple[str, ...]:
        """The distinct categories found, in catalogue order."""
        return tuple(sorted({f.category for f in self.findings}, key=lambda c: int(c[1:])))

    def to_dict(self) -> dict[str, Any]:
        """The result in the stable schema: id, verdict, findings."""
        return {"id": self.id, "verdict": self.verdict, "findings": [f.to_dict() for f in self.findings]}

    def to_json(self) -> str:
        """The result as one line of JSON (see docs/safety.md for the schema)."""
        return orjson.dumps(self.to_dict()).decode("utf-8")


def worst(findings: tuple[Finding, ...] | list[Finding]) -> Verdict:
    """The verdict a set of findings earns: the most severe one, or "ok" when there are none."""
    verdict: Verdict = "ok"
    for finding in findings:
        if RANK[finding.severity] > RANK[verdict]:
            verdict = finding.severity
    return verdict
