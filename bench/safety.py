"""Safe-practice checker speed, beside Microsoft Presidio's analyzer on the same posts.

    .venv/bin/python bench/safety.py                      # 100,000 posts, Presidio if installed
    .venv/bin/python bench/safety.py --posts 20000 --no-presidio

Posts come from the simulator, joined to about 200 characters (--length 0 keeps them as
simulated). `check()` runs in this process, one post at a time, on one core: posts per second
over the whole run and the p50/p99 latency of single calls. Presidio (a bench-only extra, never
a dependency of sociable) runs in its own virtualenv (--presidio-venv, default /tmp/presidio-venv,
made with `python -m venv /tmp/presidio-venv && /tmp/presidio-venv/bin/pip install presidio-analyzer`)
through a subprocess on the same posts. With no spaCy English model installed (en_core_web_sm is
not published on PyPI) it runs with its pattern recognisers only, on a blank spaCy tokenizer,
and the output says so.

Accuracy is compared for the identifier kinds both tools cover (NHS number, National Insurance
number, postcode, email, phone) on two sets: the labelled development set (identifiers a
professional should not post; lookalikes and service numbers are negatives) and a generated set
of valid identifiers beside near misses (wrong check digits, disallowed NI prefixes, partial
postcodes, times and references). Writes the figures to bench/out/safety.json.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out"
ROOT = Path(__file__).resolve().parent.parent
KINDS = ("nhs", "nino", "postcode", "email", "phone")
PRESIDIO_KINDS = {
    "UK_NHS": "nhs",
    "UK_NINO": "nino",
    "UK_POSTCODE": "postcode",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
}
SOCIABLE_KINDS = {"nhs": "nhs", "hc": "nhs", "chi": "nhs", "nino": "nino", "postcode": "postcode"}
SOCIABLE_KINDS |= {"email": "email", "phone": "phone"}

Span = tuple[int, int, str]


# ---- posts ----------------------------------------------------------------------------------


def simulated_posts(count: int, length: int, seed: int) -> list[str]:
    """`count` simulated posts, consecutive ones joined until each is about `length` characters."""
    import orjson

    from sociable.simulate import simulate

    with tempfile.TemporaryDirectory(prefix="sociable-bench-") as scratch:
        path = Path(scratch) / "posts.jsonl"
        needed = count * (length // 50 + 1) if length else count  # simulated posts average about 70 characters
        simulate(path, posts=max(needed, 1000), seed=seed, workers=1)
        texts = [orjson.loads(line).get("full_text") or "" for line in path.open("rb")]
    if not length:
        return texts[:count]
    posts: list[str] = []
    current = ""
    for text in texts:
        current = f"{current} {text}" if current else text
        if len(current) >= length * 0.9:
            posts.append(current)
            current = ""
            if len(posts) == count:
                break
    return posts


# ---- a generated identifier set -------------------------------------------------------------

_CONTEXT = [
    "Can someone check {x} on the referral, the letter is barely readable",
    "Handover: {x} is the one on the discharge summary for bay 4",
    "Note to self, {x} needs adding to the duty log before 5",
    "Form came back rejected again, it has {x} on page two",
    "Typed {x} into the system and it still won't load the record",
]
_NHS_CONTEXT = ["NHS no {x} on the letter", "pt number {x} – anyone recognise the GP?", "{x} (NHS number) missing"]
_AREAS = ["LS", "M", "B", "S", "BD", "SW", "EH", "CF", "BT", "NE", "L", "G", "OX", "CB", "PL", "HU"]
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"


def _nhs_number(rng: random.Random, valid: bool) -> str:
    while True:
        digits = rng.choice("4679") + "".join(rng.choice("0123456789") for _ in range(8))
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check == 10:
            continue
        if not valid:
            check = (check + rng.randint(1, 9)) % 10
        number = digits + str(check)
        layout = rng.choice(["{0} {1} {2}", "{0}{1}{2}", "{0}-{1}-{2}"])
        return layout.format(number[:3], number[3:6], number[6:])


def _nino(rng: random.Random, valid: bool) -> str:
    if valid:
        prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        while prefix in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        suffix = rng.choice("ABCD")
    else:
        prefix, suffix = rng.choice([("GB", "A"), ("QQ", "B"), ("DF", "C"), ("AB", "F")])
    digits = [f"{rng.randint(0, 99):02d}" for _ in range(3)]
    return f"{prefix} {' '.join(digits)} {suffix}" if rng.random() < 0.5 else f"{prefix}{''.join(digits)}{suffix}"


def _postcode(rng: random.Random) -> str:
    return f"{rng.choice(_AREAS)}{rng.randint(1, 19)} {rng.randint(0, 9)}{rng.choice(_INWARD)}{rng.choice(_INWARD)}"


def _phone(rng: random.Random) -> str:
    ending = f"{rng.randint(0, 999):03d}"
    return rng.choice([f"07700 900{ending}", f"0161 496 0{ending}", f"+44 7700 900{ending}", f"0113 496 0{ending}"])


def _email(rng: random.Random) -> str:
    first = rng.choice(["jo", "sam", "priya", "tomasz", "aisha", "gareth", "niamh", "femi"])
    last = rng.choice(["hartley", "okafor", "nowak", "brennan", "shah", "lloyd", "maguire"])
    return f"{first}.{last}{rng.randint(1, 99)}@example.{rng.choice(['com', 'org', 'co.uk'])}"


_NEAR_MISSES = [
    lambda rng: _nhs_number(rng, valid=False),
    lambda rng: _nino(rng, valid=False),
    lambda rng: f"{rng.choice(_AREAS)}{rng.randint(1, 19)}",  # an outward code alone
    lambda rng: f"{rng.randint(1, 12)}:{rng.randint(10, 59)}",
    lambda rng: f"ref {rng.randint(100000, 999999)}",
    lambda rng: f"£{rng.randint(1, 999)},{rng.randint(100, 999)}",
    lambda rng: f"@{rng.choice(['wardsister', 'nurse_jo', 'carers_hub'])}{rng.randint(1, 99)}",
    lambda rng: f"B{rng.randint(6, 12)} vitamin",
    lambda rng: f"order {rng.randint(10**10, 10**11 - 1)}",
]


def identifier_set(seed: int, posts: int = 2000) -> list[tuple[str, list[Span]]]:
    """Posts with one valid identifier (and its span) or one near miss (no span), half and half."""
    rng = random.Random(seed)
    makers = {
        "nhs": lambda: _nhs_number(rng, valid=True),
        "nino": lambda: _nino(rng, valid=True),
        "postcode": lambda: _postcode(rng),
        "phone": lambda: _phone(rng),
        "email": lambda: _email(rng),
    }
    rows: list[tuple[str, list[Span]]] = []
    for index in range(posts):
        if index % 2:
            value = rng.choice(_NEAR_MISSES)(rng)
            rows.append((rng.choice(_CONTEXT).format(x=value), []))
            continue
        kind = KINDS[(index // 2) % len(KINDS)]
        value = makers[kind]()
        template = rng.choice(_NHS_CONTEXT if kind == "nhs" and rng.random() < 0.5 else _CONTEXT)
        start = template.index("{x}")
        rows.append((template.format(x=value), [(start, start + len(value), kind)]))
    return rows


def devset_rows() -> list[tuple[str, list[Span]]]:
    """The labelled development set, with its identifier spans of the kinds both tools cover."""
    rows = []
    for line in (ROOT / "tests" / "safety" / "devset.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            spans = [
                (s["start"], s["end"], SOCIABLE_KINDS[s["kind"]]) for s in row["spans"] if s["kind"] in SOCIABLE_KINDS
            ]
            rows.append((row["text"], spans))
    return rows


def score(rows: list[tuple[str, list[Span]]], predicted: list[list[Span]]) -> dict[str, dict[str, float]]:
    """Precision and recall per kind: a gold span is found when a prediction of its kind overlaps it."""
    out: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        tp = fp = fn = 0
        for (_, gold), found in zip(rows, predicted, strict=True):
            gold_k = [g for g in gold if g[2] == kind]
            found_k = [f for f in found if f[2] == kind]
            hit = sum(any(f[0] < g[1] and g[0] < f[1] for f in found_k) for g in gold_k)
            tp, fn = tp + hit, fn + len(gold_k) - hit
            fp += sum(not any(f[0] < g[1] and g[0] < f[1] for g in gold_k) for f in found_k)
        out[kind] = {
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "gold": tp + fn,
        }
    return out


# ---- sociable -------------------------------------------------------------------------------


def time_calls(analyse: Any, posts: list[str]) -> dict[str, float]:
    """Posts per second over the run and p50/p99/max latency of single calls, in milliseconds."""
    analyse(posts[0])
    clock = time.perf_counter
    latencies = []
    started = clock()
    for post in posts:
        before = clock()
        analyse(post)
        latencies.append(clock() - before)
    elapsed = clock() - started
    latencies.sort()
    return {
        "posts": len(posts),
        "seconds": elapsed,
        "posts_per_s": len(posts) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "max_ms": 1000 * latencies[-1],
    }


def sociable_flagged(text: str) -> list[Span]:
    """What `check()` tells a professional not to post: flagged identifier findings."""
    from sociable.safety import check

    flagged = ("think again", "do not post")
    findings = check(text).findings
    return [
        (f.start, f.end, SOCIABLE_KINDS[f.kind]) for f in findings if f.kind in SOCIABLE_KINDS and f.severity in flagged
    ]


def sociable_spans(text: str) -> list[Span]:
    """Every identifier the recognisers find (service numbers and generic mailboxes left out)."""
    from sociable.safety.recognisers import identifiers

    return [
        (h.start, h.end, SOCIABLE_KINDS[h.kind]) for h in identifiers(text) if h.kind in SOCIABLE_KINDS and h.personal
    ]


# ---- Presidio (runs inside its own virtualenv) ----------------------------------------------


def presidio_engine() -> tuple[Any, str]:
    """Presidio's analyzer with its English recognisers, UK ones switched on; NER only if a model exists."""
    import spacy
    import tldextract.tldextract

    # Presidio's email check asks tldextract for the public suffix list; use the copy it ships, offline.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import NhsRecognizer, UkNinoRecognizer, UkPostcodeRecognizer

    try:
        spacy.load("en_core_web_sm")
        model, mode = "en_core_web_sm", "pattern recognisers + spaCy en_core_web_sm NER"
    except OSError:
        model = str(Path(tempfile.mkdtemp(prefix="blank-en-")) / "blank_en")
        spacy.blank("en").to_disk(model)
        mode = "pattern recognisers only (no spaCy model installed: blank English tokenizer, no NER)"
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"])
    for recogniser in (UkNinoRecognizer(), UkPostcodeRecognizer()):
        registry.add_recognizer(recogniser)
    if not any(isinstance(r, NhsRecognizer) for r in registry.recognizers):
        registry.add_recognizer(NhsRecognizer())
    if model != "en_core_web_sm":
        registry.remove_recognizer("SpacyRecognizer")
    engine = AnalyzerEngine(
        registry=registry,
        nlp_engine=SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}]),
        supported_languages=["en"],
    )
    return engine, mode


