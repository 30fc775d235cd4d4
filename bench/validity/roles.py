"""Roles on profiles nobody tuned on: our held-out health-and-care bios, and Humanizr (cross-validated).

    PYTHONPATH=src python bench/validity/roles.py [--folds 10]

1. bench/validity/data/bios_holdout.csv (written by hand apart from the training profiles, never
   trained or tuned on): role accuracy and coverage of the shipped model, beside the vocabulary alone
   (the rules before the model) and the majority class.
2. Humanizr (tweetpie/twitter-account-classification, humanizr_balanced.csv, organisation vs
   individual): k-fold cross-validation, each fold's heads trained on our profiles and the other
   folds, beside TF-IDF + logistic regression on the same folds (bio, name and handle); on its 170
   health-and-care bios, also organisation / professional / person as a reader apart labelled them blind
   (bench/validity/data/humanizr_health_labels.csv, keyed by username), errors not printed.
3. Real bios: RumourEval 2017's tweet authors (autoreleasefool/rumoureval, fetched into .data/) whose bio has
   a health or care word, never trained on, labelled blind by a reader apart
   (bench/validity/data/rumoureval_bios_labels.csv, keyed by user id; the bios stay in .data/): role,
   professional vs person, subtype, beside the vocabulary alone and the majority class.
4. bench/validity/data/bios_apart.csv: 500 UK health-and-care profiles written apart by two writers who saw
   neither the model, its vocabulary nor our profiles, only the labelling convention (docs/roles.md), each
   labelled by its writer and again blind by a second reader. Writing (a) has never been read for errors;
   of writing (b), the rows marked `errors_read` (every other row) had their errors read and fixed, and only
   their errors are printed.
5. Real bios of people who tweeted about a COVID-19 vaccine (Gabriel Preda's public-domain "Pfizer Vaccine
   Tweets" as copied in PedroFrey/Pfizer-BioNTech-vaccine, fetched into .data/): 250 drawn at random (seed 7)
   from the authors whose bio has a health or care word, labelled blind by two readers apart
   (bench/validity/data/vaccine_bios_labels.csv, keyed by a tweet id; the bios stay in .data/); scored first
   before any error was read, then the errors of every other one (`errors_read`) were read; a second draw of
   200 from the other authors (`draw` 2, seed 8), labelled the same way after the fixes, was scored once before
   any error was read, then half of its errors were read too; a third draw of 200 from the authors left
   (`draw` 3, seed 9; authors told apart by name and account creation time), the same way, scored once at
   53477b1 before any error was read, then half of its errors were read; a fourth draw of 200 (`draw` 4, seed
   10), the same way, scored once at 9a7da94 before any error was read; a fifth, the 147 authors left
   (`draw` 5, seed 11), the same way, scored once at 9f82f72, its errors never read.
6. Speed: profiles labelled per second by `classify_profiles`.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "train"))

import roles as training  # noqa: E402

from sociable.analyses.roles import classify_profiles  # noqa: E402
from sociable.analyses.roles_lexicon import handle_words  # noqa: E402

HOLDOUT = ROOT / "bench" / "validity" / "data" / "bios_holdout.csv"


def read_holdout() -> list[dict[str, str]]:
    with HOLDOUT.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _score(truth: list[str], got: list[str]) -> tuple[float, float, float]:
    """Accuracy over all (unknown counts as wrong), coverage, and accuracy where a role was given."""
    covered = [(t, g) for t, g in zip(truth, got, strict=True) if g != "unknown"]
    right = sum(t == g for t, g in covered)
    return right / len(truth), len(covered) / len(truth), right / len(covered) if covered else 0.0


def holdout() -> None:
    rows = read_holdout()
    truth = [r["role"] for r in rows]
    start = time.perf_counter()
    labels = classify_profiles([r["handle"] for r in rows], [r["display_name"] for r in rows],
                               [r["bio"] for r in rows])
    seconds = time.perf_counter() - start
    _, rules = training.profile_features([r["handle"] for r in rows], [r["display_name"] for r in rows],
                                         [r["bio"] for r in rows])
    majority = Counter(truth).most_common(1)[0][0]
    print(f"\n## Our held-out health-and-care profiles ({len(rows)}: {dict(Counter(truth))})\n")
    print("| classifier | accuracy (all) | coverage | accuracy where labelled | subtype | sector |")
    print("|---|---|---|---|---|---|")
    for name, got in (("sociable (model + vocabulary)", labels), ("vocabulary alone (before)", rules)):
        acc, cov, sure = _score(truth, [g.role for g in got])
        sub = sum((g.subtype or "") == r["subtype"] for g, r in zip(got, rows, strict=True)) / len(rows)
        sec = sum(g.sector == r["sector"] for g, r in zip(got, rows, strict=True)) / len(rows)
        print(f"| {name} | {acc:.3f} | {cov:.3f} | {sure:.3f} | {sub:.3f} | {sec:.3f} |")
    print(f"| majority class ({majority}) | {truth.count(majority) / len(truth):.3f} | 1.000 | – | – | – |")
    wrong = [(r, g) for r, g in zip(rows, labels, strict=True) if g.role != r["role"]]
    print(f"\n{len(wrong)} wrong or unlabelled ({seconds * 1000 / len(rows):.2f} ms a profile):")
    for r, g in wrong:
        print(f"  {r['role']:>12} -> {g.role:<12} {r['display_name']!r}: {r['bio'][:70]!r} {list(g.evidence)[:3]}")


# Humanizr's health-and-care part: bios with one of these words (fixed before the subset was scored; "care"
# also catches "don't care", kept so that the choice of words is not tuned to the result).
HEALTH_WORDS = re.compile(
    r"\b(nhs|health\w*|hospital\w*|nurs\w*|doctors?|dr|md|rn|gp|medic\w*|physician\w*|surgeon\w*|clinic\w*|"
    r"patients?|care|carers?|caring|pharmac\w*|dentist\w*|dental|midwi\w*|paramedic\w*|therap\w*|psychiatr\w*|"
    r"psycholog\w*|mental|wellbeing|wellness|social work\w*|hospices?|disab\w*|autism|dementia|cancer|diabet\w*|"
    r"vaccin\w*)\b", re.IGNORECASE)


def humanizr(folds: int) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    public_rows = training.read_humanizr()
    public = training.Profiles.of(public_rows)
    ours = training.Profiles.of(training.our_profiles())
    truth = np.array([r == "organisation" for r in public.roles])
    texts = [f"{r['bio']} {r['display_name']} {handle_words(r['handle'])}" for r in public_rows]
    ours_got: list[str] = [""] * len(truth)
    tfidf_got = np.zeros(len(truth), dtype=bool)
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=7).split(texts, truth):
        with training.using(training.train(ours, public.take(train_idx), {}, training.individual_labels("train"))):
            labels = classify_profiles([public.handles[i] for i in test_idx], [public.names[i] for i in test_idx],
                                       [public.bios[i] for i in test_idx])
        for i, label in zip(test_idx, labels, strict=True):
            ours_got[i] = label.role
        vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        x_train = vectoriser.fit_transform([texts[i] for i in train_idx])
        model = LogisticRegression(C=10, max_iter=2000).fit(x_train, truth[train_idx])
        tfidf_got[test_idx] = model.predict(vectoriser.transform([texts[i] for i in test_idx]))
    covered = [g != "unknown" for g in ours_got]
    right = [(g == "organisation") == t for g, t in zip(ours_got, truth, strict=True)]
    both = [r and c for r, c in zip(right, covered, strict=True)]
    print(f"\n## Humanizr, organisation vs individual ({len(truth)} bios, {folds}-fold cross-validation)\n")
    print("| classifier | accuracy (all) | coverage | accuracy where labelled |")
    print("|---|---|---|---|")
    print(f"| sociable (model + vocabulary) | {sum(both) / len(truth):.3f} | {sum(covered) / len(truth):.3f} | "
          f"{sum(both) / max(sum(covered), 1):.3f} |")
    print(f"| TF-IDF + logistic regression | {float((tfidf_got == truth).mean()):.3f} | 1.000 | – |")
    health = np.array([bool(HEALTH_WORDS.search(r["bio"] or "")) for r in public_rows])
    organisations = int(truth[health].sum())
    print(f"\n### Its health-and-care bios ({int(health.sum())} whose bio has a health or care word: "
          f"{organisations} organisations, {int(health.sum()) - organisations} individuals; same folds)\n")
    print("| classifier | accuracy (all) | coverage | accuracy where labelled |")
    print("|---|---|---|---|")
    sub_covered = int(np.array(covered)[health].sum())
    sub_both = int(np.array(both)[health].sum())
    print(f"| sociable (model + vocabulary) | {sub_both / health.sum():.3f} | {sub_covered / health.sum():.3f} | "
          f"{sub_both / max(sub_covered, 1):.3f} |")
    print(f"| TF-IDF + logistic regression | {float((tfidf_got == truth)[health].mean()):.3f} | 1.000 | – |")
    majority = max(organisations, int(health.sum()) - organisations) / health.sum()
    print(f"| majority class | {majority:.3f} | 1.000 | – |")
    three_roles(public_rows, ours_got)


HUMANIZR_HEALTH = ROOT / "bench" / "validity" / "data" / "humanizr_health_labels.csv"
# the parts of a set labelled by a reader apart that each table reports
PARTS = (("all", lambda t: True), ("health or care stakeholders", lambda t: t["health"] == "true"),
         ("those the reader was sure of", lambda t: t["sure"] == "true"))


def _professional_vs_person(truth: list[str], got: list[str]) -> tuple[float, int]:
    """Among those the reader called individuals, the share given the reader's role, and how many there are."""
    people = [(t, g) for t, g in zip(truth, got, strict=True) if t != "organisation"]
    return sum(t == g for t, g in people) / max(len(people), 1), len(people)


