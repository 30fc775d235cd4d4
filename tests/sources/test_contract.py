"""One contract over every source: each golden fixture is recognised, mapped soundly and remappable."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import orjson
import pytest

from sociable.errors import MappingError
from sociable.model import Post
from sociable.sources.base import Format, Mapped, RawRecord, Rejected
from sociable.sources.registry import all_formats, detect_format

FIXTURES = Path(__file__).parent.parent / "fixtures"
PLATFORM_DIRS = ("twitter", "pheme", "mastodon", "bluesky", "feeds", "csv", "careopinion")


def golden_inputs() -> list[Path]:
    """Every fixture that has an .expected.json beside it (a file, or a PHEME folder)."""
    found = []
    for directory in PLATFORM_DIRS:
        for expected in sorted((FIXTURES / directory).rglob("*.expected.json")):
            stem = expected.name[: -len(".expected.json")]
            candidates = [
                p for p in expected.parent.iterdir()
                if p != expected and (p.stem == stem or p.name == stem) and not p.name.endswith(".options.json")
            ]
            found.extend(candidates[:1])
    return found


INPUTS = golden_inputs()


def records(path: Path) -> tuple[str, list[RawRecord], list[Rejected]]:
    fmt = detect_format(path)
    raw, rejected = [], []
    options_file = path.with_suffix(".options.json")
    options = orjson.loads(options_file.read_bytes()) if options_file.exists() else {}
    for item in fmt.read(path, options):
        (rejected if isinstance(item, Rejected) else raw).append(item)
    return fmt.name, raw, rejected


def test_every_format_has_a_golden_fixture() -> None:
    detected = {detect_format(path).name for path in INPUTS}
    assert detected == {fmt.name for fmt in all_formats()}


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_posts_keep_the_model_contract(path: Path) -> None:
    name, raw, _ = records(path)
    fmt = next(f for f in all_formats() if f.name == name)
    for mapped in mapped_records(fmt, raw):
        for post in mapped.posts:
            check_post(post)
        for account in mapped.accounts:
            assert account.account_id and account.platform


def check_post(post: Post) -> None:
    assert post.post_id and post.account_id and post.platform
    assert post.created_at.tzinfo is not None and post.created_at.utcoffset() == UTC.utcoffset(None)
    assert all(tag == tag.lower() and not tag.startswith("#") for tag in post.hashtags)
    assert post.account_id not in post.mentions
    if post.reply_to_account:
        assert post.reply_to_account not in post.mentions
    assert len(set(post.mentions)) == len(post.mentions)
    assert post.media_count >= 0


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_raw_records_remap_alone(path: Path) -> None:
    """What the store keeps (the raw record as JSON) maps to exactly what the file mapped to."""
    name, raw, _ = records(path)
    fmt = next(f for f in all_formats() if f.name == name)
    for record in raw:
        try:
            direct = fmt.map(record.raw)
        except MappingError:
            continue  # the fixture's deliberately bad records: they become rejected records
        stored = orjson.loads(orjson.dumps(record.raw))
        assert as_rows(fmt.map(stored)) == as_rows(direct)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_no_other_format_claims_the_file(path: Path) -> None:
    if path.is_dir():
        return
    head = path.read_bytes()[:65536]
    claims = [f.name for f in all_formats() if not f.directory and f.sniff(path, head)]
    assert len(claims) == 1, claims


def mapped_records(fmt: Format, raw: list[RawRecord]) -> list[Mapped]:
    out = []
    for record in raw:
        try:
            out.append(fmt.map(record.raw))
        except MappingError:
            continue
    return out


def as_rows(mapped: Mapped) -> tuple[list[Post], list[object]]:
    return mapped.posts, list(mapped.accounts)
