"""What accounts say in ordinary background posts: invented templates by voice, topic and tag.

Fields: {place} a place, {topic} a sector topic, {n} a number, {day} a weekday, {emoji} an emoji,
{tag} a sector hashtag, {h} a handle (mention templates only). None of the background templates
asks an organisation a question or contains anything a safe-practice check should flag.
"""

from __future__ import annotations

TOPICS: dict[str, tuple[str, ...]] = {
    "health": (
        "winter pressures", "flu jabs", "safe staffing", "discharge planning", "falls prevention", "sepsis awareness",
        "pressure ulcer prevention", "hand hygiene", "end of life care", "infant feeding", "perinatal mental health",
        "frailty", "delirium", "hydration", "virtual wards", "preceptorship", "staff wellbeing",
        "shared decision making",
    ),
    "social_care": (
        "strengths-based practice", "safeguarding adults", "Care Act assessments", "direct payments", "reablement",
        "supervision", "caseloads", "carers' assessments", "transitions to adult services", "care home visiting",
        "recruitment in care", "fair pay for care workers", "hospital discharge", "advocacy",
    ),
    "local_government": (
        "the budget consultation", "public health grants", "bin collections", "warm spaces", "the cost of living",
        "school streets", "community hubs", "council tax support",
    ),
    "voluntary": (
        "volunteering", "carers' breaks", "befriending", "the food bank", "loneliness", "peer support groups",
        "fundraising", "community transport",
    ),
    "police_justice": (
        "street triage", "mental health crisis calls", "scams targeting older people", "missing people",
        "knife crime", "neighbourhood surgeries", "road safety",
    ),
    "fire_ambulance": (
        "response times", "handover delays", "falls calls", "safe and well visits", "CPR training", "defibrillators",
        "smoke alarms",
    ),
    "academic": (
        "our new study", "research ethics", "co-production", "evidence-based practice", "the conference", "our survey",
        "a systematic review",
    ),
    "education": ("placements", "exams", "my dissertation", "the skills lab", "open days", "revision"),
    "media": ("local services", "hospital waiting lists", "the council budget", "care home fees", "GP appointments"),
    "housing": ("damp and mould", "adaptations", "supported housing", "homelessness", "repairs"),
    "government": ("the workforce plan", "new guidance", "the consultation", "funding for social care"),
    "business": ("digital tools", "remote monitoring", "the new app", "data sharing"),
}

TAGS: dict[str, tuple[str, ...]] = {
    "health": ("NHSteam", "nursing", "nhssm", "NursesNorth", "patientsafety", "midwifery", "AHPs", "flujab"),
    "social_care": ("socialwork", "socialcare", "SWtalk", "CareVoicesUK", "carers", "dementia"),
    "local_government": ("localgov", "lgovsm", "costofliving", "publichealth"),
    "voluntary": ("volunteers", "carers", "charity", "communitypower"),
    "police_justice": ("policing", "mentalhealth", "999day", "ScamAware"),
    "fire_ambulance": ("paramedics", "ambulance", "firesafety", "CPRsaveslives"),
    "academic": ("research", "phdlife", "healthresearch", "coproduction"),
    "education": ("studentnurse", "studentSW", "placement", "nursingstudent"),
    "media": ("localnews", "NHS", "socialcare"),
    "housing": ("housing", "damp", "homeless"),
    "government": ("workforceplan", "socialcare", "NHS"),
    "business": ("digitalhealth", "healthtech"),
}

ORIGINALS: dict[str, tuple[str, ...]] = {
    "org": (
        "Our teams across {place} are working hard on {topic} this week. Find out more {emoji}",
        "New: updated information on {topic} for people in {place}.",
        "Join us on {day} to hear about {topic} - everyone welcome.",
        "This {day} we are holding a drop-in session about {topic} in {place}. No need to book.",
        "Thank you to everyone who came to our event on {topic}. Read the summary here",
        "We are recruiting! Could you help us improve {topic} in {place}?",
        "{n} people took part in our survey on {topic}. Here's what you told us",
        "Our annual report is out, with a look at {topic} and what comes next.",
        "Reminder: our offices in {place} are closed on {day} for staff training.",
        "Watch: our short film about {topic} made with people who use our services {emoji}",
        "Latest news on {topic} #{tag}",
    ),
    "pro_health": (
        "Long day on the ward but the team were brilliant {emoji}",
        "Really good teaching session on {topic} today. Every day's a school day #{tag}",
        "Reminder to all my colleagues: drink water, eat something, take your break {emoji}",
        "Anyone else find {topic} gets overlooked on busy shifts? Keen to hear how other teams manage it",
        "Proud of our students this week, they've been amazing {emoji}",
        "Three nights done. Sleep now {emoji}",
        "Interesting paper on {topic}. Worth a read for anyone in practice",
        "Just finished my revalidation reflection on {topic}. Good to stop and think",
        "Can we talk about {topic} more openly? It matters for patients and for staff",
        "Handover was calm today. Small wins {emoji}",
        "Our {topic} project is finally live in {place} #{tag}",
    ),
    "pro_social": (
        "Good supervision makes all the difference. Grateful for my team today {emoji}",
        "Another week of heavy caseloads but some lovely moments too #{tag}",
        "Reflecting on {topic} after a really good training day",
        "Care workers deserve proper pay and recognition. Simple as that #{tag}",
        "Home visits all day across {place}. Tired but it was a good day {emoji}",
        "How do other teams approach {topic}? Always keen to learn",
        "Lovely to see a family get the support they needed today. This is why we do it",
        "Finished my CPD module on {topic} {emoji}",
        "Thinking about {topic} and what good looks like for people we support",
        "Team lunch to celebrate a colleague's 20 years in care {emoji}",
    ),
    "pro_academic": (
        "New blog on {topic}, co-written with carers and practitioners",
        "Excited to present our work on {topic} at the conference next {day} {emoji}",
        "Our study on {topic} is recruiting participants in {place} #{tag}",
        "Placement week {n}: learning so much about {topic}",
        "Library, coffee, essay on {topic}. Repeat {emoji}",
        "Great seminar today on {topic} - thanks to everyone who came",
        "Survey closes on {day}: we want to hear from staff about {topic}",
    ),
    "pro_police": (
        "Out on patrol in {place} today talking to residents about {topic}",
        "Street triage shift with our mental health colleagues. Joint working really works {emoji}",
        "Drop-in surgery at {place} library on {day}, come and say hello",
        "Advice on {topic}: know the signs and talk to someone you trust #{tag}",
    ),
    "patient": (
        "Clinic day again. Fingers crossed for good news {emoji}",
        "Six months since my operation and I walked to the shop today {emoji}",
        "Shout out to the physio who didn't give up on me",
        "Managing {topic} with a long-term condition is hard work. Anyone else?",
        "Feeling grotty today. Sofa, blanket, tea {emoji}",
        "Good appointment this morning. Felt listened to for once",
        "Pharmacy queue in {place} out the door again {emoji}",
    ),
    "carer": (
        "Mum had a good day today. We laughed a lot {emoji}",
        "Being a carer is a full-time job nobody applies for #{tag}",
        "Finally got a carers' assessment booked. Only took three months",
        "Respite weekend. I didn't know how tired I was {emoji}",
        "Night was rough. Running on coffee {emoji}",
        "The carers group in {place} has been a lifeline this year",
        "Thinking about {topic} and how little support there is for families",
    ),
    "public": (
        "Proper busy in town today. Everyone seems stressed {emoji}",
        "Gave blood for the first time today {emoji}",
        "Our street's WhatsApp group has been brilliant helping the older neighbours",
        "Read an article about {topic} today. Eye opening",
        "Anyone know a good walking group in {place}?",
        "Hats off to everyone working in care this winter {emoji}",
        "Local news says {topic} is getting worse. Not surprised",
    ),
}

