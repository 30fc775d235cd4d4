"""The cast: every account in the synthetic conversation, with its true role, sector and behaviour.

Account numbers grow sub-linearly with posts (about 300 at 20k posts, about 50k at 10M).
Organisations come in groups (a trust's corporate account plus its services) with one
style each: broadcasting, conversing or dormant. A few brokers link sectors; a few
professionals answer almost every mention within the hour.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sociable.simulate import bios, names

PRO_MIX: tuple[tuple[str, float], ...] = (
    ("nurse", 24), ("doctor", 10), ("midwife", 6), ("social_worker", 14), ("ahp", 9), ("paramedic", 5),
    ("care_worker", 10), ("manager", 8), ("researcher", 6), ("student", 6), ("police_officer", 4),
)
PERSON_MIX: tuple[tuple[str, float], ...] = (("patient", 40), ("carer", 35), ("public", 25))
PRO_SECTOR: dict[str, str] = {
    "nurse": "health", "midwife": "health", "doctor": "health", "ahp": "health", "paramedic": "fire_ambulance",
    "social_worker": "social_care", "care_worker": "social_care", "researcher": "academic", "student": "education",
    "police_officer": "police_justice",
}
PERSON_SECTOR: dict[str, str] = {"patient": "health", "carer": "social_care", "public": "unknown"}
PUBLIC_HOMES: tuple[tuple[str, float], ...] = (
    ("health", 50), ("local_government", 25), ("social_care", 15), ("police_justice", 10),
)
SERVICES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "nhs_trust": (("Maternity Services", "Maternity", "health"), ("Careers", "Jobs", "health"),
                  ("Nursing", "Nurses", "health"), ("Research", "Research", "health")),
    "council": (("Adult Social Care", "ASC", "social_care"), ("Public Health", "PubHealth", "local_government"),
                ("Housing Options", "Housing", "housing")),
    "charity": (("Volunteers", "Vols", "voluntary"),),
}
# Where each kind of professional works: organisation subtypes, and the sectors those must be in.
EMPLOYERS: dict[str, tuple[str, ...]] = {
    "nurse": ("nhs_trust", "gp_practice"), "midwife": ("nhs_trust",), "doctor": ("nhs_trust", "gp_practice"),
    "ahp": ("nhs_trust",), "paramedic": ("nhs_trust",), "social_worker": ("council",),
    "care_worker": ("care_provider", "council"), "manager": ("nhs_trust", "council", "care_provider"),
    "researcher": ("university",), "student": ("university",), "police_officer": ("police",),
}
SECTORS_OF: dict[str, tuple[str, ...]] = {
    "nurse": ("health",), "midwife": ("health",), "doctor": ("health",), "ahp": ("health",),
    "paramedic": ("fire_ambulance",), "social_worker": ("social_care", "local_government"),
    "care_worker": ("social_care",), "manager": ("health", "social_care"), "researcher": ("academic", "education"),
    "student": ("academic", "education"), "police_officer": ("police_justice",),
}
STYLE_WEIGHTS: tuple[tuple[str, float], ...] = (("broadcaster", 72), ("converser", 16), ("dormant", 12))
CHAT_HOST_HANDLE = "WeCareTalk"
# The first local organisations of every run, as (style, index into names.ORG_KINDS): a conversing
# trust and council, broadcasting trust, adult social care and carers' charity, and a dormant surgery.
ANCHOR_GROUPS: tuple[tuple[str, int | None], ...] = (
    ("converser", 0), ("converser", 6), ("broadcaster", 0), ("broadcaster", 7), ("broadcaster", 9), ("dormant", 4),
)


@dataclass(slots=True)
class Member:
    """One account: its public profile and what is true about it."""

    index: int
    user_id: int
    handle: str
    name: str
    bio: str
    bio_kind: str
    location: str
    url: str | None
    role: str
    subtype: str
    sector: str
    home: str  # the sector it mostly talks within
    behaviour: str
    org: str | None
    followers: int
    following: int
    created_at: datetime
    verified: bool
    activity: float
    client: int


@dataclass(slots=True)
class OrgGroup:
    """An organisation as a set of accounts (corporate first) and how it uses social media."""

    name: str
    subtype: str
    sector: str
    style: str
    place: str
    members: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Cast:
    members: list[Member]
    groups: list[OrgGroup]
    by_handle: dict[str, int]

    def of(self, role: str | None = None, subtype: str | None = None, behaviour: str | None = None) -> list[int]:
        """Indices of members matching every given attribute."""
        return [
            m.index for m in self.members
            if (role is None or m.role == role) and (subtype is None or m.subtype == subtype)
            and (behaviour is None or m.behaviour == behaviour)
        ]


def account_count(posts: int) -> int:
    """How many accounts a run of `posts` posts has: ~300 at 20k, ~50k at 10M, never fewer than 120."""
    return max(120, round(300 * (posts / 20000) ** 0.82))


def weighted_kind(rng: random.Random) -> tuple[str, str, str, str, float]:
    return rng.choices(names.ORG_KINDS, [k[4] for k in names.ORG_KINDS])[0]


def weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


class CastBuilder:
    """Builds the cast deterministically from one random generator."""

    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng = rng
        self.start = start
        self.members: list[Member] = []
        self.groups: list[OrgGroup] = []
        self.by_handle: dict[str, int] = {}
        self.places = list(names.ANCHOR_PLACES)
        self.used_names: set[str] = set()
        self.next_place = 0

    def unique_handle(self, handle: str) -> str:
        base = handle[:15] or "user"
        candidate, n = base, 1
        while candidate.lower() in self.by_handle:
            n += 1
            suffix = str(n)
            candidate = base[: 15 - len(suffix)] + suffix
        return candidate

    def user_id(self, created: datetime) -> int:
        ms = int(created.timestamp() * 1000)
        if created.year < 2014:  # sequential ids before Twitter moved user ids to snowflakes
            return 10_000_000 + (ms - 1_230_768_000_000) // 60 + self.rng.randrange(1000)
        return ((ms - 1288834974657) << 22) | (self.rng.getrandbits(22))

    def add(self, *, handle: str, name: str, role: str, subtype: str, sector: str, behaviour: str,
            bio: tuple[str, str], place: str, org: str | None = None, home: str | None = None,
            activity: float = 1.0, reach: float = 5.5) -> int:
        rng = self.rng
        handle = self.unique_handle(handle)
        created = datetime(rng.randint(2009, 2021), rng.randint(1, 12), rng.randint(1, 28),
                           rng.randrange(24), rng.randrange(60), rng.randrange(60), tzinfo=UTC)
        created = min(created, self.start)
        followers = int(math.exp(rng.gauss(reach, 1.0)))
        location = rng.choice((place, f"{place}, England", "North of England", "UK", "", place))
        member = Member(
            index=len(self.members), user_id=self.user_id(created), handle=handle, name=name[:50],
            bio=bio[0][:160], bio_kind=bio[1], location=location, url=None, role=role, subtype=subtype,
            sector=sector, home=home or (sector if sector != "unknown" else "health"), behaviour=behaviour,
            org=org, followers=followers, following=int(followers * rng.uniform(0.1, 1.5)) + rng.randrange(50),
            created_at=created, verified=role == "organisation" and followers > 8000,
            activity=activity * math.exp(rng.gauss(0.0, 0.9)), client=rng.randrange(4),
        )
        if role == "organisation":
            member.url = f"https://www.{handle.lower()}.example.uk"
        self.members.append(member)
        self.by_handle[handle.lower()] = member.index
        return member.index

    def place(self) -> str:
        if self.next_place < len(self.places):
            self.next_place += 1
            return self.places[self.next_place - 1]
        return self.rng.choice(names.PLACE_HEADS) + self.rng.choice(names.PLACE_TAILS)

    def org_group(self, style: str, kind: int | None = None) -> OrgGroup | None:
        rng = self.rng
        for _ in range(40):
            choice = names.ORG_KINDS[kind] if kind is not None else weighted_kind(rng)
            subtype, sector, pattern, hpattern, _w = choice
            place = self.place()
            org = pattern.format(place=place)
            if org not in self.used_names:
                break
        else:
            return None
        self.used_names.add(org)
        group = OrgGroup(org, subtype, sector, style, place)
        short = place.replace(" ", "")[:9]
        activity = {"broadcaster": 2.5, "converser": 2.0, "dormant": 0.03}[style]
        corporate = self.add(
            handle=hpattern.format(p=short), name=org, role="organisation", subtype=subtype, sector=sector,
            behaviour=style, bio=bios.write_bio(rng, "organisation", subtype, org, "", place), place=place, org=org,
            activity=activity, reach=8.3,
        )
        group.members.append(corporate)
        services = SERVICES.get(subtype, ()) if style != "dormant" and sector != "fire_ambulance" else ()
        for service, tag, service_sector in rng.sample(services, rng.randint(0, len(services))):
            group.members.append(self.add(
                handle=f"{short}{tag}", name=f"{org.split(' NHS')[0]} {service}", role="organisation",
                subtype=subtype, sector=service_sector, behaviour=style, bio=(bios.service_bio(service, org), "clear"),
                place=place, org=org, activity=activity * 0.6, reach=7.0,
            ))
        self.groups.append(group)
        return group

    def national(self) -> None:
        for subtype, sector, org, handle in names.NATIONAL_ORGS:
            group = OrgGroup(org, subtype, sector, "broadcaster", "UK")
            bio = bios.write_bio(self.rng, "organisation", subtype, org, "", "England")
            group.members.append(self.add(
                handle=handle, name=org, role="organisation", subtype=subtype, sector=sector,
                behaviour="broadcaster", bio=bio if bio[1] != "empty" else (bio[0] or org, "clear"),
                place="UK", org=org, activity=1.5, reach=9.5,
            ))
            self.groups.append(group)
        self.add(
            handle=CHAT_HOST_HANDLE, name="We Care Talk 💬", role="organisation", subtype="other_org",
            sector="voluntary", behaviour="chat_host", place="UK", activity=0.3, reach=8.0,
            bio=("Weekly chat for everyone in health and social care. Wednesdays 7pm UK time, "
                 "#WeCareTalk. Run by volunteers.", "clear"),
        )

    def person(self, role: str, subtype: str, behaviour: str, employer: OrgGroup | None) -> int:
        rng = self.rng
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.SURNAMES)
        place = employer.place if employer else rng.choice(names.ANCHOR_PLACES)
        org = employer.name if employer else "the local trust"
        orgh = self.members[employer.members[0]].handle if employer else "LocalNHS"
        bio = bios.write_bio(rng, role, subtype, org, orgh, place)
        if behaviour == "broker":
            bio = (rng.choice(BROKER_BIOS).format(place=place), "clear")
        if role == "professional":
            works_in_health = employer is not None and employer.sector == "health"
            sector = PRO_SECTOR.get(subtype) or ("health" if works_in_health else "social_care")
            home = sector
        else:
            sector = PERSON_SECTOR[subtype]
            home = weighted(rng, PUBLIC_HOMES) if subtype == "public" else sector
        activity = {"broker": 2.0, "converser": 1.4}.get(behaviour, 1.0) * (1.0 if role == "professional" else 0.6)
        return self.add(
            handle=bios.handle_for(rng, subtype, first, last), name=bios.display_name(rng, subtype, first, last),
            role=role, subtype=subtype, sector=sector, behaviour=behaviour, bio=bio, place=place, home=home,
            activity=activity, reach=6.0 if role == "professional" else 5.0,
        )


BROKER_BIOS: tuple[str, ...] = (
    "Social prescribing link worker in {place}: connecting GP practices, council services and community groups.",
    "Integrated care lead, {place}. Health, social care, housing and the voluntary sector in one room.",
    "Carers' champion working across the NHS, council and charities in {place}. Views mine.",
    "Hospital discharge coordinator - bridging wards, social work, housing and home care in {place}.",
    "Mental health street triage: police, paramedics and NHS working together in {place}.",
)


def build_cast(rng: random.Random, posts: int, start: datetime) -> Cast:
    """Every account of a run, deterministically from `rng`."""
    total = account_count(posts)
    builder = CastBuilder(rng, start)
    builder.national()
    while len(builder.members) < total * 0.16:
        made = len(builder.groups) - len(names.NATIONAL_ORGS)
        style, kind = ANCHOR_GROUPS[made] if made < len(ANCHOR_GROUPS) else (weighted(rng, STYLE_WEIGHTS), None)
        if builder.org_group(style, kind) is None:
            break
    local = [g for g in builder.groups if g.subtype not in ("regulator", "government", "media")] or builder.groups
    employers = {
        kind: [g for g in local if g.subtype in kinds and g.sector in SECTORS_OF[kind]]
        or [g for g in local if g.subtype in kinds] or local
        for kind, kinds in EMPLOYERS.items()
    }
    brokers = max(3, min(250, round(total * 0.015)))
    while len(builder.members) < total:
        if brokers > 0:
            brokers -= 1
            subtype = rng.choice(("social_worker", "manager", "ahp", "nurse"))
            builder.person("professional", subtype, "broker", rng.choice(employers[subtype]))
        elif rng.random() < 0.6:
            subtype = weighted(rng, PRO_MIX)
            behaviour = "converser" if rng.random() < 0.12 else "regular"
            builder.person("professional", subtype, behaviour, rng.choice(employers[subtype]))
        else:
            builder.person("person", weighted(rng, PERSON_MIX), "regular", rng.choice(local))
    return Cast(builder.members, builder.groups, builder.by_handle)
