"""The safe-practice checker: `check(text)` says whether a draft post is safe to publish, and why.

Redaction for research exports (`redact`) is part of the output layer: sociable.reports.exports.
"""

from __future__ import annotations

from sociable.safety.checker import check, check_many
from sociable.safety.findings import CheckResult, Finding
from sociable.safety.guidance import UnknownProfession, catalogue

__all__ = ["CheckResult", "Finding", "UnknownProfession", "catalogue", "check", "check_many"]
