"""Commands: dialogue, maturity, listen — each made from its analysis's declaration (see cli/analysis.py).

Scope flags, the declared options (`--org FILE`, `--by`, `--window`, `--rubric`, `--keywords`…),
`--json` and `-o` come from the registry, and the result is printed by the one renderer.
"""

from __future__ import annotations

from sociable.analyses.base import get_analysis
from sociable.cli.analysis import build_command
from sociable.cli.app import app

for _name in ("dialogue", "maturity", "listening"):
    _spec = get_analysis(_name)
    app.command(_spec.command, help=f"{_spec.title}: {_spec.description}")(build_command(_spec))
