"""Train the roles heads (deterministic: the same data gives the same weights).

    PYTHONPATH=src python bench/train/roles.py          # writes src/sociable/text/models/roles-*.npz

Data: our own labelled profiles (bench/train/roles_bios.py, and the development half of
tests/analyses/bios_labelled.csv) and the public Humanizr bios (organisation vs individual) from
tweetpie/twitter-account-classification, found under $SOCIABLE_DATA (default .data/). Of Humanizr's
individuals, 600 were labelled professional or person by readers apart
(bench/validity/data/humanizr_individual_labels.csv): the "train" part's labels teach the professional head
in place of the rule "an individual the vocabulary does not call a professional is a person"; the "test"
part is left out of training altogether. The held-out profiles (bench/validity/data/bios_holdout.csv, the
holdout half of bios_labelled.csv) and that test part are never read here.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from roles_bios import generate  # noqa: E402

from sociable.analyses import roles_model  # noqa: E402
from sociable.analyses.roles import RoleLabel, profile_features  # noqa: E402
from sociable.analyses.roles_lexicon import SUBTYPES  # noqa: E402
from sociable.analyses.roles_model import ORG_HEAD, PRO_HEAD, SUBTYPE_HEADS  # noqa: E402
from sociable.text import Head, save_head, train_head  # noqa: E402
from sociable.text.static import MODEL_DIR  # noqa: E402

HUMANIZR_REPO = "tweetpie/twitter-account-classification"
HUMANIZR_COMMIT = "34856d0e8d5652605fff2227bf3dc328f927050f"
HUMANIZR = Path("tweetpie+twitter-account-classification") / "datasets" / "humanizr_balanced.csv"
LABELLED = ROOT / "tests" / "analyses" / "bios_labelled.csv"
INDIVIDUALS = ROOT / "bench" / "validity" / "data" / "humanizr_individual_labels.csv"
C = 1.0


@dataclass
class Profiles:
    """Profiles with their features, the vocabulary's labels and the truth (role may be 'individual')."""

    handles: list[str]
    names: list[str]
    bios: list[str]
    roles: list[str]
    subtypes: list[str]
    x: np.ndarray
    rules: list[RoleLabel]

    @classmethod
    def of(cls, rows: Sequence[dict[str, str]]) -> Profiles:
        handles = [r["handle"] for r in rows]
        names = [r["display_name"] for r in rows]
        bios = [r["bio"] for r in rows]
        x, rules = profile_features(handles, names, bios)
        return cls(handles, names, bios, [r["role"] for r in rows], [r.get("subtype") or "" for r in rows], x,
                   rules)

    def take(self, keep: Sequence[int]) -> Profiles:
        pick = list(keep)
        return Profiles([self.handles[i] for i in pick], [self.names[i] for i in pick], [self.bios[i] for i in pick],
                        [self.roles[i] for i in pick], [self.subtypes[i] for i in pick], self.x[pick],
                        [self.rules[i] for i in pick])


def data_folder() -> Path:
    return Path(os.environ.get("SOCIABLE_DATA", ROOT / ".data"))


def read_humanizr(folder: Path | None = None) -> list[dict[str, str]]:
    path = (folder or data_folder()) / HUMANIZR
    if not path.exists():
        raise SystemExit(f"{path} is missing: clone https://github.com/{HUMANIZR_REPO} at {HUMANIZR_COMMIT} into "
                         f"{path.parents[1]}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [{"handle": r["username"], "display_name": r["name"], "bio": r["bio"],
             "role": "organisation" if r["label"] == "organization" else "individual", "subtype": ""} for r in rows]


def individual_labels(part: str) -> dict[str, str]:
    """Readers' professional-or-person labels of Humanizr individuals in one part ("train" or "test"), by handle."""
    with INDIVIDUALS.open(encoding="utf-8", newline="") as handle:
        return {r["handle"]: r["role"] for r in csv.DictReader(handle) if r["part"] == part}


def public_for_training(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Humanizr without the individuals held out for testing."""
    held = individual_labels("test")
    return [r for r in rows if r["handle"] not in held]


@contextmanager
def using(heads: Mapping[str, Head]) -> Iterator[None]:
    """Classify with these heads instead of the shipped ones, for the length of a block."""
    original = (roles_model.heads, roles_model.load_head)
    roles_model.heads = lambda: (heads[ORG_HEAD], heads[PRO_HEAD])  # type: ignore[assignment]
    roles_model.load_head = lambda name: heads[name]  # type: ignore[assignment]
    try:
        yield
    finally:
        roles_model.heads, roles_model.load_head = original  # type: ignore[assignment]


def our_profiles() -> list[dict[str, str]]:
    """Our labelled training profiles: the generated set and the development half of bios_labelled.csv."""
    with LABELLED.open(encoding="utf-8", newline="") as handle:
        dev = [r for r in csv.DictReader(handle) if r["half"] == "dev" and r["role"] != "unknown"]
    return generate() + dev


def train(ours: Profiles, public: Profiles | None, meta: dict[str, object],
          individuals: Mapping[str, str] | None = None) -> dict[str, Head]:
    """Every roles head from our profiles and (for the organisation head) the public ones; `individuals`, readers'
    professional-or-person labels of public individuals by handle, replace the rule for those they cover."""
    both = [ours] + ([public] if public is not None else [])
    x_org = np.vstack([p.x for p in both])
    y_org = ["organisation" if r == "organisation" else "individual" for p in both for r in p.roles]
    heads = {ORG_HEAD: train_head(ORG_HEAD, x_org, y_org, ("individual", "organisation"), c=C, meta=meta)}
    # Professional or person: our individuals, and public individuals the vocabulary does not call professional.
    people = [i for i, r in enumerate(ours.roles) if r in ("professional", "person")]
    x_pro, y_pro = [ours.x[people]], [ours.roles[i] for i in people]
    if public is not None:
        read = individuals or {}
        plain = [i for i, (h, r, rule) in enumerate(zip(public.handles, public.roles, public.rules, strict=True))
                 if r == "individual" and (h in read or rule.role != "professional")]
        x_pro.append(public.x[plain])
        y_pro += [read.get(public.handles[i], "person") for i in plain]
    heads[PRO_HEAD] = train_head(PRO_HEAD, np.vstack(x_pro), y_pro, ("person", "professional"), c=C, meta=meta)
    for role, name in SUBTYPE_HEADS.items():
        keep = [i for i, r in enumerate(ours.roles) if r == role]
        classes = SUBTYPES[role]
        labels = [ours.subtypes[i] or ("unspecified" if role == "professional" else "public") for i in keep]
        heads[name] = train_head(name, ours.x[keep], labels, classes, c=C, meta=meta)
    return heads


def main() -> None:
    ours = Profiles.of(our_profiles())
    public = Profiles.of(public_for_training(read_humanizr()))
    individuals = individual_labels("train")
    meta = {"trained_on": f"{len(ours.roles)} of our labelled profiles; {len(public.roles)} Humanizr bios "
                          f"({HUMANIZR_REPO}@{HUMANIZR_COMMIT[:12]}), {len(individuals)} of whose individuals "
                          "readers labelled professional or person", "c": C}
    for name, head in train(ours, public, meta, individuals).items():
        path = MODEL_DIR / f"{name}.npz"
        save_head(head, path)
        digest = hashlib.sha256(head.weights.tobytes() + head.bias.tobytes()).hexdigest()[:16]
        print(f"wrote {path.relative_to(ROOT)} ({head.dims} features x {len(head.classes)} classes, "
              f"weights sha256 {digest})")


if __name__ == "__main__":
    main()