def three_roles(public_rows: list[dict[str, str]], got: list[str]) -> None:
    """Organisation, professional or person on Humanizr's health-and-care bios, as a reader apart labelled them
    blind (HUMANIZR_HEALTH, keyed by username), against the cross-validated roles above."""
    with HUMANIZR_HEALTH.open(encoding="utf-8", newline="") as handle:
        truth = {row["handle"]: row for row in csv.DictReader(handle)}
    pairs = [(truth[r["handle"]], g) for r, g in zip(public_rows, got, strict=True) if r["handle"] in truth]
    if len(pairs) != len(truth):
        raise SystemExit(f"{len(truth) - len(pairs)} labelled Humanizr profiles are not in the data set")
    print(f"\n### The same bios, organisation / professional / person as a reader apart labelled them ({len(pairs)}: "
          f"{dict(Counter(t['role'] for t, _ in pairs))})\n")
    print("| classifier | part | profiles | accuracy (all) | coverage | professional vs person (individuals) |")
    print("|---|---|---|---|---|---|")
    for part, keep in PARTS:
        chosen = [(t, g) for t, g in pairs if keep(t)]
        acc, cov, _ = _score([t["role"] for t, _ in chosen], [g for _, g in chosen])
        split, people = _professional_vs_person([t["role"] for t, _ in chosen], [g for _, g in chosen])
        top, count = Counter(t["role"] for t, _ in chosen).most_common(1)[0]
        print(f"| sociable (model + vocabulary, cross-validated) | {part} | {len(chosen)} | {acc:.3f} | {cov:.3f} | "
              f"{split:.3f} ({people}) |")
        print(f"| majority class ({top}) | {part} | {len(chosen)} | {count / len(chosen):.3f} | 1.000 | – |")


