"""The checker on writing it never trains on: 600 and 5 × 1,200 staff posts, and 400 ordinary posts, written apart.

Two writers, each briefed only with the guidance's risk catalogue (neither saw the model, the corpus or
the other's posts), wrote 300 posts each: 150 to flag across R3–R13 (at least 12 a category), 110 near
misses (close to a flag on the surface, acceptable under the catalogue) and 40 ordinary posts (about ten
in an organisation's voice). A reader who had written none of them judged each writer's 300 blind; a
post's categories are the union of the writer's and the reader's (docs/validity.md). A third writer,
briefed only to write everyday posts that break no standard, wrote 400 ordinary posts around health and
care (`data/safety_ordinary_apart.jsonl`): 150 in organisations' voice, 150 by patients, carers,
relatives and the public (complaints, thanks, opinions), 100 by staff about their own working life.
Every flag on them is a false alarm. Later, after the 600 had been read for several choices, four more
writers apart wrote 1,200 posts to the same plan (`data/safety_apart_m.jsonl`: per writer 150 to flag,
13 or 14 a category, 110 near misses, 40 ordinary), each writer's 300 read blind by a reader of their
own; the posts both agreed on are kept. A fourteenth writing of 1,200 more (`data/safety_apart_t.jsonl`),
to the same plan in four other voices (emergency and urgent care; allied health and healthcare science;
adult social care and social work; hospital wards and theatres), was made after the 1,200 had been read
for three choices, and is scored by default too, as are a fifteenth (`data/safety_apart_u.jsonl`: community
and public health nursing; doctors; children's social care; the hidden workforce of hospitals), a
sixteenth (`data/safety_apart_v.jsonl`: dentistry, optometry and independent clinics; home care and
community support; managers, educators and researchers; mental health, addictions and homelessness) and a
seventeenth (`data/safety_apart_y.jsonl`: emergency and urgent care; allied health professions; maternity,
neonatal and children's health; adult social care and disability services), all three read blind under
neutral ids, many of their near misses mirroring a flag word for word. (The thirteenth,
`data/safety_apart_s.jsonl`, was scored once and is now in the training corpus.)
These sets live outside the training corpus on purpose, so the figures stay ones on text the head has not
learnt from.

    .venv/bin/python bench/validity/safety_fresh.py        # the six sets, default and review mode, by writer
    .venv/bin/python bench/validity/safety_fresh.py -v     # also every miss and false flag
    .venv/bin/python bench/validity/safety_fresh.py bench/validity/data/safety_apart_k.jsonl   # other sets instead

Sets named on the command line are scored in place of the six (the 400 ordinary posts always):
`data/` also holds the tenth and eleventh writings (`safety_apart_k.jsonl`, `safety_apart_l.jsonl`, 1,199
posts each, weighted to R5, R11, R6, R7 and R13), 600 ordinary posts (`safety_ordinary_n.jsonl`), 236 warm
posts paired with those writings' derogatory flags (`safety_ordinary_p.jsonl`) and 360 ordinary posts of the
shapes the head misread (`safety_ordinary_q.jsonl`), 480 ordinary posts written beside the thirteenth
writing (`safety_ordinary_r.jsonl`) and that writing, each as it was scored before the head learnt from it
(the training corpus holds copies; docs/validity.md), and 960 ordinary posts no head trains on: 480 written
beside the fifteenth writing (`safety_ordinary_w.jsonl`) and 480 of the shapes a candidate head misread
(`safety_ordinary_x.jsonl`).

Prints flag precision / recall / F1 (a post is flagged when any R3–R13 finding says "think again" or
"do not post"), the share of near misses and of ordinary posts flagged, recall by category, near misses
flagged by the category each brushes (where the writers' notes name it), and the share of the 400
ordinary posts flagged by voice.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sociable.safety import check_many  # noqa: E402
from sociable.safety.corpus import CATEGORIES  # noqa: E402
from sociable.safety.findings import FLAGS  # noqa: E402

DATA = Path(__file__).parent / "data" / "safety_apart_f.jsonl"
# 1,200 posts by four more writers apart, written after the 600 had been read for several choices, as a
# cleaner set for the next ones: per writer 150 to flag (13 or 14 a category), 110 near misses (10 a
# category) and 40 ordinary posts; each writer's 300 read blind by a reader of their own.
SECOND = Path(__file__).parent / "data" / "safety_apart_m.jsonl"
# 1,200 more to the same plan by four more writers (the fourteenth writing), made after the second set had
# been read for three choices. (The thirteenth, `safety_apart_s.jsonl`, was scored once and then trained on.)
FOURTH = Path(__file__).parent / "data" / "safety_apart_t.jsonl"
# The fifteenth, sixteenth and seventeenth writings, 1,200 more each in four other voices, read blind under
# neutral ids; many of their near misses mirror a flag word for word.
FIFTEENTH = Path(__file__).parent / "data" / "safety_apart_u.jsonl"
SIXTEENTH = Path(__file__).parent / "data" / "safety_apart_v.jsonl"
SEVENTEENTH = Path(__file__).parent / "data" / "safety_apart_y.jsonl"
ORDINARY = Path(__file__).parent / "data" / "safety_ordinary_apart.jsonl"


@dataclass(frozen=True, slots=True)
class Figures:
    posts: int
    precision: float
    recall: float
    f1: float
    near: tuple[int, int]  # flagged, of
    ordinary: tuple[int, int]
    recall_by: dict[str, tuple[int, int]]

    def line(self, name: str) -> str:
        (nf, nn), (of, on) = self.near, self.ordinary
        near = f"{nf} of {nn} ({nf / nn:.1%})" if nn else "–"
        ordinary = f"{of} of {on} ({of / on:.1%})" if on else "–"
        return (f"| {name} | {self.posts} | {self.precision:.3f} / {self.recall:.3f} / **{self.f1:.3f}** | "
                f"{near} | {ordinary} |")


def read(path: Path = DATA) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def flagged(rows: list[dict], review: bool = False) -> list[bool]:
    results = check_many(((r["id"], r["text"]) for r in rows), review=review)
    return [any(f.severity in FLAGS and f.category in CATEGORIES for f in res.findings) for res in results]


def figures(rows: list[dict], flags: list[bool]) -> Figures:
    tp = sum(1 for r, f in zip(rows, flags, strict=True) if r["labels"] and f)
    fp = sum(1 for r, f in zip(rows, flags, strict=True) if not r["labels"] and f)
    fn = sum(1 for r, f in zip(rows, flags, strict=True) if r["labels"] and not f)
    near = [f for r, f in zip(rows, flags, strict=True) if r["note"].startswith("near miss")]
    ordinary = [f for r, f in zip(rows, flags, strict=True) if r["note"].startswith("ordinary")]
    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for r, f in zip(rows, flags, strict=True):
        for c in r["labels"]:
            total[c] += 1
            hit[c] += f
    return Figures(len(rows), tp / max(tp + fp, 1), tp / max(tp + fn, 1), 2 * tp / max(2 * tp + fp + fn, 1),
                   (sum(near), len(near)), (sum(ordinary), len(ordinary)),
                   {c: (hit[c], total[c]) for c in CATEGORIES})


def near_misses_by_category(rows: list[dict], flags: list[bool]) -> dict[str, tuple[int, int]]:
    """Near misses flagged and written, by the category the writer's note says each brushes ("near miss: R3 –
    ..."); empty for sets whose notes do not name one."""
    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for r, f in zip(rows, flags, strict=True):
        named = re.match(r"near miss:\s*(R\d+)\b", r["note"])
        if named and named.group(1) in CATEGORIES:
            total[named.group(1)] += 1
            hit[named.group(1)] += f
    return {c: (hit[c], total[c]) for c in CATEGORIES if total[c]}