def presidio_worker(source: Path, target: Path) -> None:
    """Time Presidio on the speed posts and collect its spans on the accuracy posts."""
    from importlib.metadata import version

    data = json.loads(source.read_text(encoding="utf-8"))
    engine, mode = presidio_engine()

    def analyse(text: str) -> list[Any]:
        return engine.analyze(text=text, language="en")

    figures = time_calls(analyse, data["speed"])
    accuracy = {
        name: [
            [(r.start, r.end, PRESIDIO_KINDS[r.entity_type]) for r in analyse(t) if r.entity_type in PRESIDIO_KINDS]
            for t in texts
        ]
        for name, texts in data["accuracy"].items()
    }
    result = {"mode": mode, "version": version("presidio-analyzer"), "speed": figures, "accuracy": accuracy}
    target.write_text(json.dumps(result), encoding="utf-8")


def run_presidio(venv: Path, speed: list[str], accuracy: dict[str, list[str]]) -> dict[str, Any] | None:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"Presidio: not run ({python} not found; see the docstring for how to make that virtualenv)")
        return None
    with tempfile.TemporaryDirectory(prefix="sociable-bench-") as scratch:
        source, target = Path(scratch) / "in.json", Path(scratch) / "out.json"
        source.write_text(json.dumps({"speed": speed, "accuracy": accuracy}), encoding="utf-8")
        done = subprocess.run([str(python), __file__, "--presidio-worker", str(source), str(target)], check=False)
        if done.returncode != 0 or not target.exists():
            print(f"Presidio: the worker failed (exit code {done.returncode})")
            return None
        result: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    for rows in result["accuracy"].values():
        rows[:] = [[tuple(span) for span in row] for row in rows]
    return result


