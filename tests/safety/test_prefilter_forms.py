"""The stored prefilter forms (safety/data/prefilter.yaml) hold for their patterns.

Every pattern the checker uses has an entry; each fragment set is really required (no text the
pattern matches lacks all of them) and each RE2 form opens wherever the pattern matches and
finds the same matches, on the development set, the test corpora and strings generated from the
pattern itself.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safety_devset import load
from staff_corpus import staff_tweets

from sociable.safety import check
from sociable.safety.checker import prepare
from sociable.safety.prefilter import DIGIT, Guard, Scan, mark_boundaries
from sociable.safety.prefilter.forms import stored_forms

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_PARTNERS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


@cache
def every_guard() -> tuple[Guard, ...]:
    import gc

    prepare()
    check("warm")  # the rules register their gates on first use
    return tuple(g for g in gc.get_objects() if isinstance(g, Guard) and (g.pattern.pattern, g.pattern.flags)
                 in stored_forms())


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@cache
def corpus() -> tuple[str, ...]:
    """The development set (as written, upper- and lower-cased), the staff corpus and every string in the fixtures."""
    texts = [row["text"] for row in load()]
    texts += [t.upper() for t in texts] + [t.lower() for t in texts]
    texts += [tweet["full_text"] for tweet in staff_tweets()]
    for path in sorted(FIXTURES.rglob("*.json*")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if path.suffix == ".jsonl" else [
            path.read_text(encoding="utf-8", errors="replace")
        ]:
            try:
                texts += [s for s in _strings(json.loads(line)) if len(s) > 2]
            except ValueError:
                continue
    return tuple(dict.fromkeys(texts))


def assert_forms_hold(guard: Guard, text: str) -> None:
    """The pattern's fragments, gates and located matches agree with the pattern itself on this text."""
    expected = [m.span() for m in guard.pattern.finditer(text)]
    if expected and guard.atoms is not None:
        marked = mark_boundaries(text.translate(_PARTNERS).lower())
        digit = DIGIT in guard.atoms and re.search(r"\d", text) is not None
        assert digit or any(a in marked for a in guard.atoms if a != DIGIT), (guard.pattern.pattern[:80], text)
    scan = Scan(text)
    if expected:
        assert guard.possible(scan), (guard.pattern.pattern[:80], text)
    assert [m.span() for m in guard.finditer(scan)] == expected, (guard.pattern.pattern[:80], text)


_USED = """
import gc, json
from sociable.safety import check
from sociable.safety.checker import prepare
from sociable.safety.prefilter import Guard
prepare()
check("warm")
print(json.dumps(sorted({(g.pattern.pattern, g.pattern.flags) for g in gc.get_objects() if isinstance(g, Guard)})))
"""


def test_every_pattern_the_checker_uses_has_stored_forms() -> None:
    # In a fresh process, so that patterns other tests made are not counted.
    out = subprocess.run([sys.executable, "-c", _USED], capture_output=True, text=True, check=True).stdout
    used = {(pattern, flags) for pattern, flags in json.loads(out)}
    missing = sorted(used - set(stored_forms()))
    entries = [{"pattern": p, **({"ignorecase": True} if f & re.IGNORECASE else {})} for p, f in missing]
    assert not missing, (
        f"{len(missing)} patterns have no prefilter forms; add to safety/data/prefilter.yaml (then write their "
        "fragments, see safety/prefilter/README.md):\n" + yaml.safe_dump(entries, allow_unicode=True, width=100000)
    )
    unused = set(stored_forms()) - used
    assert not unused, f"entries in safety/data/prefilter.yaml for no pattern the checker uses: {sorted(unused)[:3]}"


def test_stored_fragments_and_forms_hold_on_the_corpora() -> None:
    texts = corpus()
    assert len(texts) > 500
    for text in texts:
        for guard in every_guard():
            assert_forms_hold(guard, text)


@pytest.mark.parametrize("number", range(len(stored_forms())))
def test_stored_forms_hold_on_strings_made_from_the_pattern(number: int) -> None:
    key = list(stored_forms())[number]
    guard = next(g for g in every_guard() if (g.pattern.pattern, g.pattern.flags) == key)

    @settings(max_examples=100, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.from_regex(guard.pattern), st.sampled_from(["", " ", "on the ward. ", "x"]), st.booleans())
    def holds(text: str, before: str, upper: bool) -> None:
        text = before + text
        assert_forms_hold(guard, text.upper() if upper else text)

    holds()
