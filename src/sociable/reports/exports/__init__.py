"""Exports: posts and accounts (plain or pseudonymised for research), screening findings, and redaction.

This is the output layer: it reads the workspace through its public methods and a Scope, and
writes files. `redact(text)` lives here because only exports need it; it is built from the
safety checker's recognisers.
"""

from __future__ import annotations

from sociable.reports.exports.findings import export_findings
from sociable.reports.exports.posts import ExportSummary, Pseudonymiser, export_accounts, export_posts, load_key
from sociable.reports.exports.redaction import redact

__all__ = ["ExportSummary", "Pseudonymiser", "export_accounts", "export_findings", "export_posts", "load_key",
           "redact"]
