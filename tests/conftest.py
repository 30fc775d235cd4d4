"""Shared fixtures: a fresh workspace per test, and paths to the golden fixture files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import sociable
from sociable.store import Workspace

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = sociable.open(tmp_path / "ws.duckdb")
    yield ws
    ws.close()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
