"""The learned categories R3–R13: the corpus, the shipped model, and the checker with it, run for real."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import orjson
import pytest

from sociable.safety import check, check_many
from sociable.safety.corpus import CATEGORIES, CorpusError, Example, corpus, part, read_corpus, split_of
from sociable.safety.findings import FLAGS, CheckResult
from sociable.safety.prefilter import Scan
from sociable.safety.semantic import MODEL_NAME, category_texts, model, sentence_spans

# Review mode on the held-out part (2,282 posts) when its head was made: flag F1 and the share of near misses
# flagged (the default on the same posts: 0.786 and 6.2 %; the heads before: 0.848 and 14.2 % on 2,026, 0.856
# and 14.8 % on 1,506).
REVIEW_FIGURES = (0.847, 0.167)

# Posts written for these tests (not in the corpus), each with the categories it should raise.
FLAGGED = [
    ("our new band 6 is a useless lazy cow and everyone on the ward knows it", "R7"),
    ("to the relative who shouted at me today: I know your car and I know where you park", "R7"),
    ("the foreign nurses on our unit can't speak proper English, ship them back", "R6"),
    ("another frequent flyer junkie in cubicle 2, why do we even bother with these people", "R5"),
    ("@kim_r91 that's definitely a chest infection, take your mum's leftover amoxicillin", "R9"),
    ("the lovely patient from bay 3 added me on insta after discharge, we're going for drinks friday 😏", "R8"),
    ("as a nurse this is the only vitamin I trust, use my code NURSE15 for 15% off", "R10"),
    ("still drunk from last night and about to start the drug round lol", "R11"),
]
QUIET = [
    "Can we stop calling people frequent flyers? They keep coming back because something isn't working",
    "Bullying on wards is real. If it's happening to you, talk to your Freedom to Speak Up guardian",
    "Overseas nurses hold the NHS together. Thank you for coming to care for us",
    "If you're worried about a rash, NHS 111 can help you decide where to go",
    "Lovely card from a family today, the chocolates went straight to the staff room",
    "Thirteen hours, no break, feet destroyed. Home to bed",
    "Let's all go to the beach this weekend, the sun is finally out",
    "Congratulations to our ward manager on her promotion, so deserved",
]


def test_corpus_is_large_varied_and_split_by_hash() -> None:
    rows = corpus()
    assert len(rows) >= 3000
    assert len({r.id for r in rows}) == len(rows)
    kinds = Counter(r.kind for r in rows)
    assert kinds["near miss"] >= 600 and kinds["ordinary"] >= 400
    assert len({r.profession for r in rows}) >= 15
    for split in ("train", "dev", "heldout"):
        labels = Counter(label for r in part(split) for label in r.labels)  # type: ignore[arg-type]
        assert all(labels[c] >= 5 for c in CATEGORIES), (split, labels)
    assert {r.split for r in rows} == {"train", "dev", "heldout"}
    assert all(r.split == split_of(r.id) for r in rows)
    assert split_of("s0000000000") == split_of("s0000000000")


def test_corpus_lines_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "labels": ["R99"], "profession": "nurse", "note": "flag: x"}\n')
    with pytest.raises(CorpusError, match=r"line 1 of bad\.jsonl has labels \['R99'\]"):
        read_corpus([bad])
    bad.write_text('{"id": "a", "text": "x", "labels": [], "profession": "nurse", "note": "flag: x"}\n')
    with pytest.raises(CorpusError, match="a 'flag' note needs labels"):
        read_corpus([bad])
    bad.write_text('{"id": "a", "text": "x"\n')
    with pytest.raises(CorpusError, match=r"line 1 of bad\.jsonl is not JSON"):
        read_corpus([bad])


def test_model_file_matches_its_features_and_has_a_card() -> None:
    learned = model()
    assert learned.classes == CATEGORIES
    assert learned.thresholds.shape == (len(CATEGORIES),)
    assert np.all((learned.thresholds > 0) & (learned.thresholds < 1))
    from sociable.text import dimensions
    from sociable.text.static import MODEL_DIR

    assert learned.spec.contextual and learned.gate is not None
    assert learned.gate.dims == dimensions() + learned.spec.lexical_dims
    assert learned.head.dims == learned.gate.dims + 384  # all-MiniLM-L6-v2's vector follows the cheap features
    assert np.all((learned.bars > 0) & (learned.bars <= 1))

    card = (MODEL_DIR / f"{MODEL_NAME}.md").read_text(encoding="utf-8")
    assert "Trained on" in card and "held-out" in card
    assert set(category_texts()) == set(CATEGORIES)


def test_the_gate_sends_few_ordinary_posts_to_the_transformer() -> None:
    """Measured when the head was made: 29.8 % of the 400 ordinary posts written apart pass the gate (the
    head before: 33.8 %), and one of these six everyday posts ("New rota is out, …", none before)."""
    from sociable.safety.semantic import cheap_features, rule_hits

    learned = model()

    def passing(texts: list[str]) -> np.ndarray:
        scans = [Scan(t) for t in texts]
        return np.asarray((learned.gate.scores(cheap_features(scans, rule_hits(scans), learned.spec))
                           >= learned.bars).any(axis=1))

    posts = ["Lovely sunny walk with the dog before my long day", "Anyone watching the match tonight?",
             "New rota is out, I'm on nights again next week", "Coffee first, then the ward round",
             "Proud of our team for the award last night", "Reminder: the staff canteen closes at 3 today"]
    assert passing(posts).sum() <= 1
    ordinary = [orjson.loads(line)["text"] for line in ORDINARY.read_bytes().splitlines()]
    assert passing(ordinary).mean() <= 0.31
    flagged = Scan("Bay 4 is a zoo tonight, the confused ones screaming like animals, honestly they belong in a kennel")
    score = learned.gate.scores(cheap_features([flagged], rule_hits([flagged]), learned.spec))
    assert (score >= learned.bars).any()



@pytest.mark.parametrize(("text", "category"), FLAGGED)
def test_learned_checker_flags_what_rules_miss(text: str, category: str) -> None:
    result = check(text)
    assert result.flagged, result.to_dict()
    found = [f for f in result.findings if f.category == category]
    assert found, result.to_dict()
    for f in found:
        assert text[f.start : f.end] == f.text
        assert f.principles and f.suggestion and f.why


@pytest.mark.parametrize("text", QUIET)
def test_near_misses_stay_quiet(text: str) -> None:
    result = check(text)
    assert not [f for f in result.findings if f.severity in FLAGS], result.to_dict()


def test_span_is_the_sentence_the_model_fired_on() -> None:
    text = "Great shift today, the team was brilliant. The new HCA is a thick lazy cow though, everyone hates her."
    result = check(text)
    bullying = [f for f in result.findings if f.category == "R7"]
    assert bullying
    assert bullying[0].text.startswith("The new HCA")
    assert "Great shift" not in bullying[0].text


def test_sentence_spans() -> None:
    text = "  One. Two!  Three?\nfour"
    assert [text[s:e] for s, e in sentence_spans(text)] == ["One.", "Two!", "Three?", "four"]
    assert sentence_spans("") == []


def test_batches_agree_with_single_checks() -> None:
    texts = [t for t, _ in FLAGGED] + QUIET
    batched = list(check_many(((str(i), t) for i, t in enumerate(texts)), batch=5))
    for i, (text, result) in enumerate(zip(texts, batched, strict=True)):
        single = check(text, id=str(i))
        assert result.to_dict() == single.to_dict()


def test_rules_only_when_asked() -> None:
    text = "our new band 6 is a useless lazy cow and everyone on the ward knows it"
    assert check(text, learned=False).verdict == "ok"
    assert check(text).flagged


def test_output_shape_is_unchanged() -> None:
    data = check("@kim_r91 that's definitely a chest infection, take your mum's leftover amoxicillin").to_dict()
    assert set(data) == {"id", "verdict", "findings"}
    assert all(set(f) == {"category", "severity", "start", "end", "text", "why", "principles", "suggestion"}
               for f in data["findings"])


def _written_apart(example: Example) -> str:
    """Which writing a post is from: "first", or the round written apart ("a": `apart_*.jsonl`, "b":
    `apart_b_*.jsonl`, "c", "d", "e", "g", "h" and "j": `apart_c_*.jsonl` and so on), by writers briefed
    on what the head missed (d, e, g, h and j: on every category and its near misses, without seeing the
    model or corpus; g weighted to R6, R7, R11, R13 and with the public's complaints as ordinary posts; h
    across every category, new voices, read blind by a second reader; j mostly near misses, read blind
    too), or "i" (`ordinary_i.jsonl`: ordinary posts by organisations, staff and the public, written
    apart)."""
    name = example.source.rsplit(" of ", 1)[-1]
    if name.startswith("apart_") and name[7:8] == "_":  # apart_<letter>_…; the first round is apart_r04…
        return name[6]
    if name.startswith("ordinary_") and name[10:11] in ("_", "."):  # ordinary_<letter>[_<writer>].jsonl
        return name[9]
    return "a" if name.startswith("apart_") else "first"


def _flags_a_category(result: CheckResult) -> bool:
    """Whether a check flags the post ("think again" or "do not post") for one of R3–R13."""
    return any(f.severity in FLAGS and f.category in CATEGORIES for f in result.findings)


def _heldout_flags(rows: list[Example], learned: bool = True, review: bool = False) -> tuple[float, float, int]:
    """Flag F1, the share of near misses flagged, and the flags that were right."""
    results = list(check_many(((r.id, r.text) for r in rows), learned=learned, review=review))
    flagged = [_flags_a_category(res) for res in results]
    tp = sum(1 for r, f in zip(rows, flagged, strict=True) if r.labels and f)
    fp = sum(1 for r, f in zip(rows, flagged, strict=True) if not r.labels and f)
    fn = sum(1 for r, f in zip(rows, flagged, strict=True) if r.labels and not f)
    near = [f for r, f in zip(rows, flagged, strict=True) if r.kind == "near miss"]
    return 2 * tp / (2 * tp + fp + fn), sum(near) / len(near), tp


def test_heldout_figures() -> None:
    """The corpus part nothing was tuned on keeps the figures measured when the model was made.

    These guard against regressions at the measured level (docs/validity.md), with the head that counts quiet
    posts four times, reads links as one word, gates at 98 % and learnt from the seventh to eleventh and the
    thirteenth writings and the ordinary posts of writings i, n, p, q and r: flag F1 and near misses 0.823 and
    7.0 % (11 of 157) on the first writing; 0.815 and 7.5 % (5 of 67) on the first round written apart; 0.709
    and 8.1 % (3 of 37) on the second; 0.655 and 6.7 % (3 of 45) on the third; 0.743 and 8.8 % (5 of 57) on the
    fourth; 0.781 and none of 38 on the fifth; 0.882 and none of 29 on the seventh; 0.873 and none of 26 on the
    eighth; 0.787 and 8.0 % (4 of 50) on the ninth; 0.819 and 10.0 % (7 of 70) on the tenth; 0.765 and 4.3 % (3
    of 70) on the eleventh; 0.806 and 4.4 % (3 of 68) on the thirteenth; of the ordinary posts, none of writing
    i's 41 or n's 81 flagged, 1 of p's 31, 3 of q's 64 and 3 of r's 90; 0.785 and 6.2 % (44 of 714) over all
    2,282 (73a4ad6, gating at 99 %: 0.786). The heads before, on the 1,506 posts they were measured on: 0.788
    and 7.3 % (37 of 506) for 2151671, 0.779 and 7.3 % for 75a392b and 0.787 and 6.1 % for 73a4ad6, where this
    head scores 0.785 and 6.1 % (31); 75a392b scored 0.830 on the first writing, 0.674 on the third round and
    0.811 on the tenth writing, and the heads before it 0.819 on the first round apart, 0.714 on the second and
    0.800 on the ninth. Bounds were loosened with a head only where the rule fixed before it was trained held on
    writing no head trains on (docs/validity.md). The project's targets (0.85 and 5 %) are not met on the
    held-out part.
    """
    rows = part("heldout")
    by = {w: [r for r in rows if _written_apart(r) == w]
          for w in ("first", "a", "b", "c", "d", "e", "g", "h", "j", "k", "l", "s", "i", "n", "p", "q", "r")}
    f1, near, tp = _heldout_flags(by["first"])
    _, _, rules_tp = _heldout_flags(by["first"], learned=False)
    assert f1 >= 0.815, f1
    assert near <= 0.075
    assert tp >= 2 * rules_tp  # the head at least doubles what the rules alone catch
    assert len(by["a"]) > 150 and len(by["b"]) > 90 and len(by["c"]) > 150 and len(by["d"]) > 120
    assert len(by["e"]) > 70 and len(by["g"]) > 90 and len(by["h"]) > 80 and len(by["j"]) > 80
    assert len(by["k"]) > 150 and len(by["l"]) > 150 and len(by["s"]) > 150
    for writing, least_f1, most_near in (("a", 0.80, 0.08), ("b", 0.70, 0.09), ("c", 0.65, 0.07),
                                         ("d", 0.73, 0.09), ("e", 0.77, 0.03), ("g", 0.87, 0.04),
                                         ("h", 0.87, 0.04), ("j", 0.78, 0.08), ("k", 0.81, 0.11),
                                         ("l", 0.75, 0.05), ("s", 0.80, 0.05)):
        apart_f1, apart_near, _ = _heldout_flags(by[writing])
        assert apart_f1 >= least_f1, (writing, apart_f1)
        assert apart_near <= most_near, (writing, apart_near)
    ordinary = [r for w in ("i", "n", "p", "q", "r") for r in by[w]]
    assert len(ordinary) > 300 and not any(r.labels for r in ordinary)
    flagged = [res for res in check_many((r.id, r.text) for r in ordinary)
               if _flags_a_category(res)]
    assert len(flagged) <= 8, [res.text for res in flagged]
    all_f1, all_near, _ = _heldout_flags(rows)
    assert all_f1 >= 0.78, all_f1
    assert all_near <= 0.065, all_near


FRESH = Path(__file__).parents[2] / "bench" / "validity" / "data" / "safety_apart_f.jsonl"
SECOND = FRESH.with_name("safety_apart_m.jsonl")
FOURTH = FRESH.with_name("safety_apart_t.jsonl")
FIFTEENTH = FRESH.with_name("safety_apart_u.jsonl")
SIXTEENTH = FRESH.with_name("safety_apart_v.jsonl")
SEVENTEENTH = FRESH.with_name("safety_apart_y.jsonl")


def _holds_on_writing_apart(path: Path, posts: int, near_misses: int, least_f1: float, most_near: float,
                            writer_f1: float, writer_near: float) -> None:
    """A set written apart (one post a line, with its writer) keeps flag F1 and near misses flagged at the
    measured level, overall and for each writer."""
    rows = [Example(r["id"], r["text"], tuple(r["labels"]), r["profession"], r["note"], f"writer {r['writer']}")
            for r in map(orjson.loads, path.read_bytes().splitlines())]
    assert len(rows) == posts and sum(1 for r in rows if r.kind == "near miss") == near_misses
    f1, near, _ = _heldout_flags(rows)
    assert f1 >= least_f1, f1
    assert near <= most_near, near
    for writer in sorted({r.source for r in rows}):
        by_f1, by_near, _ = _heldout_flags([r for r in rows if r.source == writer])
        assert by_f1 >= writer_f1 and by_near <= writer_near, (writer, by_f1, by_near)


def test_fresh_writing_figures() -> None:
    """600 posts written apart that no head is trained on (bench/validity/safety_fresh.py): two writers
    briefed only with the guidance's catalogue, a blind reader agreeing on 599 of 600. Measured when the
    head was made: flag F1 0.860 with 5 of 220 near misses flagged (2.3 %) and none of 80 ordinary posts;
    0.838 (1 of 110 near misses) and 0.880 (4 of 110) by writer. The heads before: 0.866 with 5 (73a4ad6),
    0.861 with 8 (75a392b), 0.867 with 10 (2151671), 0.850 with 13 (5b4fa07), 0.821 with 15 (9f98f1d),
    0.769 with 16 (73042a7)."""
    _holds_on_writing_apart(FRESH, 600, 220, 0.855, 0.03, 0.835, 0.045)


def test_second_fresh_writing_figures() -> None:
    """1,200 posts by four more writers apart that no head is trained on, written after the 600 had been read
    for several choices (bench/validity/safety_fresh.py): per writer 150 to flag, 110 near misses and 40
    ordinary posts, each writer's 300 read blind by a reader of their own (all 1,200 alike). Read for four
    choices (four heads trained with more writings, the third and the fifth kept: docs/validity.md). This
    head: flag F1 0.822 with 25 of 440 near misses flagged (5.7 %) and 1 of 160 ordinary posts; by writer
    0.816, 0.818, 0.808 and 0.846, near misses 8, 8, 5 and 4 of 110. The heads before: 0.824 with 25
    (73a4ad6), 0.811 with 25 (75a392b), 0.799 with 35 (2151671, when the set was made)."""
    _holds_on_writing_apart(SECOND, 1200, 440, 0.815, 0.06, 0.80, 0.08)


def test_fourth_fresh_writing_figures() -> None:
    """1,200 posts more (the fourteenth writing), to the same plan in four other voices (emergency and urgent
    care; allied health and healthcare science; adult social care and social work; hospital wards and
    theatres), read blind as the others (all 1,200 alike), and read for three choices (the fourth and fifth
    candidate heads, and the gate's). This head: flag F1 0.841 with 22 of 440 near misses flagged
    (5.0 %) and 4 of 160 ordinary posts; by writer 0.889, 0.817, 0.833 and 0.820, near misses 7, 4, 4 and 7 of
    110. The heads before: 0.844 with 21 (73a4ad6); 75a392b, scoring it once, 0.831 with 26 (5.9 %)."""
    _holds_on_writing_apart(FOURTH, 1200, 440, 0.835, 0.055, 0.81, 0.07)


def test_fifteenth_writing_figures() -> None:
    """1,200 posts more (the fifteenth writing) in four other voices (community and public health nursing;
    doctors at every stage; children's social care and youth services; the hidden workforce of hospitals),
    read blind twice, the second time under neutral ids (all 1,200 alike both times), many near misses
    mirroring a flag word for word; scored once by this head and the one before, then read for a third
    choice (the seventh and eighth candidate heads trained on it; neither kept). This head: flag F1 0.852
    with 43 of 440 near misses flagged (9.8 %) and 4 of 160 ordinary posts; by writer 0.839, 0.863, 0.793
    and 0.907, near misses 9, 15, 11 and 8 of 110. The head before (73a4ad6): 0.852 with 44."""
    _holds_on_writing_apart(FIFTEENTH, 1200, 440, 0.845, 0.10, 0.785, 0.14)


def test_sixteenth_writing_figures() -> None:
    """1,200 posts more (the sixteenth writing) in four other voices (dentistry, optometry and independent
    clinics; home care and community support; managers, educators and researchers; mental health, addictions
    and homelessness), read blind under neutral ids (all 1,200 alike), many near misses mirroring a flag;
    read for two choices (the seventh and eighth candidate heads, neither kept). This head, scoring it
    once: flag F1 0.828 with 40 of 440 near misses flagged (9.1 %) and 6 of 160 ordinary posts; by writer
    0.830, 0.856, 0.821 and 0.801, near misses 13, 10, 5 and 12 of 110."""
    _holds_on_writing_apart(SIXTEENTH, 1200, 440, 0.82, 0.095, 0.795, 0.12)


def test_seventeenth_writing_figures() -> None:
    """1,200 posts more (the seventeenth writing) in four other voices (emergency and urgent care; allied
    health professions; maternity, neonatal and children's health; adult social care and disability
    services), read blind under neutral ids (1,199 alike), many near misses mirroring a flag. This head,
    scoring it once: flag F1 0.856 with 44 of 440 near misses flagged (10.0 %) and 4 of 160 ordinary posts;
    by writer 0.845, 0.837, 0.880 and 0.862, near misses 13, 11, 13 and 7 of 110."""
    _holds_on_writing_apart(SEVENTEENTH, 1200, 440, 0.85, 0.105, 0.83, 0.125)


ORDINARY = FRESH.with_name("safety_ordinary_apart.jsonl")


def test_ordinary_posts_written_apart_stay_mostly_quiet() -> None:
    """400 everyday posts around health and care written apart (organisations, the public, staff), none of
    them a breach: 12 flagged when the head was made (1, 7 and 4 by voice); the heads before: 13 (73a4ad6),
    11 (75a392b), 14 (2151671), 12 (5b4fa07 and 9f98f1d), 9 (73042a7)."""
    rows = [orjson.loads(line) for line in ORDINARY.read_bytes().splitlines()]
    assert len(rows) == 400
    flagged = [r["voice"] for r, res in zip(rows, check_many((r["id"], r["text"]) for r in rows), strict=True)
               if _flags_a_category(res)]
    assert len(flagged) <= 13, Counter(flagged)
    assert flagged.count("organisation") <= 2, Counter(flagged)


def test_a_link_is_read_as_one_word() -> None:
    """A shortened link's letters are random: the head reads every link as the same word."""
    from sociable.safety.semantic import unnamed

    assert unnamed("Closed Tuesday https://t.co/U7T4D6SZdG, see www.nhs.uk/x (or bit.ly/3xYz). @Bob_1") == (
        "Closed Tuesday http://link, see http://link (or http://link). @user")
    for kept in ("email a@b.com", "e.g. this", "NHS.uk is good", "report.pdf", "3.5/10 would not"):
        assert unnamed(kept) == kept
    reminder = "Reminder: our offices in Eastmoor are closed on Tuesday for staff training. "
    # (not pic.twitter.com/…: the word lists read the raw text, and a photo's link says a photo is attached)
    posts = [reminder + link for link in ("https://t.co/zLjbhLS9oH", "https://t.co/Ab12Cd34Ef", "bit.ly/3xYzQ9",
                                          "ow.ly/Kp2b50Rt", "lnkd.in/eXyZ12")]
    assert {check(text).verdict for text in posts} == {check(reminder + "http://link").verdict}


def test_review_mode_needs_the_learned_categories() -> None:
    with pytest.raises(ValueError, match="review mode needs the learned categories"):
        check("Kettle on", learned=False, review=True)
    with pytest.raises(ValueError, match="review mode needs the learned categories"):
        list(check_many([("1", "Kettle on")], learned=False, review=True))


def test_review_mode_finds_more_and_says_so() -> None:
    """Review mode on the held-out part: more of what should be flagged is found, at the cost of more near
    misses asked about (figures measured when the review head was made: REVIEW_FIGURES)."""
    rows = part("heldout")
    f1, _, tp = _heldout_flags(rows)
    review_f1, review_near, review_tp = _heldout_flags(rows, review=True)
    assert review_tp > tp and review_f1 > f1 + 0.03, (f1, review_f1)
    assert review_f1 >= REVIEW_FIGURES[0] - 0.01 and review_near <= REVIEW_FIGURES[1] + 0.01, (review_f1, review_near)
    # a post only review mode flags: the same finding shape, a real span, its category's principles
    for row in rows:
        quiet, reviewed = check(row.text), check(row.text, review=True)
        extra = [f for f in reviewed.findings if f.kind == "review"]
        if quiet.verdict == "ok" and extra:
            assert reviewed.flagged and len(extra) == 1 and extra[0].category in CATEGORIES
            assert row.text[extra[0].start:extra[0].end] == extra[0].text and extra[0].text.strip()
            assert extra[0].principles and extra[0].suggestion
            break
    else:
        raise AssertionError("review mode flagged nothing the default left quiet")
