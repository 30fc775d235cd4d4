"""Labelled profiles for training the roles model, written from our own parts lists (seeded, so the
same every run): UK and US/international health and care job titles, organisations of every kind,
and people who are not professionals. The held-out set (bench/validity/data/bios_holdout.csv) was
written separately, by hand, in a different voice, and is never used here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PLACES = ["Ashworth", "Brackley", "Calderbrook", "Dunmere", "Eastmoor", "Fenwick", "Glenholm", "Harrowgate",
          "Ironbridge", "Kelsall", "Larkfield", "Millbrook", "Northwold", "Oakhampton", "Pendle Vale", "Queensferry",
          "Redcliffe", "Stanmoor", "Thornleigh", "Upperby", "Westerhope", "Yarrow", "Alderney Cross", "Blackwater",
          "Cotswold Edge", "Dovercourt", "Elmswell", "Fairhaven", "Greywell", "Hartside", "Springfield", "Riverside",
          "Maple County", "Lakewood", "Cedar Falls", "Brookhaven", "Glasgow", "Cardiff", "Belfast", "Leeds"]
FIRST = ["Amy", "Ben", "Chloe", "Dan", "Ella", "Femi", "Grace", "Harry", "Isla", "Jack", "Kiran", "Lily", "Mo",
         "Nia", "Owen", "Priya", "Quinn", "Rosie", "Sam", "Tariq", "Uma", "Vic", "Will", "Yasmin", "Zoe", "Aled",
         "Bronwen", "Callum", "Deepa", "Eilidh", "Fraser", "Gemma", "Hamza", "Imogen", "Josh", "Kate", "Leon",
         "Maria", "Niamh", "Olu", "Pat", "Rachel", "Sinead", "Tom", "Ursula", "Wes", "Xin", "Yusuf", "Jordan",
         "Tyler", "Madison", "Carlos", "Mei", "Ahmed", "Sofia", "Lucas", "Hana", "Raj", "Kemi", "Bridget"]
LAST = ["Adams", "Bello", "Campbell", "Davies", "Evans", "Fitzgerald", "Gupta", "Hughes", "Iqbal", "Jones",
        "Khan", "Lewis", "Murphy", "Nowak", "Okafor", "Patel", "Quigley", "Roberts", "Singh", "Thomas", "Walsh",
        "Young", "Zhang", "Garcia", "Nguyen", "Kowalski", "O'Brien", "MacLeod", "Price", "Morgan"]
HOBBIES = ["Runner", "Tea lover", "Coffee first", "Dog mum", "Cat dad", "Parkrunner", "Gardener", "Bookworm",
           "Rugby fan", "Cyclist", "Wild swimmer", "Baker", "Knitter", "Gamer", "Foodie", "Hillwalker", "Mum of two",
           "Dad of three", "Netball", "Football", "Live music", "Crossword addict", "Yoga", "Travel", "Films",
           "Cricket", "Photography", "Sea swimming", "Choir", "Climbing"]
PERSONAL = ["Views my own", "Opinions mine", "Tweets are my own", "she/her", "he/him", "they/them",
            "RT ≠ endorsement", "Personal account", "", "", "", ""]
ROLE_TEMPLATES = ["{title} {where}.", "{title}. {hobby}.", "{title} {where}. {personal}",
                  "{title} | {hobby} | {personal}",
                  "{title}, {where}. {hobby}. {personal}", "{hobby}. {title} {where}.", "{title} 🩺 {hobby}",
                  "Proud {title_l} {where}. {personal}", "{title} for {years} years. {hobby}.",
                  "{title}. Passionate about {passion}. {personal}", "I'm a {title_l} {where}. {hobby}.",
                  "{title} • {passion} • {hobby}"]
YEARS = ["5", "10", "12", "20", "25", "30"]


@dataclass(frozen=True)
class Kind:
    role: str
    subtype: str
    sector: str
    titles: tuple[str, ...]
    wheres: tuple[str, ...] = ("",)
    passions: tuple[str, ...] = ("good care",)
    suffixes: tuple[str, ...] = ()


PROFESSIONALS = [
    Kind("professional", "nurse", "health",
         ("Staff nurse", "Registered nurse", "RN", "RGN", "RMN", "Band 5 nurse", "Band 6 nurse", "Band 7 sister",
          "Charge nurse", "Ward sister", "District nurse", "Practice nurse", "School nurse", "ICU nurse", "ER nurse",
          "Pediatric nurse", "Peds RN", "NICU nurse", "Oncology nurse", "Nurse practitioner", "ANP", "FNP-C",
          "Clinical nurse specialist", "Theatre nurse", "Scrub nurse", "Mental health nurse", "LD nurse",
          "Community nurse", "Health visitor", "Nursing associate", "Chief nurse", "Matron", "Tissue viability nurse",
          "BSN, RN", "MSN, APRN", "Travel nurse", "Hospice nurse", "Dialysis nurse", "Nurse consultant", "Band 6",
          "Band 7", "LPN", "CRNA", "Flight nurse"),
         ("on a surgical ward", "in A&E", "in the community", "in ICU", "at a children's hospital", "in primary care",
          "in the NHS", "on nights", "in oncology", "in a GP surgery", "in critical care", ""),
         ("patient safety", "nursing", "compassionate care", "end of life care", "infection control"),
         ("RN", "BSN, RN", "RGN", "RMN", "MSN", "NP-C")),
    Kind("professional", "midwife", "health",
         ("Midwife", "Community midwife", "RM", "Labour ward midwife", "Specialist midwife", "Consultant midwife",
          "Certified nurse midwife", "CNM", "Birth centre midwife", "Bereavement midwife", "Midwifery manager"),
         ("in a birth centre", "on labour ward", "in the community", "in the NHS", ""),
         ("normal birth", "continuity of carer", "perinatal mental health")),
    Kind("professional", "doctor", "health",
         ("GP", "GP partner", "Salaried GP", "Consultant physician", "Consultant surgeon", "FY1 doctor", "FY2",
          "Registrar", "SpR", "ST3 in anaesthetics", "Anesthesiology Resident", "Anesthesiologist", "Peds Nephrologist",
          "Pediatrician", "Paediatric registrar", "Hospitalist", "Internist", "Cardiologist", "MD MSc", "MD, MPH",
          "MBBS MRCP", "MBChB FRCP", "Psychiatrist", "Emergency physician", "EM doc", "Oncologist", "Neurologist",
          "Geriatrician", "Intensivist", "Surgical resident", "PGY-2 internal medicine", "Family physician",
          "Junior doctor", "Resident doctor", "Obstetrician", "Radiologist", "Palliative care doctor", "DO",
          "Infectious diseases physician", "Nephrology fellow"),
         ("in London", "at an academic medical center", "in a district general hospital", "in rural practice",
          "in the NHS", "in Toronto", "in Boston", "in Sydney", ""),
         ("medical education", "health equity", "evidence-based medicine", "global health"),
         ("MD", "MD, PhD", "MBBS", "DO", "FRCP", "MRCGP")),
    Kind("professional", "social_worker", "social_care",
         ("Social worker", "SW", "Children's social worker", "Adult social worker", "AMHP", "Senior practitioner",
          "Social work team manager", "Practice educator", "LCSW", "MSW", "Child protection social worker",
          "Hospital social worker", "Approved mental health professional", "Principal social worker",
          "Independent reviewing officer", "Family support worker"),
         ("in a safeguarding team", "in a local authority", "in adult services", "in fostering", "in a CAMHS team", ""),
         ("social justice", "relationship-based practice", "care leavers", "strengths-based practice"),
         ("LCSW", "MSW", "SW")),
    Kind("professional", "ahp", "health",
         ("OT", "Occupational therapist", "Physio", "Physiotherapist", "Physical therapist", "DPT", "SLT",
          "Speech and language therapist", "SLP", "Dietitian", "Radiographer", "Sonographer", "Podiatrist",
          "Orthoptist", "Paramedic practitioner", "Art therapist", "Operating department practitioner", "ODP",
          "Respiratory therapist", "Prosthetist", "Audiologist", "Music therapist"),
         ("in community rehab", "in stroke services", "in MSK", "in paediatrics", "in the NHS", ""),
         ("rehab", "independence", "AHPs", "movement")),
    Kind("professional", "paramedic", "fire_ambulance",
         ("Paramedic", "Specialist paramedic", "Critical care paramedic", "EMT", "EMT-B", "Emergency care assistant",
          "Ambulance technician", "Student paramedic", "Emergency medical dispatcher", "Advanced paramedic"),
         ("with the ambulance service", "on the road", "in HEMS", "in urgent care", ""),
         ("pre-hospital care", "resus", "mental health in emergencies")),
    Kind("professional", "care_worker", "social_care",
         ("Care worker", "Carer at a care home", "Support worker", "Senior carer", "Healthcare assistant", "HCA",
          "CNA", "Home care worker", "Personal assistant", "Care assistant", "Domiciliary carer",
          "Activities coordinator",
          "Night carer", "Team leader at a care home", "Home health aide", "Direct support professional"),
         ("in a care home", "for a home care agency", "in supported living", "in a nursing home", "on nights", ""),
         ("person-centred care", "dementia care", "dignity")),
    Kind("professional", "manager", "health",
         ("Ward manager", "Practice manager", "Service manager", "Head of nursing", "Director of nursing",
          "Deputy chief nurse", "Operations manager", "Clinical director", "Hospital administrator", "NHS manager",
          "Chief executive of an NHS trust", "Head of quality"),
         ("in the NHS", "at a district general hospital", "in primary care", ""),
         ("leadership", "quality improvement")),
    Kind("professional", "manager", "social_care",
         ("Registered manager", "Care home manager", "Head of adult social care", "Director of children's services",
          "Deputy manager at a care home", "Care agency manager", "Nursing home administrator"),
         ("in social care", "in domiciliary care", "", "in Kent"), ("leadership", "the care workforce")),
    Kind("professional", "researcher", "academic",
         ("Nurse researcher", "Health services researcher", "Senior lecturer in nursing", "Professor of social work",
          "Epidemiologist", "Postdoc in public health", "PhD candidate", "Health economist", "Research fellow",
          "Clinical academic", "Associate professor of medicine", "Lecturer in midwifery", "Research nurse",
          "Implementation scientist", "Biostatistician"),
         ("at a university", "at a research institute", "in London", ""),
         ("health inequalities", "patient safety research", "ageing", "mixed methods")),
    Kind("professional", "student", "health",
         ("Student nurse", "Nursing student", "Medical student", "Med student", "MS3", "Student midwife",
          "OT student", "Physio student", "Pre-med", "Nursing associate apprentice", "Third year student nurse",
          "SN", "Student dietitian", "Final year medic"),
         ("on placement", "in second year", "at uni", ""), ("learning", "future nursing")),
    Kind("professional", "student", "social_care",
         ("Student social worker", "Social work student", "MSW student", "Social work apprentice"),
         ("on placement", "in final year", ""), ("social justice", "learning")),
    Kind("professional", "police_officer", "police_justice",
         ("Police officer", "PC", "Police sergeant", "Detective constable", "PCSO", "Response officer",
          "Neighbourhood officer", "Probation officer", "Prison officer"),
         ("in the Met", "in a response team", "in the town centre", ""), ("keeping people safe",)),
]
OTHER_PROS = [
    Kind("professional", "", "health", ("Pharmacist", "Community pharmacist", "Pharmacy technician", "Dentist",
                                        "Dental nurse", "Clinical psychologist", "Counsellor", "Optometrist",
                                        "GP receptionist", "Medical secretary", "Phlebotomist",
                                        "Porter at the hospital",
                                        "Psychotherapist", "Health coach", "Public health practitioner"),
         ("in the NHS", "at the local hospital", ""), ("wellbeing",)),
    # teachers are professionals in the education sector, as in our labelled sets ("Primary school teacher")
    Kind("professional", "", "education", ("Teacher", "Primary school teacher", "Secondary school teacher",
                                           "Teaching assistant", "Headteacher", "SENCo", "Retired teacher"),
         ("at a primary school", "in a secondary school", ""), ("SEND", "early years")),
]
PERSONS = [
    Kind("person", "patient", "health",
         ("Living with type 1 diabetes", "Kidney transplant recipient", "Cancer survivor", "Living with MS",
          "Long covid since 2020", "Chronic pain warrior", "Lived experience of mental illness", "Service user",
          "Expert by experience", "Patient advocate", "Living with bipolar", "ME/CFS", "Stroke survivor",
          "Heart patient", "Autistic and ADHD", "Living with Crohn's", "Spoonie", "Wheelchair user",
          "Living with HIV", "Recovering from an eating disorder", "Sickle cell warrior", "Ostomate",
          "Endometriosis", "Epilepsy", "Lupus", "Dialysis patient"), ("",),
         ("patient voice", "disability rights", "better services")),
    Kind("person", "carer", "social_care",
         ("Unpaid carer for my mum", "Carer for my husband with dementia", "Parent carer", "Young carer",
          "Full-time carer to my son", "Looking after my dad", "Caring for my wife",
          "Mum and carer to an autistic teen",
          "Kinship carer", "Foster carer", "Sandwich carer", "Caring for my partner with MND"), ("",),
         ("carers' rights", "SEND", "respite")),
]
PUBLIC_TITLES = ("Mum of three", "Dad", "Grandad", "Football fan", "Accountant", "Software developer",
                 "Marketing manager", "Lawyer", "Electrician", "Plumber", "Student", "Retired", "Musician", "Writer",
                 "Photographer", "Chef", "Barista", "Estate agent", "Shop owner", "Artist", "Engineer", "Farmer",
                 "Gamer", "Podcast addict", "Traveller", "Bus driver", "Hairdresser", "Designer", "Data analyst",
                 "Daughter of a nurse", "Married to a doctor", "Not a doctor", "Wife of a paramedic", "Son of a GP",
                 "Just a bloke", "Proud nan", "Volunteer", "Politics junkie", "Sports fan", "Runner", "Cat lover")
PUBLIC = Kind("person", "public", "unknown", PUBLIC_TITLES, ("",), ("football", "music", "family", "politics"))

ORG_KINDS = [
    ("nhs_trust", "health", ("{p} Hospitals NHS Foundation Trust", "{p} University Hospitals", "NHS {p} ICB",
                             "{p} Community Health NHS Trust", "{p} Mental Health NHS Trust", "{p} General Hospital",
                             "{p} Health Board", "{p} Royal Infirmary", "{p} Medical Center", "{p} Health System",
                             "{p} Children's Hospital"),
     ("Official account of {n}.", "News, jobs and updates from {n}.", "Not monitored 24/7. In an emergency call 999.",
      "Caring for {k} people across {p}.", "Visiting times, services and news. Follow us for updates.",
      "Proud to be part of the NHS. We're hiring!", "Serving the {p} community since 1948.")),
    ("nhs_trust", "fire_ambulance", ("{p} Ambulance Service", "{p} Ambulance Service NHS Trust"),
     ("Only call 999 in a life-threatening emergency.", "Emergency and urgent care across {p}. Not monitored 24/7.")),
    ("council", "local_government", ("{p} County Council", "{p} Borough Council", "{p} City Council",
                                     "{p} District Council", "{p} Town Council", "{p} Council"),
     ("News and updates from {n}.", "Monitored Mon-Fri 9am-5pm. Report it online.",
      "Bins, roads, libraries and more for {p} residents.", "Official account of {n}. We reply weekdays.")),
    ("council", "social_care", ("{p} Adult Social Care", "{p} Children's Services", "{p} Social Services"),
     ("Care and support for adults in {p}. Part of {p} Council.", "Fostering, adoption and family help in {p}.",
      "Worried about an adult or child? Contact our safeguarding team.")),
    ("charity", "voluntary", ("{p} Carers Centre", "Mind in {p}", "{p} Hospice", "{p} Foodbank", "Age Concern {p}",
                              "Friends of {p} Hospital", "{p} Young Carers", "{p} Dementia Support", "Hope for {p}",
                              "{p} Community Trust", "{p} Women's Aid"),
     ("Registered charity no. {num}.", "Supporting people in {p} since 1990. Donate today.",
      "We help unpaid carers across {p}. Get in touch.", "Charity supporting families. Volunteer with us!",
      "Free, confidential support. Call our helpline.")),
    ("regulator", "health", ("{p} Medical Council", "Royal College of {spec}", "{spec} Council",
                             "Nursing and Midwifery Council", "General Medical Council", "Care Quality Commission",
                             "Health and Care Professions Council", "State Board of Nursing"),
     ("We regulate {spec_l} in the UK.", "Independent regulator of health and social care.",
      "Professional body for {spec_l}. Standards, guidance and revalidation.", "Protecting the public.")),
    ("regulator", "social_care", ("Social Work England", "Care Inspectorate", "Social Care Wales", "{p} Care Council"),
     ("Regulator for social workers.", "Scrutiny and improvement body for social care.")),
    ("media", "media", ("{p} Gazette", "{p} Evening News", "Health Service Journal", "Nursing Standard",
                        "Care Home News",
                        "{p} Radio", "The {p} Post", "Community Care", "Pulse Today", "{p} Health News", "{p} TV"),
     ("News for {p}. Send us your stories.", "The latest health and care news and analysis.",
      "Breaking news, sport and weather.", "Magazine for {spec_l}. Subscribe today.", "Listen live on 95.1FM.")),
    ("police", "police_justice", ("{p} Police", "{p} Constabulary", "{p} Police Department", "HMP {p}"),
     ("Not monitored 24/7. Report crime online or call 101.", "Keeping {p} safe. In an emergency dial 999.")),
    ("gp_practice", "health", ("{p} Surgery", "{p} Medical Practice", "{p} Health Centre", "{p} Family Practice",
                               "{p} Primary Care Network", "{p} Medical Group"),
     ("GP practice serving {p}. Please do not post medical questions.", "Updates for our patients. Flu clinics open.",
      "Book appointments via the NHS App.")),
    ("care_provider", "social_care", ("{p} Care Home", "{p} Nursing Home", "{p} Home Care", "{p} Lodge",
                                      "{p} Supported Living", "{p} Senior Living", "{p} Care Ltd"),
     ("Residential and dementia care for {k2} residents.", "Home care in {p}. We're recruiting care workers!",
      "Rated Good by CQC.", "Supported living for adults with learning disabilities.")),
    ("university", "academic", ("University of {p}", "{p} School of Nursing", "{p} Medical School", "{p} College"),
     ("Teaching and research in health and social care.", "Official account of {n}. Open days now booking.")),
    ("government", "government", ("Department of Health and Social Care", "NHS England", "{p} Public Health",
                                  "UK Health Security Agency", "Scottish Government Health", "Office for {spec}"),
     ("Official government account.", "Updates on health policy and guidance.")),
    ("other_org", "business", ("{p} Digital Health Ltd", "{p} Pharma", "{p} Recruitment", "{p} Tech",
                               "{p} Medical Supplies"),
     ("Software for care providers. Book a demo.", "Healthcare recruitment specialists. Apply now.",
      "We make {spec_l} easier. Contact us.")),
    ("other_org", "housing", ("{p} Housing", "{p} Homes", "{p} Housing Association"),
     ("Affordable homes for {k} people across {p}.", "Housing association. Report a repair online.")),
    ("other_org", "fire_ambulance", ("{p} Fire & Rescue", "{p} Fire and Rescue Service"),
     ("Keeping {p} safe. Book a free home fire safety check.",)),
    ("other_org", "health", ("UNISON {p} Health", "{p} Nurses Union", "{p} Healthwatch"),
     ("The union for health and care workers. Join us.", "Your independent champion for health and care.")),
]
SPECIALITIES = ["Nursing", "Midwifery", "Physicians", "Psychiatrists", "Occupational Therapists", "Paramedics",
                "General Practitioners", "Social Work"]


def _person_name(rng: random.Random, titled: str = "") -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    style = rng.randrange(6)
    name = [first, f"{first} {last}", f"{titled}{first} {last}".strip(), f"{first} {last[0]}", first.lower(),
            f"{first} 🌈"][style]
    handle = [f"{first}{last}", f"{first.lower()}_{last.lower()}", f"{first}{rng.randrange(10, 99)}",
              f"{first[0]}{last}", f"{first.lower()}{last.lower()[:3]}"][rng.randrange(5)]
    return name, handle


def _role_bio(rng: random.Random, kind: Kind) -> str:
    title = rng.choice(kind.titles)
    template = rng.choice(ROLE_TEMPLATES)
    bio = template.format(title=title, title_l=title if title.isupper() else title[0].lower() + title[1:],
                          where=rng.choice(kind.wheres), hobby=rng.choice(HOBBIES), personal=rng.choice(PERSONAL),
                          passion=rng.choice(kind.passions), years=rng.choice(YEARS))
    return " ".join(bio.replace(" .", ".").replace("..", ".").split())


def _handle_from(name: str) -> str:
    return "".join(w for w in name.replace("&", "and").replace("'", "").split() if w.isalnum())[:15]


def generate(seed: int = 17, per_kind: int = 60) -> list[dict[str, str]]:
    """Rows of handle, display_name, bio, role, subtype, sector; the same rows for the same seed."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for kind in PROFESSIONALS + OTHER_PROS + PERSONS:
        for _ in range(per_kind):
            titled = "Dr " if kind.subtype == "doctor" and rng.random() < 0.3 else ""
            name, handle = _person_name(rng, titled)
            if rng.random() < 0.2:  # the title in the handle or name, not the bio
                short = rng.choice(kind.titles).split(",")[0].replace(" ", "")
                handle = f"{short}{rng.choice(FIRST)}"[:15]
            if kind.suffixes and rng.random() < 0.25:
                name = f"{name}, {rng.choice(kind.suffixes)}"
            rows.append({"handle": handle.replace("'", ""), "display_name": name, "bio": _role_bio(rng, kind),
                         "role": kind.role, "subtype": kind.subtype, "sector": kind.sector})
    for _ in range(per_kind * 4):
        name, handle = _person_name(rng)
        parts = [*rng.sample(PUBLIC_TITLES, 2), rng.choice(HOBBIES), rng.choice(PERSONAL)]
        bio = rng.choice([". ".join(parts[:2]) + ".", " | ".join(parts[:3]), f"{parts[0]}. {parts[2]}. {parts[3]}",
                          f"{parts[2]}, {parts[0].lower()}, {parts[1].lower()}."])
        rows.append({"handle": handle, "display_name": name, "bio": " ".join(bio.split()), "role": "person",
                     "subtype": "public", "sector": "unknown"})
    for subtype, sector, names, bios in ORG_KINDS:
        for _ in range(per_kind if len(names) > 3 else per_kind // 2):
            place, spec = rng.choice(PLACES), rng.choice(SPECIALITIES)
            values = {"p": place, "spec": spec, "spec_l": spec.lower(), "k": f"{rng.randrange(2, 99) * 10_000:,}",
                      "k2": str(rng.randrange(20, 90)), "num": str(rng.randrange(1_000_000, 1_199_999))}
            name = rng.choice(names).format(**values)
            values["n"] = name
            bio = " ".join(rng.sample(bios, min(len(bios), rng.choice((1, 2))))).format(**values)
            handle = _handle_from(name) if rng.random() < 0.7 else f"{place.replace(' ', '')}{subtype[:3].upper()}"
            rows.append({"handle": handle, "display_name": name, "bio": bio, "role": "organisation",
                         "subtype": subtype, "sector": sector})
    rows += _name_only(rng, per_kind)
    return rows


def _name_only(rng: random.Random, per_kind: int) -> list[dict[str, str]]:
    """Profiles with no bio: staff whose title is in the handle or name ("Jas_RN", "Dr James White",
    "Nurse Amy"), and people with a plain name."""
    rows: list[dict[str, str]] = []
    for _ in range(per_kind * 2):
        kind = rng.choice(PROFESSIONALS)
        title = rng.choice([t for t in kind.titles if len(t) <= 12] or list(kind.titles)).split(",")[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        short = title.replace(" ", "")
        handle, name = rng.choice([(f"{first}_{short}", f"{first} {last}"), (f"{short}{first}", first),
                                   (f"{first}{last[0]}{short}", f"{first} {last[0]}"),
                                   (f"{first}{last}", f"{title} {first}"), (f"{first.lower()}{last.lower()}",
                                                                           f"{first} {last}, {short}")])
        rows.append({"handle": handle[:15], "display_name": name, "bio": "", "role": "professional",
                     "subtype": kind.subtype, "sector": kind.sector})
    for _ in range(per_kind * 2):
        name, handle = _person_name(rng)
        rows.append({"handle": handle, "display_name": name, "bio": "", "role": "person", "subtype": "public",
                     "sector": "unknown"})
    return rows
