"""Write the Map's network for Gephi and other tools: GEXF 1.3, GraphML, or CSV node and edge lists.

Nodes carry every per-account measure of the Map (role, sector, community, PageRank,
betweenness, constraint, ...) with its proper type; edges are one per (source, target, kind)
with the interaction count as weight, so Gephi can filter replies from mentions.

`pseudonymised(result, names)` gives the same network with no handle or name in it: each
account is its keyed pseudonym (`acct_...`, the same as in a pseudonymised posts or accounts
export made with the same key), used as node id and label; handles and display names are
dropped.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from lxml import etree

from sociable import __version__
from sociable.analyses.network_map import MapResult
from sociable.errors import SociableError
from sociable.reports.exports.posts import Pseudonymiser
from sociable.reports.time_and_tags import GEXF_TIME

FORMATS: tuple[str, ...] = ("gexf", "graphml", "csv")
GEXF_NS = "http://gexf.net/1.3"
GEXF_VIZ_NS = "http://gexf.net/1.3/viz"
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_NOT_ATTRIBUTES = ("x", "y")
_NAMING_COLUMNS = ("handle", "display_name")  # dropped from a pseudonymised graph


class ExportError(SociableError, ValueError):
    """A graph could not be exported with the format or path given."""


def _node_id(platform: str, account_id: str) -> str:
    return f"{platform}:{account_id}"


def _type_of(arrow_type: pa.DataType) -> str:
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "long"
    if pa.types.is_floating(arrow_type):
        return "double"
    return "string"


def _text(value: Any) -> str | None:
    """The attribute text of a value, or None when it is missing (null or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _tables(result: MapResult) -> tuple[pa.Table, pa.Table]:
    if not isinstance(result, MapResult):
        raise ExportError(
            f"the {result.name!r} result has no nodes and edges tables; export the result of the Map analysis."
        )
    return result.nodes, result.edges


def pseudonymised(result: MapResult, names: Pseudonymiser) -> MapResult:
    """The Map's network with keyed pseudonyms for accounts and no handle or display name (nodes and edges only)."""
    nodes, edges = _tables(result)
    nodes = nodes.drop_columns([c for c in _NAMING_COLUMNS if c in nodes.column_names])
    platforms = nodes["platform"].to_pylist()
    ids = [names.account(p, a) for p, a in zip(platforms, nodes["account_id"].to_pylist(), strict=True)]
    nodes = nodes.set_column(nodes.schema.get_field_index("account_id"), "account_id", pa.array(ids, pa.string()))
    edge_platforms = edges["platform"].to_pylist()
    for column in ("source", "target"):
        values = [names.account(p, a) for p, a in zip(edge_platforms, edges[column].to_pylist(), strict=True)]
        edges = edges.set_column(edges.schema.get_field_index(column), column, pa.array(values, pa.string()))
    return dataclasses.replace(result, nodes=nodes, edges=edges)


def _attribute_columns(nodes: pa.Table) -> list[tuple[str, str]]:
    return [(field.name, _type_of(field.type)) for field in nodes.schema if field.name not in _NOT_ATTRIBUTES]


BATCH_ROWS = 20_000  # rows turned into Python objects at a time while writing


def _rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """A table's rows as dicts, a batch at a time, so a large graph is never all Python objects at once."""
    for batch in table.to_batches(max_chunksize=BATCH_ROWS):
        yield from batch.to_pylist()


def _with_times(edges: pa.Table, times: pa.Table | None) -> pa.Table:
    """The edges in their order, with `start` and `end` (GEXF datetimes) of each tie found in `times`."""
    if times is None or times.num_rows == 0:
        return edges
    keys = ["platform", "source", "target", "kind"]
    utc = pa.timestamp("s", tz="UTC")  # to the second (Arrow's %S would print the fraction)
    spells = pa.table({
        **{key: times[key].cast(edges.schema.field(key).type) for key in keys},
        "start": pc.strftime(pc.cast(times["first"], utc, safe=False), format=GEXF_TIME),
        "end": pc.strftime(pc.cast(times["last"], utc, safe=False), format=GEXF_TIME),
    })
    numbered = edges.append_column("_row", pa.array(range(edges.num_rows), pa.int64()))
    joined = numbered.join(spells, keys=keys, join_type="left outer", coalesce_keys=True)
    return joined.sort_by("_row").drop_columns(["_row"])


def _write(xf: Any, element: etree._Element, depth: int) -> None:
    """One element, indented `depth` levels, on its own lines (as lxml's pretty printing lays it out)."""
    xf.write("\n" + "  " * depth)
    etree.indent(element, space="  ", level=depth)
    xf.write(element)


def write_gexf(result: MapResult, path: Path, times: pa.Table | None = None) -> Path:
    """A GEXF 1.3 file with typed node attributes, viz positions and per-kind weighted edges.

    With `times` (reports/time_and_tags.edge_times), the graph is dynamic: each edge carries the
    time of its first and last interaction as `start` and `end`, for Gephi's timeline. The file is
    written as it is made, a node or an edge at a time, so memory does not grow with the ties.
    """
    nodes, edges = _tables(result)
    dynamic = times is not None and times.num_rows > 0
    columns = _attribute_columns(nodes)
    nsmap = {None: GEXF_NS, "viz": GEXF_VIZ_NS, "xsi": XSI_NS}
    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{GEXF_NS}}}gexf", {"version": "1.3", f"{{{XSI_NS}}}schemaLocation":
                                               f"{GEXF_NS} {GEXF_NS}/gexf.xsd"}, nsmap=nsmap):
            meta = etree.Element("meta", lastmodifieddate=datetime.now(UTC).date().isoformat())
            etree.SubElement(meta, "creator").text = f"sociable {__version__}"
            etree.SubElement(meta, "description").text = result.description
            _write(xf, meta, 1)
            xf.write("\n  ")
            graph = {"defaultedgetype": "directed", "mode": "dynamic" if dynamic else "static"}
            if dynamic:
                graph["timeformat"] = "datetime"
            with xf.element("graph", graph):
                node_attributes = etree.Element("attributes", {"class": "node", "mode": "static"})
                for index, (name, kind) in enumerate(columns):
                    etree.SubElement(node_attributes, "attribute", id=str(index), title=name, type=kind)
                _write(xf, node_attributes, 2)
                edge_attributes = etree.Element("attributes", {"class": "edge", "mode": "static"})
                etree.SubElement(edge_attributes, "attribute", id="kind", title="kind", type="string")
                _write(xf, edge_attributes, 2)
                xf.write("\n    ")
                with xf.element("nodes"):
                    for row in _rows(nodes):
                        _write(xf, _gexf_node(row, columns), 3)
                    xf.write("\n    ")
                xf.write("\n    ")
                with xf.element("edges"):
                    for index, row in enumerate(_rows(_with_times(edges, times if dynamic else None))):
                        _write(xf, _gexf_edge(index, row), 3)
                    xf.write("\n    ")
                xf.write("\n  ")
            xf.write("\n")
    return path


