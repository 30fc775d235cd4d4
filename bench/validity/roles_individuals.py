"""Professional or person among real individuals: readers' labels against the rule the professional head learnt.

    PYTHONPATH=src python bench/validity/roles_individuals.py

600 individuals of Humanizr (tweetpie/twitter-account-classification, in .data/), drawn at random (seed 7) from
those with a bio outside its health-and-care part, were labelled professional or person by two readers apart
(300 each; bench/validity/data/humanizr_individual_labels.csv), and split at random into a training part (400)
and a test part (200). The professional head had learnt from Humanizr the rule "an individual the vocabulary
does not call a professional is a person"; this compares, on the test part (never trained on by either):

  rule      the heads trained as before (our profiles; Humanizr with that rule), the test part left out;
  readers   the same, with the readers' labels of the training part in place of the rule for those 400.

It also prints how often the rule agrees with the readers on the training part, and both recipes on the real
bios of RumourEval's authors labelled apart (bench/validity/roles.py; seen before, so not a held-out figure).
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "train"))

import roles as training  # noqa: E402

from sociable.analyses.roles import classify_profiles  # noqa: E402


def score(rows: list[dict[str, str]], truth: list[str]) -> str:
    got = [g.role for g in classify_profiles([r["handle"] for r in rows], [r["display_name"] for r in rows],
                                             [r["bio"] for r in rows])]
    right = sum(g == t for g, t in zip(got, truth, strict=True))
    pros = [g for g, t in zip(got, truth, strict=True) if t == "professional"]
    persons = [g for g, t in zip(got, truth, strict=True) if t == "person"]
    return (f"accuracy {right / len(truth):.3f} ({right}/{len(truth)}); professionals found "
            f"{pros.count('professional')}/{len(pros)}; persons called professional "
            f"{persons.count('professional')}/{len(persons)}; called organisation {got.count('organisation')}")


def main() -> None:
    rows = training.read_humanizr()
    by_handle = {r["handle"]: r for r in rows}
    with training.INDIVIDUALS.open(encoding="utf-8", newline="") as handle:
        labels = list(csv.DictReader(handle))
    train_labels, test = training.individual_labels("train"), training.individual_labels("test")
    ours = training.Profiles.of(training.our_profiles())
    public = training.Profiles.of(training.public_for_training(rows))
    rule = {h: ("professional" if r.role == "professional" else "person")
            for h, r in zip(public.handles, public.rules, strict=True) if h in train_labels}
    agree = sum(rule[h] == train_labels[h] for h in train_labels)
    print(f"readers' labels: {dict(Counter(r['role'] for r in labels))}; training part {len(train_labels)}, "
          f"test part {len(test)}")
    print(f"the rule agrees with the readers on {agree} of {len(train_labels)} of the training part; of the "
          f"{sum(v == 'professional' for v in train_labels.values())} professionals it calls "
          f"{sum(rule[h] == 'professional' for h, v in train_labels.items() if v == 'professional')} professional")
    test_rows = [by_handle[h] for h in test]
    real_truth, real_rows = real_bios()
    for name, individuals in (("rule", None), ("readers", train_labels)):
        with training.using(training.train(ours, public, {}, individuals)):
            print(f"  {name:<8} test part: {score(test_rows, list(test.values()))}")
            print(f"  {name:<8} RumourEval's authors (seen before): {score(real_rows, real_truth)}")


def real_bios() -> tuple[list[str], list[dict[str, str]]]:
    """The real bios of bench/validity/roles.py's third section: the readers' roles and the profiles."""
    spec = importlib.util.spec_from_file_location("roles_validity", ROOT / "bench" / "validity" / "roles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    truth, rows = module.read_real_bios()
    return [t["role"] for t in truth], rows


if __name__ == "__main__":
    main()
