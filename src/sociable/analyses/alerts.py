"""Alert conditions: a small, safe expression language over named figures ("unanswered_overdue > 0").

The grammar (no Python is evaluated; names must be known figures):

    condition  := either ("or" either)*
    either     := negation ("and" negation)*
    negation   := "not" negation | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum        := value (("+" | "-") value)*
    value      := NUMBER | NAME | "(" condition ")"
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sociable.errors import SociableError

ALERT_FIGURES: dict[str, str] = {
    "posts": "Posts about the organisation in the period.",
    "voices": "Accounts that wrote them.",
    "new_voices": "Accounts talking about the organisation for the first time.",
    "asks": "Posts that ask, request or complain.",
    "answered": "Asks answered within the response window.",
    "unanswered_overdue": "Asks still unanswered after the response window.",
    "unanswered_open": "Asks unanswered but still within the window.",
    "unanswered": "unanswered_overdue + unanswered_open.",
    "queue_open": "Items of the triage queue that are new or in progress.",
    "flagged": "Safe-practice findings on the period's posts (counts only; run `sociable screen` first).",
}


class BadCondition(SociableError, ValueError):
    """An alert condition could not be read."""


_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|<|>|\+|-|\(|\)))")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: its text and the figures it names."""

    text: str
    tokens: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [t for t in self.tokens if re.fullmatch(r"[A-Za-z_]\w*", t) and t not in ("and", "or", "not")]

    def evaluate(self, figures: Mapping[str, float]) -> bool:
        parser = _Parser(self.tokens, figures, self.text)
        value = parser.condition()
        parser.end()
        return bool(value)


def parse_condition(text: str) -> Condition:
    """Read a condition; every name must be one of ALERT_FIGURES."""
    tokens: list[str] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if not match or match.end() == position:
            raise BadCondition(f"the condition '{text}' cannot be read at '{stripped[position:].strip()}'; write "
                               "figures, numbers, comparisons, and/or/not and brackets, e.g. "
                               "'unanswered_overdue > 0'.")
        tokens.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    if not tokens:
        raise BadCondition("the condition is empty; for example --if 'unanswered_overdue > 0'.")
    condition = Condition(text, tuple(tokens))
    unknown = [name for name in condition.names if name not in ALERT_FIGURES]
    if unknown:
        raise BadCondition(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a figure alerts know; "
                           f"the figures are: {', '.join(ALERT_FIGURES)}.")
    condition.evaluate(dict.fromkeys(ALERT_FIGURES, 0.0))  # the shape is checked now, not at the first alert
    return condition


class _Parser:
    def __init__(self, tokens: tuple[str, ...], figures: Mapping[str, float], text: str) -> None:
        self.tokens, self.figures, self.text, self.at = tokens, figures, text, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise BadCondition(f"the condition '{self.text}' ends too soon.")
        self.at += 1
        return token

    def end(self) -> None:
        if self.peek() is not None:
            raise BadCondition(f"the condition '{self.text}' has '{self.peek()}' where it should end.")

    def condition(self) -> float | bool:
        value = self.either()
        while self.peek() == "or":
            self.take()
            right = self.either()
            value = bool(value) or bool(right)
        return value

    def either(self) -> float | bool:
        value = self.negation()
        while self.peek() == "and":
            self.take()
            right = self.negation()
            value = bool(value) and bool(right)
        return value

    def negation(self) -> float | bool:
        if self.peek() == "not":
            self.take()
            return not self.negation()
        return self.comparison()

    def comparison(self) -> float | bool:
        left = self.sum()
        if self.peek() in _COMPARE:
            op = _COMPARE[self.take()]
            return op(float(left), float(self.sum()))
        return left

    def sum(self) -> float:
        value = float(self.value())
        while self.peek() in ("+", "-"):
            sign = self.take()
            right = float(self.value())
            value = value + right if sign == "+" else value - right
        return value

    def value(self) -> float | bool:
        token = self.take()
        if token == "(":
            inner = self.condition()
            if self.take() != ")":
                raise BadCondition(f"the condition '{self.text}' has a '(' that is not closed.")
            return inner
        if re.fullmatch(r"\d+(?:\.\d+)?", token):
            return float(token)
        if token in self.figures:
            return float(self.figures[token])
        raise BadCondition(f"the condition '{self.text}' has '{token}' where a figure or number should be.")


_PERIOD = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)


def parse_period(text: str) -> float:
    """A period like '7d', '24h' or '2w' in hours."""
    match = _PERIOD.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise BadCondition(f"--since should be a period like 24h, 7d or 2w, not '{text}'.")
    return int(match.group(1)) * {"h": 1, "d": 24, "w": 168}[match.group(2).lower()]
