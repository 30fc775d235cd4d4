"""Chat transcripts and CPD records as Markdown or self-contained HTML, and writing them safely.

HTML comes from our own templates with escaping on (templates/chat_*.html); Markdown escapes
every character that could become markup, so a post can neither run a script nor forge a heading
or a link. Files are written to a temporary name and renamed, never over an existing file
unless forced.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from sociable.analyses.chats.detect import UK
from sociable.analyses.chats.records import CpdRecord, Entry, Transcript
from sociable.errors import SociableError
from sociable.reports.html import _environment

FORMATS = (".md", ".html")

REFLECTION_PROMPTS = (
    "What was the activity? (an online discussion in a professional hashtag chat)",
    "What did you learn from it?",
    "How did you change or improve your practice as a result?",
    "How is this relevant to your code or standards?",
)
FRAMEWORKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "nmc": ("NMC Code (nurses, midwives, nursing associates)",
            "tick the themes this reflection relates to; chats count as participatory learning hours.",
            ("Prioritise people", "Practise effectively", "Preserve safety", "Promote professionalism and trust")),
    "hcpc": ("HCPC standards of CPD (allied health professionals)",
             "say how this activity meets the standards.",
             ("1. Keep a continuous, up-to-date and accurate record of your CPD activities",
              "2. Show a mixture of learning activities relevant to current or future practice",
              "3. Seek to ensure that CPD has contributed to the quality of your practice and service delivery",
              "4. Seek to ensure that CPD benefits the service user",
              "5. Present a written profile explaining how you have met the standards, when asked")),
    "swe": ("Social Work England professional standards (social workers)",
            "record how this learning relates to the standards.",
            ("1. Promote the rights, strengths and wellbeing of people, families and communities",
             "2. Establish and maintain the trust and confidence of people",
             "3. Be accountable for the quality of my practice and the decisions I make",
             "4. Maintain my continuing professional development",
             "5. Act safely, ethically and with integrity",
             "6. Promote ethical practice and report concerns")),
}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


class DocumentError(SociableError):
    """A transcript or record could not be written where asked."""


# ---------------------------------------------------------------------- transcripts


def transcript_html(transcript: Transcript) -> str:
    """The transcript as one self-contained HTML page."""
    body = render_transcript_fragment(transcript)
    return _page(transcript.title, body)


def render_transcript_fragment(transcript: Transcript) -> Markup:
    """The transcript's markup alone (the report's Chats section embeds it)."""
    return Markup(_template("chat_transcript.html").render(**transcript_context(transcript)))


def transcript_context(transcript: Transcript) -> dict[str, Any]:
    """What chat_transcript.html needs: the transcript and anchors made from positions, never from data."""
    posts = transcript.session.posts
    ids = {post.post_id: f"p{i + 1}" for i, post in enumerate(posts)}
    questions = {int(q.label[1:]): ids[q.post.post_id] for q in transcript.session.questions}
    uk_times = {post.post_id: uk_clock(post.created_at) for post in posts}
    return {"transcript": transcript, "ids": ids, "questions": questions, "uk_times": uk_times}


def transcript_markdown(transcript: Transcript) -> str:
    """The transcript as Markdown: questions first, then the threads, replies indented under their posts."""
    session = transcript.session
    lines = [f"# {md(transcript.title)}", "",
             f"{md(transcript.when)} · host @{md(transcript.host)} · {len(session.posts)} posts from "
             f"{len(session.participants)} accounts", ""]
    if session.questions:
        lines += ["## Questions", "", "| Question | Asked | Text | Answers |", "|---|---|---|---|"]
        lines += [f"| {q.label} | {uk_clock(q.post.created_at)} | {md(_one_line(q.post.text))} | {len(q.answers)} |"
                  for q in session.questions]
        lines.append("")
    lines += ["## Transcript", ""]
    for entry in transcript.threads:
        _entry_markdown(entry, 0, lines)
    return "\n".join(lines).rstrip() + "\n"


def _entry_markdown(entry: Entry, depth: int, lines: list[str]) -> None:
    indent = "  " * depth
    labels = []
    if entry.post.question:
        labels.append(f"**Q{entry.post.question}**")
    labels += [f"A{n} → Q{n}" for n in entry.post.answers]
    if entry.replying_to:
        labels.append(f"replying to @{md(entry.replying_to)}")
    if entry.quote:
        labels.append("quotes an earlier post" if entry.quote_in_session else f"quotes {md(entry.quote)}")
    meta = f"{entry.uk_time} **@{md(entry.handle)}**" + (f" ({', '.join(labels)})" if labels else "")
    lines.append(f"{indent}- {meta}")
    for text_line in entry.post.text.splitlines() or [""]:
        lines.append(f"{indent}  > {md(text_line)}")
    for child in entry.children:
        _entry_markdown(child, depth + 1, lines)


# ---------------------------------------------------------------------- CPD records


def cpd_html(record: CpdRecord) -> str:
    """The CPD record as one self-contained HTML page."""
    body = Markup(_template("chat_cpd.html").render(**_cpd_context(record)))
    return _page(f"CPD record: #{record.tag} chats, @{record.handle}", body)


def _cpd_context(record: CpdRecord) -> dict[str, Any]:
    return {"record": record, "hours": hours(record.minutes), "prompts": REFLECTION_PROMPTS,
            "frameworks": [FRAMEWORKS[code] for code in record.codes],
            "answered": [", ".join(sorted({q for c in a.contributions for q in c.answers}, key=_label_order)) or "–"
                         for a in record.attended]}


def cpd_markdown(record: CpdRecord) -> str:
    """The CPD record as Markdown, with the reflective prompts of the codes chosen."""
    context = _cpd_context(record)
    lines = [f"# CPD record: #{md(record.tag)} chats, @{md(record.handle)}", "",
             f"Online participatory learning: {len(record.attended)} session(s) of the #{md(record.tag)} chat, "
             f"{context['hours']} in all. Times are UK local time.", "",
             "| Date | Time (UK) | Minutes | Posts | Questions answered |", "|---|---|---|---|---|"]
    for a, answered in zip(record.attended, context["answered"], strict=True):
        lines.append(f"| {a.date} | {a.uk_time} | {a.session.minutes} | {len(a.contributions)} | {answered} |")
    for a in record.attended:
        lines += ["", f"## {a.date}, {a.uk_time} UK time", ""]
        if a.questions:
            lines += ["### What was discussed", ""] + [f"- **{label}** {md(_one_line(text))}"
                                                       for label, text in a.questions] + [""]
        lines += ["### My contributions", ""]
        for c in a.contributions:
            answering = f" · answering {', '.join(c.answers)}" if c.answers else ""
            lines.append(f"{uk_clock(c.at)}{answering}")
            lines += [f"> {md(line)}" for line in c.text.splitlines() or [""]] + [""]
        if a.replies:
            lines += ["### Replies I received", ""]
            for at, text in a.replies:
                lines += [uk_clock(at)] + [f"> {md(line)}" for line in text.splitlines() or [""]] + [""]
        if a.links_shared or a.links_received:
            lines += ["### Links", ""] + [f"- I shared: <{_link(url)}>" for url in a.links_shared]
            lines += [f"- Sent to me: <{_link(url)}>" for url in a.links_received] + [""]
        lines += ["### Reflection", ""]
        for prompt in REFLECTION_PROMPTS:
            lines += [f"**{md(prompt)}**", "", "_(write here)_", ""]
        for name, intro, themes in context["frameworks"]:
            lines += [f"**{md(name)}**: {md(intro)}", ""] + [f"- [ ] {md(theme)}" for theme in themes] + [""]
    return "\n".join(lines).rstrip() + "\n"


def hours(minutes: int) -> str:
    whole, rest = divmod(minutes, 60)
    return f"{whole} h {rest:02d} min" if whole else f"{rest} min"


def _label_order(label: str) -> int:
    return int(label[1:])


# ---------------------------------------------------------------------- shared


def md(text: str) -> str:
    """Text safe to put in Markdown: every markup character escaped, no raw HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