REPLIES: dict[str, tuple[str, ...]] = {
    "pro": (
        "Completely agree with this {emoji}",
        "We've had the same on our unit. Did anything help?",
        "Great point - have you shared this with your practice educator?",
        "Thanks for sharing, really useful for our team",
        "So true. Look after yourself too",
        "Interesting! How did you measure it?",
        "This is brilliant, well done all {emoji}",
        "Same here. Happy to chat about what we tried",
    ),
    "person": (
        "This is so true {emoji}",
        "Thank you for saying this",
        "Sending love. It does get easier",
        "Same happened to us last year",
        "Well said!",
        "Hope you're OK {emoji}",
        "Ha, that's exactly my week",
    ),
    "org": (
        "Thank you for sharing {emoji}",
        "Great work from the team",
        "Lovely to see this, well done everyone {emoji}",
    ),
}

QUOTES: tuple[str, ...] = (
    "This 👇", "Worth a read.", "Really important point.", "Couldn't agree more.", "Great to see this in {place}.",
    "Food for thought for anyone working in {topic}.", "Well said {emoji}", "Yes! More of this please.",
    "Sharing for my colleagues.",
)

MENTIONS: dict[str, tuple[str, ...]] = {
    "pro": (
        "Brilliant session from @{h} today on {topic} {emoji}",
        "Great to catch up with @{h} about {topic}",
        "Learning so much from @{h} this week {emoji}",
        "Worth following @{h} if you're interested in {topic}",
    ),
    "person": (
        "Thank you @{h} for the support this week {emoji}",
        "Huge thanks to @{h}, you made a hard day easier",
        "Lovely welcome from @{h} today {emoji}",
    ),
    "org": (
        "Welcome to the team @{h} {emoji}",
        "Great to work with @{h} on {topic}",
        "Thanks to @{h} for joining our event on {day}",
    ),
}

RESPONSES: dict[str, tuple[str, ...]] = {
    "org": (
        "Thank you so much, we'll pass this on to the team {emoji}",
        "Thanks for the kind words - it means a lot to everyone here",
        "Thank you! Glad it helped {emoji}",
        "Really appreciate this, thank you",
    ),
    "pro": (
        "Thank you! Happy to share the slides {emoji}",
        "Ah thanks, that's kind. Great to see you there",
        "Thanks - let's keep the conversation going",
        "Appreciate it! Drop me a message if you want to chat more",
        "Thank you, the team deserve all the credit {emoji}",
    ),
    "person": (
        "Thank you {emoji}",
        "Thanks for replying!",
        "That's kind, thank you",
    ),
}

DAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
EMOJI: tuple[str, ...] = ("💙", "🙌", "👏", "😊", "🙏", "✨", "💪", "❤️", "🌟", "👍", "😴", "☕", "😅", "🙃")

LINK_PATHS: tuple[str, ...] = (
    "news", "events", "services", "blog", "jobs", "consultation", "reports", "get-involved", "advice",
)


def voice(role: str, subtype: str, sector: str) -> str:
    """Which bank of originals an account speaks from."""
    if role == "organisation":
        return "org"
    if role == "person":
        return subtype
    if subtype in ("researcher", "student"):
        return "pro_academic"
    if subtype == "police_officer":
        return "pro_police"
    return "pro_social" if sector == "social_care" else "pro_health"


def speaker(role: str) -> str:
    """Which bank of replies, mentions and responses an account uses."""
    return {"organisation": "org", "professional": "pro"}.get(role, "person")
