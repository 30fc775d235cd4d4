"""Shared fixtures: a fresh workspace per test, and paths to the golden fixture files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import sociable
from sociable.store import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models come from installed packages; nothing is fetched


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = sociable.open(tmp_path / "ws.duckdb")
    yield ws
    ws.close()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
