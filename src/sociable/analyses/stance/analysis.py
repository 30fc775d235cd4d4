"""The stance analysis: every reaction in the largest cascades, with its predicted stance; and classifying pairs.

`classify_pairs` is the model on its own, for `sociable classify stance --file pairs.jsonl`: each
item gives `id`, `text`, `target_text` (the thread's source claim) and optionally `parent_text`
(the post it answers; the claim when absent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import replace as replaced
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
import pyarrow as pa

from sociable.analyses.base import Measure, Result, analysis, fact, table
from sociable.analyses.cascades.analysis import MIN_SIZE, TOP
from sociable.analyses.cascades.reactions import Authorities, read_reactions
from sociable.analyses.cascades.spread import largest_first, shared_spread
from sociable.analyses.stance.model import STANCES, load_model
from sociable.errors import UnreadableFile
from sociable.store.scope import Scope

if TYPE_CHECKING:
    from sociable.store import Workspace

STANCE = Measure("stance", "Support, deny, query or comment toward the thread's claim (its root post), predicted "
                           "by the stance model from the reaction's words, the claim and its parent; reposts take "
                           "the stance of what they repost.")
CONFIDENCE = Measure("confidence", "The probability the stance model gave the stance it chose (0 to 1).")
TO_PARENT = Measure("stance_to_parent", "The same model's stance toward the post the reaction answers.")

# The largest cascades are read, so a smallest size rarely changes which: offered on the command line only.
STANCE_MIN_SIZE = replaced(MIN_SIZE, web=False)

REACTION_COLUMNS = {"cascade": "cascade", "post_id": "post", "handle": "by", "kind": "kind", "depth": "depth",
                    "created_at": "posted", "stance": "stance", "confidence": "confidence",
                    "stance_to_parent": "to parent", "authority": "authority", "text": "text"}


@dataclass(kw_only=True)
class StanceResult(Result):
    """Every reaction of the largest cascades in scope with its stance toward the claim and its parent."""

    name: ClassVar[str] = "stance"
    title: ClassVar[str] = "Stance"
    description: ClassVar[str] = ("Whether each reaction supports, denies, queries or comments on the claim it "
                                  "spreads from, with the model's confidence.")
    measures: ClassVar[tuple[Measure, ...]] = (STANCE, CONFIDENCE, TO_PARENT)
    main: ClassVar[str | None] = "reactions"

    reactions: pa.Table = table("Reactions", REACTION_COLUMNS)
    mix: pa.Table = table("Stance mix", {"stance": "stance", "reactions": "reactions", "share": "share"})

    reaction_count: int = fact("Reactions", 0, measure="stance")
    cascade_count: int = fact("Cascades read", 0)
    stances: dict[str, int] = fact("Reactions by stance", {})

    def headline(self) -> list[str]:
        if not self.reaction_count:
            return ["No reactions to classify in the cascades in scope."]
        mix = ", ".join(f"{self.stances.get(s, 0):,} {s}" for s in STANCES)
        return [f"{self.reaction_count:,} reactions in {self.cascade_count:,} cascades: {mix}."]


@analysis("stance", "Stance", "Support, deny, query or comment: each reaction's stance toward the claim it spreads "
          "from, with confidence.", result=StanceResult, options=(TOP, STANCE_MIN_SIZE), order=71)
def find_stance(ws: Workspace, scope: Scope, *, top: int, min_size: int) -> StanceResult:
    """The stance of every reaction in the `top` largest cascades of at least `min_size` posts."""
    spread = shared_spread(ws, scope)
    order = largest_first(spread, min_size)[1][:top]
    reactions = read_reactions(ws, spread, order.tolist(), Authorities())
    reactions = reactions.filter(pa.compute.not_equal(reactions.column("kind"), "root"))
    counts = Counter(reactions.column("stance").to_pylist())
    total = reactions.num_rows
    mix = pa.Table.from_pylist([{"stance": s, "reactions": counts[s], "share": round(counts[s] / total, 3)
                                 if total else None} for s in STANCES],
                               schema=pa.schema([("stance", pa.string()), ("reactions", pa.int64()),
                                                 ("share", pa.float64())]))
    return StanceResult(reactions=reactions.select([*REACTION_COLUMNS, "parent_confidence", "platform"]),
                        mix=mix, reaction_count=total, cascade_count=int(order.size),
                        stances={s: counts[s] for s in STANCES},
                        notes=("Stance is predicted by a model trained on RumourEval 2017 (English tweets about "
                               "breaking news) and 1,261 health-and-care reactions; on health-and-care threads "
                               "written by others it is right about two times in three (accuracy 0.65), so read "
                               "the mix as an estimate and check the reactions that matter.",))


def classify_pairs(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """{"id", "stance", "confidence"} for each {"id", "text", "target_text", "parent_text"}."""
    items = list(items)
    stances, confidences = load_model().predict(
        [str(i.get("text") or "") for i in items], [i.get("target_text") for i in items],
        [i.get("parent_text") if i.get("parent_text") is not None else i.get("target_text") for i in items])
    return [{"id": i.get("id"), "stance": s, "confidence": round(c, 3)}
            for i, s, c in zip(items, stances, confidences, strict=True)]


def read_pairs(path: Path) -> list[dict[str, Any]]:
    """The items of a JSON Lines file of pairs; a bad line is named with its number and what was expected."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}.") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise UnreadableFile(f"line {number} of {path.name} is not JSON ({exc}); each line should be an object "
                                 'such as {"id": "1", "text": "...", "target_text": "..."}.') from None
        if not isinstance(value, dict) or not isinstance(value.get("text"), str):
            raise UnreadableFile(f"line {number} of {path.name} should be an object with a \"text\" string "
                                 "(and \"id\", \"target_text\", \"parent_text\").")
        for key in ("target_text", "parent_text"):
            if value.get(key) is not None and not isinstance(value[key], str):
                raise UnreadableFile(f"line {number} of {path.name}: \"{key}\" should be text or absent.")
        items.append(value)
    return items