REAL = ROOT / "bench" / "validity" / "data" / "rumoureval_bios_labels.csv"


def rumoureval_profiles() -> dict[str, dict[str, str]]:
    """Every tweet author's profile in RumourEval 2017's thread files, by user id (the first one seen)."""
    sys.path.insert(0, str(ROOT / "bench" / "validity"))
    import orjson
    from rumoureval import data_folder

    profiles: dict[str, dict[str, str]] = {}
    for path in sorted(data_folder().rglob("*.json")):
        if "annotations" in str(path) or path.name in ("structure.json", "urls.json"):
            continue
        tweet = orjson.loads(path.read_bytes())
        user = tweet.get("user") if isinstance(tweet, dict) else None
        if isinstance(user, dict):
            key = str(user.get("id_str") or user.get("id"))
            profiles.setdefault(key, {"handle": user.get("screen_name") or "", "display_name": user.get("name") or "",
                                      "bio": user.get("description") or ""})
    return profiles


def read_real_bios() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The reader's labels in REAL and the profiles they label, in the same order."""
    with REAL.open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    profiles = rumoureval_profiles()
    missing = [t["user_id"] for t in truth if t["user_id"] not in profiles]
    if missing:
        raise SystemExit(f"{len(missing)} labelled authors are not in the RumourEval copy (first: {missing[0]})")
    return truth, [profiles[t["user_id"]] for t in truth]


