"""The safe-practice checker as a page: it checks as you type (through /api/check) and without scripts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from sociable.safety import catalogue, check
from sociable.web.security import require_csrf
from sociable.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_DRAFT = 10_000


def professions() -> list[str]:
    """Every profession the guidance covers, by each name it is known by (nurse, HCA, paramedic, care worker...)."""
    return sorted({name for names, _ in catalogue().professions for name in names}, key=str.lower)


def profession_groups() -> list[dict[str, Any]]:
    """The professions in groups, each named after its first name and the bodies whose guidance applies."""
    cat = catalogue()
    groups = []
    for names, bodies in cat.professions:
        named = sorted({cat.principles[pid].body_name for pid in cat.principles if cat.principles[pid].body in bodies})
        label = names[0][:1].upper() + names[0][1:]
        groups.append({"label": f"{label} ({', '.join(named) or ', '.join(bodies)})",
                       "names": [name[:1].upper() + name[1:] if len(name) > 3 else name.upper() for name in names],
                       "values": list(names)})
    return groups


def principle_words(ids: list[str]) -> list[str]:
    """Principles as the CLI prints them: 'NMC-2 (Nursing and Midwifery Council): Keep confidences...'."""
    principles = catalogue().principles
    return [f"{pid} ({principles[pid].body_name}): {principles[pid].text}" if pid in principles else pid
            for pid in ids]


@router.get("/check")
def check_page(request: Request) -> Response:
    return render(request, "check.html", text="", profession="", professions=profession_groups(), result=None)


@router.post("/check", dependencies=[Depends(require_csrf)])
def check_form(
    request: Request, text: Annotated[str, Form(max_length=MAX_DRAFT)] = "",
    profession: Annotated[str, Form()] = "",
) -> Response:
    result = check(text, profession or None)
    return render(request, "check.html", text=text, profession=profession, professions=profession_groups(),
                  result=result_view(result.to_dict(), text))


def result_view(result: dict[str, Any], text: str) -> dict[str, Any]:
    """The result with the text cut into plain and flagged pieces, for highlighting without markup."""
    findings: list[dict[str, Any]] = [dict(f) for f in result["findings"]]
    pieces: list[dict[str, Any]] = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f["start"], f["end"])):
        start, end = max(finding["start"], position), finding["end"]
        if start >= end:
            continue
        if start > position:
            pieces.append({"text": text[position:start], "severity": None})
        pieces.append({"text": text[start:end], "severity": finding["severity"]})
        position = end
    if position < len(text):
        pieces.append({"text": text[position:], "severity": None})
    titles = catalogue().titles
    for finding in findings:
        finding["title"] = titles.get(finding["category"], finding["category"])
        finding["principle_words"] = principle_words(finding["principles"])
    return {**result, "findings": findings, "pieces": pieces}
