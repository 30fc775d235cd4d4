"""Import by upload: files are saved inside the app's upload folder and imported on the writer thread."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from sociable.errors import SociableError
from sociable.sources.registry import all_formats, check_reader_options, parse_reader_options, reader_options
from sociable.web import queries
from sociable.web.jobs import BadUpload, Job, JobQueue, inside, safe_filename
from sociable.web.routes import workspace_of
from sociable.web.security import TooLarge, require_csrf
from sociable.web.templating import render

router = APIRouter(include_in_schema=False)
CHUNK = 1024 * 1024


def format_names() -> list[str]:
    return ["auto", *sorted(fmt.name for fmt in all_formats())]


def upload_options(text: str | None, format: str) -> dict[str, str]:
    """The reader options of the form: `key=value`, one a line (or separated by commas)."""
    pairs = [part for line in (text or "").splitlines() for part in line.split(",") if part.strip()]
    try:
        options = parse_reader_options(pairs, "a reader option")
        check_reader_options(options, format)
    except SociableError as exc:
        raise BadUpload(str(exc).replace("(set one with --option key=value)", "(one key=value a line)")) from None
    return options


async def start_import(request: Request, files: list[UploadFile], format: str, collection: str | None,
                       options: str | None = None) -> Job:
    """Check and save the uploaded files, then queue the import of those sociable can read; returns the job.

    A file of a type sociable does not import (or beyond the number allowed at once) is left
    out, and the job says which and why; only when no file is left is the upload refused.
    """
    limits = request.app.state.limits
    chosen = [f for f in files if f.filename]
    if not chosen:
        raise BadUpload("choose at least one file to import.")
    if format not in format_names():
        raise BadUpload(f"the format should be one of {', '.join(format_names())}, not '{format}'.")
    reader = upload_options(options, format)
    kept, names, refused = _names(chosen, limits.suffixes, limits.max_files)
    if not kept:
        reasons = "; ".join(f"{row['file']}: {row['reason']}" for row in refused)
        raise BadUpload(f"none of the files could be imported ({reasons}).")
    jobs: JobQueue = request.app.state.jobs
    job_id, folder = jobs.new_upload_folder()
    try:
        await _save(kept, names, folder, limits.max_upload_bytes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return jobs.submit_import(job_id, folder, names, format=format, collection=(collection or "").strip() or None,
                              options=reader, refused=refused)


def _names(
    files: list[UploadFile], suffixes: tuple[str, ...], max_files: int,
) -> tuple[list[UploadFile], list[str], list[dict[str, str]]]:
    """The files to import with their safe unique names, and those refused with the reason for each."""
    kept: list[UploadFile] = []
    names: list[str] = []
    refused: list[dict[str, str]] = []
    for upload in files:
        shown = re.split(r"[\\/]", upload.filename or "")[-1] or "a file without a name"
        try:
            name = safe_filename(upload.filename)
        except BadUpload as exc:
            refused.append({"file": shown, "reason": str(exc)})
            continue
        if not name.lower().endswith(suffixes):
            refused.append({"file": shown, "reason": f"sociable does not import this type of file; it imports "
                                                     f"{', '.join(suffixes)} files."})
            continue
        if len(kept) >= max_files:
            refused.append({"file": shown, "reason": f"at most {max_files} files are imported at once; upload it "
                                                     "again on its own."})
            continue
        stem, dot, suffix = name.rpartition(".")
        unique, count = name, 1
        while unique in names:
            count += 1
            unique = f"{stem}-{count}{dot}{suffix}"
        kept.append(upload)
        names.append(unique)
    return kept, names, refused


async def _save(files: list[UploadFile], names: list[str], folder: Path, limit: int) -> None:
    total = 0
    for upload, name in zip(files, names, strict=True):
        with inside(folder, name).open("wb") as out:
            while chunk := await upload.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise TooLarge(f"the upload is larger than the {limit / (1024 * 1024):,.4g} MB the app accepts.")
                out.write(chunk)


@router.get("/import")
def import_page(request: Request) -> Response:
    return render(request, "import.html", formats=format_names(), reader_options=sorted(reader_options().items()),
                  collections=[row["name"] for row in workspace_of(request).collections().to_pylist()],
                  jobs=[job.to_dict() for job in request.app.state.jobs.all()[:10]])


@router.post("/import", dependencies=[Depends(require_csrf)])
async def import_form(
    request: Request, files: Annotated[list[UploadFile], File()],
    format: Annotated[str, Form()] = "auto", collection: Annotated[str, Form()] = "",
    options: Annotated[str, Form()] = "",
) -> Response:
    job = await start_import(request, files, format, collection, options)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    job = request.app.state.jobs.get(job_id)
    rejected = None
    if job.state == "done" and job.run_id is not None:
        rejected = queries.rejected(workspace_of(request), limit=50, run_id=job.run_id)
    return render(request, "job.html", job=job.to_dict(), rejected=rejected)
