"""The conversation the capture tests replay: what Jetstream sends, what the AppView knows, what must be kept."""

from __future__ import annotations

from typing import Any

from capture_servers import account_event, delete, identity, post, profile, uri

T0 = 1_725_000_000_000_000  # microseconds; one event every 10 ms of Jetstream time


def t(step: int) -> int:
    return T0 + step * 10_000


PROFILES = [
    profile("alice", "alice.bsky.social", "Ward sister. Views my own."),
    profile("bob", "bob.example.org", "Social worker, #SWSCmedia"),
    profile("carol", "carol.bsky.social", "Nurse. #NoBots, please!"),
    profile("dave", "dave.bsky.social", "Carer", labels=["!no-unauthenticated"]),
    profile("erin", "erin.bsky.social", "Patient voice"),
    profile("frank", "frank.bsky.social", "no opt-out here: #nobotsarefine is not the tag"),
]


def events() -> list[dict[str, Any] | tuple[int, str]]:
    """The stream, in time order: matches, conversations, opt-outs, deletes, identity and broken frames."""
    p1, p5, p7, p9 = uri("alice", "p1"), uri("erin", "p5"), uri("erin", "p7"), uri("alice", "p9")
    return [
        post("alice", "p1", t(1), "Great #NHSsm: chat tonight"),  # tag in the text, punctuation after it
        post("bob", "p2", t(2), "Join us tonight", tags=["nhssm"]),  # tag only in a facet
        post("carol", "p3", t(3), "#nhssm hello"),  # opted out in her bio
        post("dave", "p4", t(4), "Social care matters"),  # !no-unauthenticated
        post("erin", "p5", t(5), "I agree with this", reply_to=p1),  # a reply without the tag
        post("bob", "p6", t(6), "Me too", reply_to=p5, root=p1),  # a reply to the reply
        post("erin", "p7", t(7), "Lunch was nice"),  # nothing to do with it
        post("erin", "p8", t(8), "Was it?", reply_to=p7),  # a reply to a post not captured
        (t(9), "{not json"),  # a malformed frame
        identity("alice", "alice.nhs.example", t(10)),  # alice's new handle
        post("alice", "p9", t(11), "Talking about SOCIAL CARE today"),  # a keyword, any case
        delete("bob", "p2", t(12)),  # a captured post deleted upstream
        post("erin", "p10", t(13), "Worth reading", quote=p9),  # a quote of a captured post
        (t(14), "[1, 2]"),  # JSON, but not an event
        post("carol", "p11", t(15), "Replying", reply_to=p1),  # an opted-out reply
        account_event("erin", t(16)),
        post("frank", "p12", t(17), "Nothing tagged #nhssmx here"),  # a longer tag is another tag
        post("alice", "p13", t(18), "Another #nhssm post"),
        post("alice", "p14", t(19), "one more #nhssm post, deleted soon"),
        post("bob", "p15", t(20), "Re", reply_to=uri("alice", "p14"), root=uri("alice", "p14")),
        delete("alice", "p14", t(21)),
        post("frank", "p16", t(22), "Social care: frank's #NHSSM view"),
    ]


EXPECTED = {uri(a, r) for a, r in [("alice", "p1"), ("erin", "p5"), ("bob", "p6"), ("alice", "p9"),
                                   ("erin", "p10"), ("alice", "p13"), ("bob", "p15"), ("frank", "p16")]}
OPTED_OUT = {"carol", "dave"}
LAST = t(22)