def score_set(path: Path, verbose: bool = False) -> None:
    """Print one set's table (default and review mode, by writer and all) and its recall by category."""
    rows = read(path)
    print(f"{path.name}: {len(rows)} posts\n")
    print("| mode, posts | posts | flag P / R / F1 | near misses flagged | ordinary posts flagged |")
    print("|---|---|---|---|---|")
    default = flagged(rows)
    for review, flags in ((False, default), (True, flagged(rows, review=True))):
        mode = "review mode" if review else "default"
        for writer in sorted({r["writer"] for r in rows}):
            chosen = [i for i, r in enumerate(rows) if r["writer"] == writer]
            print(figures([rows[i] for i in chosen], [flags[i] for i in chosen]).line(f"{mode}, writer {writer}"))
        print(figures(rows, flags).line(f"{mode}, all"))
    by = figures(rows, default).recall_by
    print("\nrecall by category (default): " + ", ".join(f"{c} {h}/{n}" for c, (h, n) in by.items()) + "\n")
    brushed = near_misses_by_category(rows, default)
    if brushed:
        print("near misses flagged (default), by the category each brushes (the writer's note): "
              + ", ".join(f"{c} {h}/{n}" for c, (h, n) in brushed.items()) + "\n")
    if verbose:
        for r, f in zip(rows, default, strict=True):
            if bool(r["labels"]) != f:
                print(f"{'missed' if r['labels'] else 'false flag'} {r['id']} {r['labels']}: {r['text']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss and false flag")
    parser.add_argument("files", nargs="*", type=Path,
                        help="other sets in the same shape (default: the 600 and the twelfth, fourteenth, "
                             "fifteenth, sixteenth and seventeenth writings; data/ holds more)")
    args = parser.parse_args(argv)
    for path in args.files or (DATA, SECOND, FOURTH, FIFTEENTH, SIXTEENTH, SEVENTEENTH):
        score_set(path, args.verbose)
    ordinary = read(ORDINARY)
    print(f"{ORDINARY.name}: {len(ordinary)} ordinary posts, flagged (every one a false alarm):\n")
    print("| voice | posts | default | review mode |")
    print("|---|---|---|---|")
    quiet, asked = flagged(ordinary), flagged(ordinary, review=True)
    for voice in ("organisation", "public", "staff", None):
        chosen = [i for i, r in enumerate(ordinary) if voice is None or r["voice"] == voice]
        d, rv = sum(quiet[i] for i in chosen), sum(asked[i] for i in chosen)
        print(f"| {voice or 'all'} | {len(chosen)} | {d} ({d / len(chosen):.1%}) | {rv} ({rv / len(chosen):.1%}) |")
    if args.verbose:
        for r, f in zip(ordinary, quiet, strict=True):
            if f:
                print(f"false flag {r['id']} ({r['voice']}): {r['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