def _link(url: str) -> str:
    """A URL inside <...> in Markdown: only http(s), with no characters that could end it."""
    if not re.match(r"https?://[^\s<>]+$", url, flags=re.IGNORECASE):
        return md(url)
    return url


def _one_line(text: str) -> str:
    return " ".join(text.split())


def uk_clock(moment: datetime) -> str:
    return moment.astimezone(UK).strftime("%H:%M")


@cache
def _chat_environment() -> jinja2.Environment:
    env = _environment().overlay()
    env.filters["uk_clock"] = uk_clock
    return env


def _template(name: str) -> jinja2.Template:
    return _chat_environment().get_template(name)


def _page(title: str, body: Markup) -> str:
    return _template("chat_document.html").render(title=title, body=body)


def write_document(text: str, path: Path, *, force: bool = False, protect: tuple[Path, ...] = ()) -> Path:
    """Write a .md or .html document atomically, never over an existing file unless forced."""
    target = Path(path).resolve()
    if any(target == other.resolve() for other in protect):
        raise DocumentError(f"{path} is the workspace or an input of this command; choose another file name.")
    if path.suffix.lower() not in FORMATS:
        raise DocumentError(f"-o should name a .md or .html file, not '{path.name}'.")
    if not target.parent.is_dir():
        raise DocumentError(f"cannot write {path}: the folder {target.parent} does not exist.")
    if target.exists() and not force:
        raise DocumentExists(f"{path} exists already; choose another name or add --force to replace it.")
    mode = target.stat().st_mode & 0o777 if target.exists() else None
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


class DocumentExists(DocumentError):
    """The file to write exists already and --force was not given."""


def render_document(value: Transcript | CpdRecord, suffix: str) -> str:
    """A transcript or CPD record as Markdown (.md) or HTML (.html)."""
    if isinstance(value, Transcript):
        return transcript_html(value) if suffix == ".html" else transcript_markdown(value)
    return cpd_html(value) if suffix == ".html" else cpd_markdown(value)
