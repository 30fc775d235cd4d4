"""Export the stored screening findings of the posts in a scope to CSV (the flagged words only if asked)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv

from sociable.errors import SociableError, UnreadableFile
from sociable.reports.exports.files import check_output, protected_paths, replacing
from sociable.safety.guidance import catalogue
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

FINDINGS_SQL = """
SELECT f.platform, f.post_id, f.account_id, a.handle, p.created_at, s.verdict, f.category, f.severity,
       f.kind, f."start", f."end", array_to_string(f.principles, ' ') AS principles, p.text,
       f.checked_at
  FROM safety_findings f
  JOIN posts p ON p.platform = f.platform AND p.post_id = f.post_id
  LEFT JOIN safety_screened s ON s.platform = f.platform AND s.post_id = f.post_id
  LEFT JOIN accounts a ON a.platform = f.platform AND a.account_id = f.account_id
 WHERE {where}
 ORDER BY p.created_at, f.platform, f.post_id, f."start", f.category
"""


def export_findings(
    ws: Workspace, path: str | os.PathLike[str], scope: Scope | None = None, include_text: bool = False,
    *, force: bool = False,
) -> int:
    """Write the stored findings for the posts in scope to CSV; the flagged words only with include_text.

    Returns the number of findings written. An existing file is replaced only with `force`; the
    workspace never is.
    """
    scope = ws.check_scope(scope)
    if not ws.has_screening():
        raise SociableError("no posts have been screened yet; run `sociable screen` first.")
    target = Path(path)
    guarded = protected_paths(getattr(ws, "path", None))
    check_output(target, force=force, protect=guarded)
    table = ws.query(FINDINGS_SQL.format(where=scope.condition("p")), scope.params())
    with replacing(target, force=force, protect=guarded) as folder:
        return _write_findings_csv(table, folder / target.name, include_text, target)


def _write_findings_csv(table: pa.Table, path: Path, include_text: bool, shown: Path) -> int:
    texts = table.column("text").to_pylist()
    starts, ends = table.column("start").to_pylist(), table.column("end").to_pylist()
    table = table.drop_columns(["text"])
    titles = catalogue().titles
    table = table.add_column(
        table.column_names.index("category") + 1, "title",
        pa.array([titles.get(c, c) for c in table.column("category").to_pylist()], pa.string()),
    )
    if include_text:
        spans = [(t or "")[s:e] for t, s, e in zip(texts, starts, ends, strict=True)]
        table = table.append_column("flagged_text", pa.array(spans, pa.string()))
    try:
        pacsv.write_csv(table, str(path))
    except (OSError, pa.ArrowException) as exc:
        message = f"the findings could not be written to {shown} ({exc}); check the folder and free space."
        raise UnreadableFile(message) from None
    return table.num_rows