def _gexf_node(row: dict[str, Any], columns: list[tuple[str, str]]) -> etree._Element:
    # the viz prefix declared on the node too: an element written on its own carries its namespaces
    node = etree.Element("node", id=_node_id(row["platform"], row["account_id"]),
                         label=str(row.get("handle") or row["account_id"]), nsmap={"viz": GEXF_VIZ_NS})
    values = etree.SubElement(node, "attvalues")
    for index, (name, _) in enumerate(columns):
        text = _text(row[name])
        if text is not None:
            etree.SubElement(values, "attvalue", {"for": str(index), "value": text})
    if _text(row.get("x")) is not None and _text(row.get("y")) is not None:
        etree.SubElement(node, f"{{{GEXF_VIZ_NS}}}position", x=repr(float(row["x"])), y=repr(float(row["y"])),
                         z="0.0")
    return node


def _gexf_edge(index: int, row: dict[str, Any]) -> etree._Element:
    edge = etree.Element(
        "edge", id=str(index), source=_node_id(row["platform"], row["source"]),
        target=_node_id(row["platform"], row["target"]), kind=row["kind"], weight=repr(float(row["weight"])),
    )
    if row.get("start") is not None:
        edge.set("start", row["start"])
        edge.set("end", row["end"])
    values = etree.SubElement(edge, "attvalues")
    etree.SubElement(values, "attvalue", {"for": "kind", "value": row["kind"]})
    return edge