# ---- report ---------------------------------------------------------------------------------


def _speed_row(name: str, s: dict[str, float]) -> str:
    latency = f"{s['p50_ms']:.3f} | {s['p99_ms']:.3f} | {s['max_ms']:.1f}"
    return f"| {name} | {s['posts']:,} | {s['posts_per_s']:,.0f} | {latency} |"


def _accuracy_rows(name: str, figures: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    rows = []
    for set_name, kinds in figures.items():
        cells = " | ".join(f"{k[kind]['precision']:.2f} / {k[kind]['recall']:.2f}" for kind in KINDS for k in [kinds])
        rows.append(f"| {name} | {set_name} | {cells} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=200, help="join simulated posts to about this many characters")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--presidio-venv", type=Path, default=Path("/tmp/presidio-venv"))
    parser.add_argument("--presidio-posts", type=int, default=None, help="time Presidio on fewer posts")
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--presidio-worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.presidio_worker:
        presidio_worker(*args.presidio_worker)
        return

    from sociable.safety import check

    posts = simulated_posts(args.posts, args.length, args.seed)
    mean_length = sum(map(len, posts)) / len(posts)
    sets = {"devset": devset_rows(), "generated": identifier_set(args.seed)}
    ours = time_calls(check, posts)
    ours_accuracy = {
        "devset": score(sets["devset"], [sociable_flagged(t) for t, _ in sets["devset"]]),
        "generated": score(sets["generated"], [sociable_spans(t) for t, _ in sets["generated"]]),
    }
    theirs = None
    if not args.no_presidio:
        accuracy_texts = {name: [t for t, _ in rows] for name, rows in sets.items()}
        theirs = run_presidio(args.presidio_venv, posts[: args.presidio_posts or len(posts)], accuracy_texts)
    print(f"{len(posts):,} simulated posts, mean {mean_length:.0f} characters, one process")
    print("\n| checker | posts | posts/s | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|")
    print(_speed_row("sociable check()", ours))
    result: dict[str, Any] = {"posts": len(posts), "mean_length": mean_length, "sociable": ours}
    result["sociable_accuracy"] = ours_accuracy
    theirs_accuracy = None
    if theirs is not None:
        print(_speed_row(f"Presidio {theirs['version']}", theirs["speed"]))
        theirs_accuracy = {name: score(rows, theirs["accuracy"][name]) for name, rows in sets.items()}
        result |= {"presidio": theirs["speed"], "presidio_mode": theirs["mode"], "presidio_accuracy": theirs_accuracy}
        print(f"\nPresidio ran with {theirs['mode']}.")
    print("\nprecision / recall\n")
    print("| tool | set | " + " | ".join(KINDS) + " |\n|---|---|" + "---|" * len(KINDS))
    print("\n".join(_accuracy_rows("sociable", ours_accuracy)))
    if theirs_accuracy is not None:
        print("\n".join(_accuracy_rows("Presidio", theirs_accuracy)))
    gold = {name: {k: int(v["gold"]) for k, v in kinds.items()} for name, kinds in ours_accuracy.items()}
    print(f"\ngold spans per kind: {gold}")
    OUT.mkdir(exist_ok=True)
    (OUT / "safety.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
