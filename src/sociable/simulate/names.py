"""Invented names: places, people and organisation patterns for the synthetic conversation.

Every place and organisation is made up; people's names are common first names and
surnames combined at random, so no combination refers to a real person.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Aisha", "Alan", "Amara", "Amy", "Andrew", "Anita", "Ben", "Beth", "Bilal", "Carol", "Chloe", "Chris",
    "Claire", "Dan", "Dawn", "Debbie", "Dev", "Ellie", "Emma", "Eve", "Fatima", "Fiona", "Gareth", "Gemma",
    "Grace", "Hannah", "Harry", "Helen", "Imran", "Isla", "Jack", "Jade", "James", "Jas", "Jen", "Jo",
    "Joel", "Karen", "Kate", "Kemi", "Kev", "Kirsty", "Laura", "Leanne", "Liam", "Lucy", "Mags", "Mark",
    "Martin", "Mel", "Mo", "Nadia", "Naomi", "Neil", "Nikki", "Olu", "Owen", "Paul", "Priya", "Rach",
    "Raj", "Rebecca", "Rhys", "Rosie", "Ruth", "Sam", "Sandra", "Sarah", "Sean", "Shaz", "Siobhan", "Sophie",
    "Steph", "Steve", "Sue", "Tash", "Tom", "Tony", "Vicky", "Wendy", "Yusuf", "Zoe", "Ade", "Bernie",
    "Cerys", "Dilys", "Ewan", "Ffion", "Gurpreet", "Hamza", "Iona", "Kwame", "Lowri", "Niamh", "Pat",
)

SURNAMES: tuple[str, ...] = (
    "Adeyemi", "Ahmed", "Ali", "Atkinson", "Bailey", "Barker", "Begum", "Bell", "Bennett", "Bradley",
    "Brennan", "Brooks", "Carter", "Chapman", "Chowdhury", "Clarke", "Collins", "Cooper", "Davies", "Dixon",
    "Doherty", "Edwards", "Ellis", "Evans", "Farrell", "Fletcher", "Foster", "Gill", "Graham", "Green",
    "Hall", "Harris", "Hughes", "Hussain", "Iqbal", "Jackson", "James", "Jenkins", "Johnson", "Jones",
    "Kaur", "Kelly", "Khan", "King", "Lawson", "Lewis", "Lloyd", "Mahmood", "Marsh", "Mason", "McCarthy",
    "McLean", "Mensah", "Mitchell", "Moore", "Morgan", "Murphy", "Nwosu", "Okafor", "Owen", "Palmer",
    "Parry", "Patel", "Pearson", "Price", "Quinn", "Rahman", "Reid", "Roberts", "Robinson", "Shah",
    "Sharma", "Singh", "Stewart", "Sullivan", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Walsh",
    "Ward", "Watson", "Webb", "White", "Williams", "Wilson", "Wright", "Yates", "Young",
)

PLACE_HEADS: tuple[str, ...] = (
    "North", "East", "West", "South", "Ash", "Oak", "Elm", "Brack", "Cald", "Dun", "Fen", "Grey", "Hollin",
    "Kestrel", "Marrow", "Pelling", "Raven", "Salt", "Thorn", "Wyn", "Alder", "Birch", "Cobble", "Dray",
    "Ember", "Fallow", "Gorse", "Heron", "Ivel", "Juniper", "Kirk", "Lark", "Mill", "Nether", "Orchard",
    "Penny", "Quarry", "Rush", "Stour", "Tarn",
)
PLACE_TAILS: tuple[str, ...] = (
    "bridge", "moor", "haven", "ford", "by", "mere", "worth", "holt", "holm", "field", "ton", "ley", "wick",
    "stead", "combe", "dale", "gate", "well", "brook", "thorpe",
)

# The places the anchor organisations use; more are generated from heads and tails.
ANCHOR_PLACES: tuple[str, ...] = (
    "Northbridge", "Eastmoor", "Westhaven", "Brackenford", "Calderby", "Dunmere", "Fenholt", "Greyholm",
    "Hollinsmoor", "Marrowby", "Pellingham", "Ravensmere", "Saltwick", "Thornbury Vale", "Wynstead",
)

# Invented postcode areas: valid in shape, not used by Royal Mail.
POSTCODE_AREAS: tuple[str, ...] = ("NB", "EY", "BW", "DW", "GW")
POSTCODE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# (subtype, sector, name pattern, handle pattern, weight). {place} is filled in; handles are trimmed to 15.
ORG_KINDS: tuple[tuple[str, str, str, str, float], ...] = (
    ("nhs_trust", "health", "{place} Teaching Hospitals NHS FT", "{p}NHS", 3.0),
    ("nhs_trust", "health", "{place} Community Healthcare NHS Trust", "{p}CommHealth", 1.5),
    ("nhs_trust", "health", "{place} Mental Health Partnership NHS Trust", "{p}MHPartners", 1.2),
    ("nhs_trust", "fire_ambulance", "{place} and District Ambulance Service NHS Trust", "{p}Ambulance", 0.8),
    ("gp_practice", "health", "{place} Road Surgery", "{p}Surgery", 1.5),
    ("gp_practice", "health", "{place} Medical Group", "{p}Medical", 1.0),
    ("council", "local_government", "{place} City Council", "{p}Council", 1.5),
    ("council", "social_care", "{place} Adult Social Care", "{p}ASC", 1.2),
    ("council", "local_government", "{place} Borough Council", "{p}Borough", 1.0),
    ("charity", "voluntary", "{place} Carers Centre", "{p}Carers", 1.3),
    ("charity", "voluntary", "Age Well {place}", "AgeWell{p}", 1.0),
    ("charity", "voluntary", "{place} Mind and Wellbeing", "{p}Wellbeing", 1.0),
    ("charity", "voluntary", "{place} Food Bank", "{p}FoodBank", 0.6),
    ("care_provider", "social_care", "{place} Care Homes", "{p}CareHomes", 1.2),
    ("care_provider", "social_care", "Brightside Home Care {place}", "Brightside{p}", 0.8),
    ("police", "police_justice", "{place} Police", "{p}Police", 0.9),
    ("police", "police_justice", "{place} Neighbourhood Policing Team", "{p}NPT", 0.6),
    ("media", "media", "{place} Evening Courier", "{p}Courier", 0.8),
    ("media", "media", "{place} Radio News", "{p}RadioNews", 0.5),
    ("university", "academic", "University of {place} School of Health", "Uni{p}Health", 0.6),
    ("university", "education", "{place} College Health and Care Academy", "{p}College", 0.4),
    ("other_org", "fire_ambulance", "{place} Fire and Rescue Service", "{p}Fire", 0.5),
    ("other_org", "housing", "{place} Homes Housing Association", "{p}Homes", 0.6),
    ("other_org", "business", "{place} Health Tech Ltd", "{p}HealthTech", 0.3),
)

# National-level organisations (invented) that every run includes.
NATIONAL_ORGS: tuple[tuple[str, str, str, str], ...] = (
    ("regulator", "health", "Health and Care Quality Board", "HCQualityBoard"),
    ("regulator", "health", "Nursing and Midwifery Register UK", "NMRegisterUK"),
    ("regulator", "social_care", "Social Work Standards Council", "SWStandards"),
    ("government", "government", "Department for Health and Care Delivery", "DHCDelivery"),
    ("media", "media", "Care Times Weekly", "CareTimesWkly"),
)

NURSE_SPECIALTIES: tuple[str, ...] = (
    "district", "ICU", "theatre", "paediatric", "mental health", "learning disability", "practice",
    "community", "respiratory", "tissue viability", "cancer", "palliative care", "ED", "frailty", "stroke",
)
DOCTOR_SPECIALTIES: tuple[str, ...] = (
    "GP", "emergency medicine", "geriatrics", "psychiatry", "paediatrics", "anaesthetics", "general surgery",
    "acute medicine", "public health", "palliative medicine",
)
AHP_KINDS: tuple[str, ...] = (
    "Occupational therapist", "Physiotherapist", "Speech and language therapist", "Dietitian", "Podiatrist",
    "Radiographer", "OT", "Physio",
)
SOCIAL_WORK_TEAMS: tuple[str, ...] = (
    "adult safeguarding", "children in care", "hospital discharge", "mental health", "fostering", "learning disability",
    "older people", "child protection", "leaving care",
)
RESEARCH_TOPICS: tuple[str, ...] = (
    "integrated care", "digital health", "carers and work", "nurse staffing", "social prescribing", "dementia care",
    "health inequalities", "workforce wellbeing", "care home quality",
)
CONDITIONS: tuple[str, ...] = (
    "motor neurone disease", "early onset dementia", "a rare form of muscular dystrophy", "Huntington's disease",
    "a double lung transplant", "locked-in syndrome", "cystic fibrosis", "a brain injury after a fall",
)
WARDS: tuple[str, ...] = (
    "Ward 7", "Ward 12", "Ward 21", "Larch ward", "Rowan ward", "Heron ward", "the stroke unit", "AMU",
)
EMOJI_BIO: tuple[str, ...] = ("💙", "🌈", "☕", "🐶", "🏃‍♀️", "🌻", "📚", "⚽", "🧶", "🎧", "🏳️‍🌈", "🌿")