def write_graphml(result: MapResult, path: Path) -> Path:
    """A GraphML file with typed keys (long, double, string) for every node measure and edge kind/weight.

    Written as it is made, a node or an edge at a time, so memory does not grow with the ties.
    """
    nodes, edges = _tables(result)
    columns = [*_attribute_columns(nodes), ("x", "double"), ("y", "double")]
    columns = [(name, kind) for name, kind in columns if name in nodes.column_names]
    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{GRAPHML_NS}}}graphml", {f"{{{XSI_NS}}}schemaLocation":
                                                     f"{GRAPHML_NS} {GRAPHML_NS}/1.0/graphml.xsd"},
                        nsmap={None: GRAPHML_NS, "xsi": XSI_NS}):
            for name, kind in columns:
                _write(xf, etree.Element("key", {"id": f"n_{name}", "for": "node", "attr.name": name,
                                                 "attr.type": kind}), 1)
            _write(xf, etree.Element("key", {"id": "e_kind", "for": "edge", "attr.name": "kind",
                                             "attr.type": "string"}), 1)
            _write(xf, etree.Element("key", {"id": "e_weight", "for": "edge", "attr.name": "weight",
                                             "attr.type": "double"}), 1)
            xf.write("\n  ")
            with xf.element("graph", id="interactions", edgedefault="directed"):
                for row in _rows(nodes):
                    node = etree.Element("node", id=_node_id(row["platform"], row["account_id"]))
                    for name, _ in columns:
                        text = _text(row[name])
                        if text is not None:
                            etree.SubElement(node, "data", key=f"n_{name}").text = text
                    _write(xf, node, 2)
                for index, row in enumerate(_rows(edges)):
                    edge = etree.Element("edge", id=f"e{index}", source=_node_id(row["platform"], row["source"]),
                                         target=_node_id(row["platform"], row["target"]))
                    etree.SubElement(edge, "data", key="e_kind").text = row["kind"]
                    etree.SubElement(edge, "data", key="e_weight").text = repr(float(row["weight"]))
                    _write(xf, edge, 2)
                xf.write("\n  ")
            xf.write("\n")
    return path


def write_csv(result: MapResult, directory: Path) -> list[Path]:
    """nodes.csv and edges.csv in `directory` (created if needed), with a node id column both share."""
    nodes, edges = _tables(result)
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} is a file; for CSV give a directory to write nodes.csv and edges.csv into.")
    directory.mkdir(parents=True, exist_ok=True)
    node_ids = [_node_id(p, a) for p, a in zip(nodes["platform"].to_pylist(), nodes["account_id"].to_pylist(),
                                                 strict=True)]
    platforms = edges["platform"].to_pylist()
    edge_table = pa.table({
        "source_id": [_node_id(p, s) for p, s in zip(platforms, edges["source"].to_pylist(), strict=True)],
        "target_id": [_node_id(p, t) for p, t in zip(platforms, edges["target"].to_pylist(), strict=True)],
        **{name: edges[name] for name in edges.column_names},
    })
    written = [directory / "nodes.csv", directory / "edges.csv"]
    pa_csv.write_csv(nodes.add_column(0, "id", pa.array(node_ids, pa.string())), written[0])
    pa_csv.write_csv(edge_table, written[1])
    return written


def export_graph(result: MapResult, path: str | Path, format: str = "gexf",
                 times: pa.Table | None = None) -> list[Path]:
    """Write the Map result's network to `path` as gexf, graphml or csv (a directory); return the files written.

    `times` (first and last interaction of each tie) makes the GEXF dynamic, for Gephi's timeline.
    """
    chosen = format.strip().lower()
    if chosen not in FORMATS:
        raise ExportError(f"unknown graph format {format!r}; choose from {', '.join(FORMATS)}.")
    target = Path(path)
    if chosen != "csv" and not target.parent.exists():
        raise ExportError(f"the folder {target.parent} does not exist; create it or choose another path.")
    try:
        if chosen == "gexf":
            return [write_gexf(result, target, times)]
        if chosen == "graphml":
            return [write_graphml(result, target)]
        return write_csv(result, target)
    except OSError as exc:
        raise ExportError(f"could not write {target} ({exc.strerror or exc}); check the path and permissions.") from exc