def real_bios() -> None:
    """RumourEval's tweet authors whose bio has a health or care word: real bios written by others, never trained
    on, labelled by a reader who saw neither the model nor its output (labels in REAL, keyed by user id)."""
    truth, rows = read_real_bios()
    got = classify_profiles([r["handle"] for r in rows], [r["display_name"] for r in rows], [r["bio"] for r in rows])
    _, rules = training.profile_features([r["handle"] for r in rows], [r["display_name"] for r in rows],
                                         [r["bio"] for r in rows])
    print(f"\n## Real bios: RumourEval 2017's authors with a health or care word ({len(rows)}: "
          f"{dict(Counter(t['role'] for t in truth))}; {sum(t['health'] == 'true' for t in truth)} health or care "
          "stakeholders by the reader)\n")
    print("| classifier | part | profiles | accuracy (all) | coverage | accuracy where labelled | professional vs "
          "person (individuals) | subtype (professionals) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, labels in (("sociable (model + vocabulary)", got), ("vocabulary alone (before)", rules)):
        for part, keep in PARTS:
            t_part = [t for t in truth if keep(t)]
            g_part = [g for t, g in zip(truth, labels, strict=True) if keep(t)]
            acc, cov, sure = _score([t["role"] for t in t_part], [g.role for g in g_part])
            split, people = _professional_vs_person([t["role"] for t in t_part], [g.role for g in g_part])
            pros = [(t, g) for t, g in zip(t_part, g_part, strict=True) if t["role"] == "professional"]
            sub = sum((g.subtype or "none") == t["subtype"] for t, g in pros if g.role == "professional")
            print(f"| {name} | {part} | {len(t_part)} | {acc:.3f} | {cov:.3f} | {sure:.3f} | {split:.3f} "
                  f"({people}) | {sub / max(len(pros), 1):.3f} ({len(pros)}) |")
    for part, keep in PARTS:
        roles = [t["role"] for t in truth if keep(t)]
        top, count = Counter(roles).most_common(1)[0]
        print(f"| majority class ({top}) | {part} | {len(roles)} | {count / len(roles):.3f} | 1.000 | – | – | – |")
    wrong = [(t, r, g) for t, r, g in zip(truth, rows, got, strict=True) if g.role != t["role"]]
    print(f"\n{len(wrong)} wrong or unlabelled:")
    for t, r, g in wrong:
        print(f"  {t['role']:>12} -> {g.role:<12} {r['bio'][:80]!r} {list(g.evidence)[:3]}")


APART = ROOT / "bench" / "validity" / "data" / "bios_apart.csv"


def apart() -> None:
    """Profiles written apart (APART): role accuracy by writing and by whether their errors were read."""
    with APART.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    args = ([r["handle"] for r in rows], [r["display_name"] for r in rows], [r["bio"] for r in rows])
    got = classify_profiles(*args)
    _, rules = training.profile_features(*args)
    agreed = sum(r["role"] == r["second_role"] for r in rows)
    print(f"\n## UK health-and-care profiles written apart ({len(rows)}: {dict(Counter(r['role'] for r in rows))}; "
          f"the second reader gave the writer's role to {agreed})\n")
    print("| classifier | part | profiles | accuracy (all) | coverage | organisation vs individual | "
          "role and subtype |")
    print("|---|---|---|---|---|---|---|")
    parts = (("all", lambda r: True), ("writing a (errors never read)", lambda r: r["writing"] == "a"),
             ("writing b, errors never read", lambda r: r["writing"] == "b" and r["errors_read"] == "no"),
             ("writing b, errors read", lambda r: r["errors_read"] == "yes"),
             ("errors never read (a + half of b)", lambda r: r["errors_read"] == "no"))
    for name, labels in (("sociable (model + vocabulary)", got), ("vocabulary alone (before)", rules)):
        for part, keep in parts:
            chosen = [(r, g) for r, g in zip(rows, labels, strict=True) if keep(r)]
            acc, cov, _ = _score([r["role"] for r, _ in chosen], [g.role for _, g in chosen])
            split = sum((r["role"] == "organisation") == (g.role == "organisation") for r, g in chosen) / len(chosen)
            sub = sum((g.subtype or "") == r["subtype"] for r, g in chosen if g.role == r["role"]) / len(chosen)
            print(f"| {name} | {part} | {len(chosen)} | {acc:.3f} | {cov:.3f} | {split:.3f} | {sub:.3f} |")
    top, count = Counter(r["role"] for r in rows).most_common(1)[0]
    print(f"| majority class ({top}) | all | {len(rows)} | {count / len(rows):.3f} | 1.000 | – | – |")
    wrong = [(r, g) for r, g in zip(rows, got, strict=True) if r["errors_read"] == "yes" and g.role != r["role"]]
    print(f"\n{len(wrong)} wrong in the part whose errors were read:")
    for r, g in wrong:
        print(f"  {r['role']:>12} -> {g.role:<12} {r['display_name']!r}: {r['bio'][:70]!r} {list(g.evidence)[:3]}")


VACCINE_REPOSITORY, VACCINE_COMMIT = "PedroFrey/Pfizer-BioNTech-vaccine", "bef813d5d6347533290b5997a06310eb6e451e2f"
VACCINE_LABELS = ROOT / "bench" / "validity" / "data" / "vaccine_bios_labels.csv"


def vaccine_profiles() -> dict[str, dict[str, str]] | None:
    """Each tweet's author profile (display name, bio) by tweet id, or None when the data set is not in .data/."""
    path = training.data_folder() / "PedroFrey+Pfizer-BioNTech-vaccine" / "vaccination_tweets.csv"
    if not path.is_file():
        print(f"\n(The vaccine tweets are not at {path}: clone https://github.com/{VACCINE_REPOSITORY} at "
              f"{VACCINE_COMMIT} there to score them.)")
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: {"handle": "", "display_name": row["user_name"], "bio": row["user_description"]}
                for row in csv.DictReader(handle)}


