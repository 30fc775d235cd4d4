"""Export downloads: workspace tables as CSV, Parquet or JSON Lines, the HTML report, the network for Gephi."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from sociable.reports.html import render_report
from sociable.reports.sections import ReportContext
from sociable.store import Workspace
from sociable.web.routes import workspace_of
from sociable.web.templating import render
from sociable.web.views import jsonable

router = APIRouter(include_in_schema=False)

TABLES: dict[str, str] = {
    "posts": "Every stored post with its platform fields, source file and format.",
    "accounts": "Every account with its profile fields and when it was first and last seen.",
    "interactions": "Replies, mentions, quotes and reposts from one account to another.",
    "labels": "Derived roles and sectors of accounts, with where each came from.",
    "collections": "Which posts belong to which collection.",
    "runs": "Import runs, one row per file, with the counts.",
    "rejected": "Records that could not be read or mapped, with the reason and the raw text.",
}
TABLE_FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "jsonl": "application/x-ndjson",
}
GRAPH_FORMATS: dict[str, str] = {"gexf": "application/xml", "graphml": "application/xml"}


@router.get("/export")
def export_page(request: Request) -> Response:
    collections = [row["name"] for row in workspace_of(request).collections().to_pylist()]
    return render(request, "export.html", tables=TABLES, formats=list(TABLE_FORMATS), collections=collections)


@router.get("/export/report.html")
def export_report(request: Request, collection: str | None = None) -> Response:
    ws = workspace_of(request)
    html = render_report(ReportContext(ws, ws.scope(collection or None)), source=_name(request))
    return _download(html.encode("utf-8"), "report.html", "text/html; charset=utf-8")


@router.get("/export/map.{suffix}")
def export_map(request: Request, suffix: str, collection: str | None = None) -> Response:
    from sociable.analyses.base import get_analysis
    from sociable.reports.graph_export import export_graph

    if suffix not in GRAPH_FORMATS:
        raise HTTPException(404, f"the network can be exported as {', '.join(GRAPH_FORMATS)}, not '{suffix}'.")
    from sociable.reports.time_and_tags import edge_times

    ws = workspace_of(request)
    scope = ws.scope(collection or None)
    result = get_analysis("map").run(ws, scope, with_layout=True)
    times = edge_times(ws, scope) if suffix == "gexf" else None
    with tempfile.TemporaryDirectory(prefix="sociable-export-") as folder:
        written = export_graph(result, Path(folder) / f"map.{suffix}", format=suffix, times=times)
        body = written[0].read_bytes()
    return _download(body, f"map.{suffix}", GRAPH_FORMATS[suffix])


@router.get("/export/hashtags.gexf")
def export_hashtags(request: Request, collection: str | None = None, min_weight: int = 2) -> Response:
    """The hashtag co-occurrence network (hashtags used in the same posts), for Gephi."""
    from sociable.reports.time_and_tags import hashtag_network, write_hashtag_gexf

    ws = workspace_of(request)
    nodes, edges = hashtag_network(ws, ws.scope(collection or None), min_weight)
    with tempfile.TemporaryDirectory(prefix="sociable-export-") as folder:
        body = write_hashtag_gexf(nodes, edges, Path(folder) / "hashtags.gexf").read_bytes()
    return _download(body, "hashtags.gexf", GRAPH_FORMATS["gexf"])


@router.get("/export/{table}.{suffix}")
def export_table(request: Request, table: str, suffix: str) -> Response:
    if table not in TABLES or suffix not in TABLE_FORMATS:
        raise HTTPException(404, f"there is no export '{table}.{suffix}'; the tables are {', '.join(TABLES)} "
                                 f"and the formats {', '.join(TABLE_FORMATS)}.")
    data = table_data(workspace_of(request), table)
    return _download(encode_table(data, suffix), f"{table}.{suffix}", TABLE_FORMATS[suffix])


def table_data(ws: Workspace, table: str) -> pa.Table:
    """A whole workspace table, by a name from the fixed list (never from the request as SQL)."""
    if table not in TABLES:
        raise HTTPException(404, f"there is no table '{table}' to export.")
    return ws.query(f"SELECT * FROM {table}")


def encode_table(table: pa.Table, suffix: str) -> bytes:
    """The table as file bytes; in CSV, list cells are joined with '|' (CSV has no lists)."""
    if suffix == "parquet":
        out = io.BytesIO()
        pq.write_table(table, out)
        return out.getvalue()
    if suffix == "jsonl":
        return b"".join(orjson.dumps(jsonable(row)) + b"\n" for row in table.to_pylist())
    flat = _flatten_lists(table)
    out = io.BytesIO()
    pa_csv.write_csv(flat, out)
    return out.getvalue()


def _flatten_lists(table: pa.Table) -> pa.Table:
    columns: list[Any] = []
    for column in table.columns:
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            column = pc.binary_join(pc.cast(column, pa.list_(pa.string())), "|")
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _download(body: bytes, name: str, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers={"content-disposition": f'attachment; filename="{name}"'})


def _name(request: Request) -> str:
    return str(workspace_of(request).path.name)
