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
    return sorted({names[0] for names, _ in catalogue().professions})


@router.get("/check")
def check_page(request: Request) -> Response:
    return render(request, "check.html", text="", profession="", professions=professions(), result=None)


@router.post("/check", dependencies=[Depends(require_csrf)])
def check_form(
    request: Request, text: Annotated[str, Form(max_length=MAX_DRAFT)] = "",
    profession: Annotated[str, Form()] = "",
) -> Response:
    result = check(text, profession or None)
    return render(request, "check.html", text=text, profession=profession, professions=professions(),
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
    return {**result, "findings": findings, "pieces": pieces}
