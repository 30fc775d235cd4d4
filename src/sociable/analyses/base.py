"""The one shape every analysis has, and the registry the report, web app and CLI walk.

An analysis is a function `(workspace, **options) -> AnalysisResult`, registered with
`@analysis(...)`. It reads the store, returns Arrow tables and small values, and never
prints, writes files or knows about HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Measure:
    """A number the tool reports, with the one-line definition shown to users."""

    name: str
    definition: str


@dataclass(slots=True)
class AnalysisResult:
    """What an analysis returns: named tables, small facts, and the definitions behind them."""

    name: str
    title: str
    description: str
    measures: tuple[Measure, ...] = ()
    tables: dict[str, pa.Table] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # plain-language findings and limits ("Police talk mostly to police")


AnalysisFunction = Callable[..., AnalysisResult]


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    name: str
    title: str
    description: str
    function: AnalysisFunction
    order: int


_ANALYSES: dict[str, AnalysisSpec] = {}


def analysis(
    name: str, title: str, description: str, order: int = 100
) -> Callable[[AnalysisFunction], AnalysisFunction]:
    """Register an analysis under a name; built-in and later ones are registered the same way."""

    def register(function: AnalysisFunction) -> AnalysisFunction:
        _ANALYSES[name] = AnalysisSpec(name, title, description, function, order)
        return function

    return register


def registered_analyses() -> list[AnalysisSpec]:
    return sorted(_ANALYSES.values(), key=lambda spec: (spec.order, spec.name))
