"""Report section: the Map — an interactive network, the sector mixing heatmap, silos, brokers and influence.

The network itself (what is drawn, where, its filters and labels) is made in `network_drawing`.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.compute as pc

from sociable.analyses import silos
from sociable.analyses.base import Measure
from sociable.analyses.network_map import MapResult
from sociable.reports import charts
from sociable.reports.network_drawing import (
    INTERACTIVE_EDGE_LIMIT,
    ROLE_NAMES,
    SVG_EDGE_LIMIT,
    community_names,
    network_data,
    network_view,
    svg_picture,
)
from sociable.reports.sections import (
    Block,
    Chart,
    Definitions,
    Figures,
    Fragment,
    Paragraph,
    ReportContext,
    Section,
    Table,
    section,
)

ASSETS = ("graphology.umd.min.js", "sigma.min.js", "network.js")
NODE_SIZE = Measure("node size", "Grows with the account's PageRank (square root, so area follows attention).")
NODE_POSITION = Measure("position", "Force-directed layout (igraph): accounts that interact often are drawn close "
                        "together; distances have no unit and the axes no meaning.")
LINE = Measure("line", "At least one interaction between two accounts, either way; darker and thicker lines carry "
               "more interactions.")
LABELS = {
    "community": "Community", "size": "Accounts", "cohesion": "Cohesion %", "sectors": "Sectors", "roles": "Roles",
    "key_accounts": "Key accounts", "top_hashtags": "Top hashtags", "top_domains": "Top web sites (domains)",
    "top_links": "Top links", "group": "Group", "accounts": "Accounts",
    "internal": "Inside ties", "external": "Outside ties", "ei": "E-I index", "inside_share": "Inside share %",
    "handle": "Account", "role": "Role", "sector": "Sector", "betweenness": "Betweenness %",
    "constraint": "Constraint", "sectors_reached": "Sectors reached", "communities_reached": "Communities reached",
    "pagerank": "PageRank %", "pagerank_cross_sector": "PageRank cross-sector %",
    "engaged_by_accounts": "Engaged by (accounts)", "interactions_received": "Interactions received",
    "engaged_by_sectors": "Engaged by sectors", "engaged_by_communities": "Engaged by communities",
    "followers": "Followers", "source_group": "From sector", "target_group": "To sector", "observed": "Observed",
    "expected": "Expected", "ratio": "Observed / expected",
}
FIGURES = (  # (fact, measure, label, format)
    ("accounts", "accounts", "Accounts", "{:,}"),
    ("ties", "ties", "Ties", "{:,}"),
    ("community_count", "community", "Communities", "{:,}"),
    ("modularity", "modularity", "Modularity", "{:.2f}"),
    ("crossing_share", "crossing share", "Crossing share (sectors)", "{:.0%}"),
    ("ei_sector", "E-I index", "E-I index (sectors)", "{:+.2f}"),
    ("assortativity_sector", "assortativity", "Assortativity (sectors)", "{:+.2f}"),
    ("labelled_share", "labelled share", "Labelled share", "{:.0%}"),
)
EI_COLUMNS = ("group", "accounts", "internal", "external", "ei", "inside_share")
PERCENT_COLUMNS = ("cohesion", "inside_share", "betweenness", "pagerank", "pagerank_cross_sector")


# ---------------------------------------------------------------------- the section


@section("map", "Map", order=20, analysis="map")
def map_section(ctx: ReportContext, result: MapResult) -> Section | None:
    """Who talks with whom: the network, how sectors mix, the silos, brokers and influential accounts."""
    intro = ("Who talks with whom: communities, silos between sectors and roles, the brokers who bridge them, and "
             "influence measured by engagement rather than followers.")
    if not result.accounts:
        return Section("Map", intro, [Paragraph(note) for note in result.notes])
    blocks: list[Block] = [Paragraph(summary_sentence(result)), *(Paragraph(note) for note in result.notes)]
    blocks.append(_figures(result))
    blocks.append(_network_block(result))
    blocks.append(Definitions((*_measures(result, "community", "pagerank", "weight"), NODE_SIZE, NODE_POSITION,
                               LINE)))
    if result.mixing.num_rows:
        blocks.append(_mixing_chart(result))
    blocks.extend(_tables(result))
    return Section("Map", intro, blocks, assets=ASSETS, key_points=map_points(result))


def map_points(result: MapResult) -> tuple[str, ...]:
    """The silos and the bridges, in two sentences for the Summary (groups of fewer than 10 accounts left out)."""
    count = result.community_count
    points = [f"{result.accounts:,} accounts that interacted fall into {count:,} "
              f"{'community' if count == 1 else 'communities'}"]
    if result.crossing_share is not None:
        points[0] += (f"; {round(100 * result.crossing_share)}% of interactions between accounts with a known "
                      "sector cross from one sector to another")
    points[0] += "."
    groups = [row for row in result.ei_by_sector.to_pylist()
              if int(row.get("accounts") or 0) >= silos.MIN_ACCOUNTS_FOR_SENTENCE and row["ei"] is not None]
    if groups:
        closed = min(groups, key=lambda row: row["ei"])
        text = (f"The most closed sector is {silos.display_name(closed['group'])}: "
                f"{round(100 * closed['inside_share'])}% of its ties stay inside it")
        brokers = [row for row in result.brokers.to_pylist() if row.get("handle")][:3]
        if brokers:
            names = ", ".join("@" + str(row["handle"]) for row in brokers)
            text += f"; the accounts that bridge most groups are {names}."
        else:
            text += "."
        points.append(text)
    return tuple(points)


def summary_sentence(result: MapResult) -> str:
    """One sentence on the size and shape of the network, and one on how much talk crosses sectors."""
    count = result.community_count
    text = (f"{result.accounts:,} accounts are joined by {result.ties:,} ties "
            f"({round(result.interactions or 0):,} interactions) and fall into {count:,} "
            f"{'community' if count == 1 else 'communities'}")
    modularity = result.modularity
    text += f" (modularity {modularity:.2f})." if modularity is not None else "."
    crossing, assortativity = result.crossing_share, result.assortativity_sector
    if crossing is not None:
        text += (f" {round(100 * crossing)}% of interactions between sector-labelled accounts cross from one sector "
                 "to another")
        text += f" (assortativity by sector {assortativity:+.2f})." if assortativity is not None else "."
    return text


def _measures(result: MapResult, *names: str) -> tuple[Measure, ...]:
    found = {measure.name: measure for measure in result.measures}
    return tuple(found[name] for name in names if name in found)


def _figures(result: MapResult) -> Figures:
    definitions = {measure.name: measure.definition for measure in result.measures}
    items = [(Measure(label, definitions.get(measure, "")), shown.format(getattr(result, fact)))
             for fact, measure, label, shown in FIGURES if getattr(result, fact) is not None]
    return Figures(tuple(items))


def _network_block(result: MapResult, edge_limit: int = INTERACTIVE_EDGE_LIMIT) -> Fragment:
    view = network_view(result, edge_limit=edge_limit)
    data = network_data(view, community_names(result.communities))
    picture = svg_picture(view, data)
    cut = []
    if view.total_nodes > view.nodes.num_rows:
        cut.append(f"The {view.nodes.num_rows:,} accounts with the highest PageRank of {view.total_nodes:,} are "
                   "shown.")
    drawn = len(view.weight)
    if drawn < view.total_pairs:
        left = view.total_pairs - drawn
        cut.append(f"{drawn:,} of the {view.total_pairs:,} pairs of accounts that interacted are drawn: pairs "
                   f"between the accounts shown, the heaviest (most interactions) first, up to {edge_limit:,}; the "
                   f"other {left:,} are left out of the picture only, and every measure counts them.")
    if picture["shown"] < view.nodes.num_rows:
        cut.append(f"The printed picture shows the top {picture['shown']:,} of them.")
    if picture["lines_left_out"]:
        cut.append(f"The printed picture draws the heaviest {SVG_EDGE_LIMIT:,} of the {picture['lines_total']:,} "
                   f"lines between its accounts and leaves out the other {picture['lines_left_out']:,}.")
    return Fragment("network_map.html", {
        "id": "network-map",
        "title": "The network",
        "reading": "Each dot is an account, sized by PageRank and coloured by sector (or community); lines join "
                   "accounts that interacted. Search for a handle to find it and its neighbours; filter by sector, "
                   "role, community, the interactions a tie carries, or a stretch of time.",
        "limits": " ".join(cut),
        "data": data,
        "svg": picture,
        "legends": data["legends"],
        "filters": data["filters"],
        "periods": data.get("periods"),
        "ties": len(view.weight),
    })


MIN_MIXING_GROUP = 10  # sectors with fewer accounts are drawn grey: their ratios swing on a handful of ties


def _mixing_chart(result: MapResult) -> Chart:
    mixing = result.mixing
    sizes: dict[str, int] = {}
    for sector in result.nodes["sector"].to_pylist() if "sector" in result.nodes.column_names else []:
        sizes[str(sector)] = sizes.get(str(sector), 0) + 1

    def name(group: str) -> str:
        return f"{silos.display_name(group)} ({sizes.get(group, 0):,})"

    small = {group for group in (*mixing["source_group"].to_pylist(), *mixing["target_group"].to_pylist())
             if sizes.get(group, 0) < MIN_MIXING_GROUP}
    ratios = [None if source in small or target in small or ratio is None else round(ratio, 2)
              for source, target, ratio in zip(mixing["source_group"].to_pylist(), mixing["target_group"].to_pylist(),
                                               mixing["ratio"].to_pylist(), strict=True)]
    shown = pa.table({
        "source_group": [name(v) for v in mixing["source_group"].to_pylist()],
        "target_group": [name(v) for v in mixing["target_group"].to_pylist()],
        "observed": mixing["observed"],
        "expected": pc.round(mixing["expected"], 1),
        "ratio": pa.array(ratios, pa.float64()),
    })
    spec = charts.mixing_heatmap(shown, source="source_group", target="target_group", value="ratio",
                                 source_label="From sector", target_label="To sector",
                                 extra=(("observed", "Observed"), ("expected", "Expected")),
                                 description="Interactions from each sector to each sector, observed over expected.")
    return Chart("How sectors mix", spec,
                 reading="Each cell: interactions from one sector to another, over what random mixing would give. "
                         "Orange: more than chance (2 = twice as many); blue: fewer; an orange diagonal means "
                         "sectors talk mostly among themselves. The number after each sector is its accounts; "
                         f"sectors with fewer than {MIN_MIXING_GROUP} are left blank, as a few ties would set "
                         "their colour.",
                 measures=_measures(result, "observed", "expected", "ratio", "assortativity"), data=shown,
                 data_labels=LABELS)


def _tables(result: MapResult) -> list[Block]:
    communities = _shown(result.communities, ("community", "size", "cohesion", "sectors", "roles",
                                                  "key_accounts", "top_hashtags"))
    named = community_names(result.communities)
    communities = communities.set_column(0, "community", pa.array(
        [named.get(str(value), str(value)) for value in communities.column("community").to_pylist()], pa.string()))
    blocks: list[Block] = [Table("Communities", communities, LABELS,
                                 reading="Numbered from the largest, and named from the sector and role that hold "
                                         "at least half of their labelled accounts, and their top hashtag.",
                                 measures=_measures(result, "community", "cohesion", "key accounts", "top hashtags"))]
    if result.top_items.num_rows:
        blocks.append(Table("Top items per community", top_items_table(result.top_items, named), LABELS,
                            reading="What each community's posts carry most: hashtags, the web sites they link to "
                                    "and the links themselves, five of each, with the posts that carry them.",
                            measures=_measures(result, "top hashtags", "top domains", "top links")))
    for ei_table, caption, names in ((result.ei_by_sector, "Silos by sector", silos.SECTOR_NAMES),
                                     (result.ei_by_role, "Silos by role", silos.ROLE_NAMES)):
        if ei_table.num_rows:
            blocks.append(Table(caption, _shown(ei_table, EI_COLUMNS, names), LABELS,
                                reading="From the most closed group to the most outward-looking.",
                                measures=_measures(result, "E-I index", "inside share")))
    blocks.append(Table("Brokers", _shown(result.brokers, ("handle", "role", "sector", "community", "betweenness",
                                                              "constraint", "sectors_reached",
                                                              "communities_reached")), LABELS,
                        reading="Accounts on many shortest paths between others: the bridges between groups.",
                        measures=_measures(result, "betweenness", "constraint", "sectors reached",
                                           "communities reached")))
    blocks.append(Table("Influence", _shown(result.influence, ("handle", "role", "sector", "community", "pagerank",
                                                                  "pagerank_cross_sector", "engaged_by_accounts",
                                                                  "engaged_by_sectors", "followers")), LABELS,
                        reading="Ranked by PageRank: attention from engaged accounts, not follower counts.",
                        measures=_measures(result, "pagerank", "pagerank cross-sector", "engaged by sectors",
                                           "engaged by communities")))
    return blocks


ITEM_COLUMNS = (("hashtag", "top_hashtags", "#"), ("domain", "top_domains", ""), ("link", "top_links", ""))


def top_items_table(items: pa.Table, names: dict[str, str]) -> pa.Table:
    """One row per community: its top hashtags, domains and links, each with its posts ('#nhs (12)').

    Links are shown without their scheme ('www.nhs.uk/flu'), so a line can break after a slash.
    """
    rows: dict[int, dict[str, list[str]]] = {}
    for row in items.to_pylist():
        texts = rows.setdefault(row["community"], {column: [] for _, column, _ in ITEM_COLUMNS})
        for kind, column, prefix in ITEM_COLUMNS:
            if row["kind"] == kind:
                item = row["item"] if kind != "link" else _without_scheme(row["item"])
                texts[column].append(f"{prefix}{item} ({row['posts']:,})")
    order = sorted(rows)
    columns: dict[str, list[str]] = {"community": [names.get(str(c), str(c)) for c in order]}
    for _, column, _ in ITEM_COLUMNS:
        columns[column] = [", ".join(rows[c][column]) for c in order]
    return pa.table(columns)


def _without_scheme(link: str) -> str:
    return link.split("://", 1)[1] if "://" in link else link


def _shown(table: pa.Table, columns: tuple[str, ...], names: dict[str, str] | None = None) -> pa.Table:
    """Chosen columns with plain-language sector and role names, and shares as percentages."""
    arrays: list[pa.Array] = []
    for name in columns:
        values = table[name].to_pylist()
        if name in PERCENT_COLUMNS:
            values = [None if v is None or math.isnan(v) else round(100 * v, 2) for v in values]
        elif name == "sector":
            values = [silos.display_name(v) for v in values]
        elif name == "role":
            values = [ROLE_NAMES.get(v, str(v).capitalize()) for v in values]
        elif name == "group":
            values = [silos.display_name(v, names) for v in values]
        arrays.append(pa.array(values))
    return pa.table(arrays, names=list(columns))