def vaccine_bios() -> None:
    """Real bios of vaccine tweeters with a health or care word, labelled blind by two readers apart: role by
    each reader, and on those both labelled alike, beside the vocabulary alone and the majority class."""
    profiles = vaccine_profiles()
    if profiles is None:
        return
    with VACCINE_LABELS.open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    rows = [profiles[t["tweet_id"]] for t in truth]
    args = ([r["handle"] for r in rows], [r["display_name"] for r in rows], [r["bio"] for r in rows])
    got = classify_profiles(*args)
    _, rules = training.profile_features(*args)
    agreed = [t["role"] == t["second_role"] for t in truth]
    print(f"\n## Real bios: vaccine tweeters with a health or care word ({len(truth)}: first reader "
          f"{dict(Counter(t['role'] for t in truth))}; the readers agree on {sum(agreed)})\n")
    print("| classifier | labels | profiles | accuracy (all) | coverage | professional vs person (individuals) |")
    print("|---|---|---|---|---|---|")
    first = [t["draw"] == "1" for t in truth]
    parts: list[tuple[str, str, Callable[[int], bool]]] = [
        ("first draw, first reader", "role", lambda i: first[i]),
        ("first draw, second reader", "second_role", lambda i: first[i]),
        ("first draw, both alike and both sure", "role",
         lambda i: first[i] and agreed[i] and truth[i]["sure"] == truth[i]["second_sure"] == "yes")]
    for draw, ordinal in (("1", "first"), ("2", "second"), ("3", "third"), ("4", "fourth"),
                           ("5", "fifth")):
        parts += [(f"{ordinal} draw, both alike", "role", lambda i, d=draw: truth[i]["draw"] == d and agreed[i]),
                  (f"{ordinal} draw, both alike, errors never read", "role",
                   lambda i, d=draw: truth[i]["draw"] == d and agreed[i] and truth[i]["errors_read"] == "no"),
                  (f"{ordinal} draw, both alike, errors read", "role",
                   lambda i, d=draw: truth[i]["draw"] == d and agreed[i] and truth[i]["errors_read"] == "yes")]
    parts.append(("never read (all draws), both alike", "role",
                  lambda i: agreed[i] and truth[i]["errors_read"] == "no"))
    for name, labels in (("sociable (model + vocabulary)", got), ("vocabulary alone (before)", rules)):
        for part, column, keep in parts:
            chosen = [i for i in range(len(truth)) if keep(i)]
            if not chosen:  # the fifth draw's errors were never read
                continue
            t_roles, g_roles = [truth[i][column] for i in chosen], [labels[i].role for i in chosen]
            acc, cov, _ = _score(t_roles, g_roles)
            split, people = _professional_vs_person(t_roles, g_roles)
            print(f"| {name} | {part} | {len(chosen)} | {acc:.3f} | {cov:.3f} | {split:.3f} ({people}) |")
    top, count = Counter(t["role"] for t in truth).most_common(1)[0]
    print(f"| majority class ({top}) | first reader, all draws | {len(truth)} | {count / len(truth):.3f} "
          "| 1.000 | – |")


def speed() -> None:
    rows = read_holdout() * 20
    args = ([r["handle"] for r in rows], [r["display_name"] for r in rows], [r["bio"] for r in rows])
    classify_profiles(*(a[:10] for a in args))
    start = time.perf_counter()
    classify_profiles(*args)
    print(f"\nspeed: {len(rows) / (time.perf_counter() - start):,.0f} profiles/s ({len(rows)} profiles)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--skip-humanizr", action="store_true")
    args = parser.parse_args()
    holdout()
    apart()
    real_bios()
    vaccine_bios()
    if not args.skip_humanizr:
        humanizr(args.folds)
    speed()


if __name__ == "__main__":
    main()
