"""Long work in the background: imports run one at a time on one writer thread, with progress.

Every write of the app goes through this queue, so the app has one writer. A job opens the
workspace for writing only while it runs (waiting for the app's requests and for other
processes to let go); requests made meanwhile wait briefly, then get a 503. A job's state lives
in memory and is read by the job page and `/api/jobs/{id}`, which never touch the workspace.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sociable.errors import SociableError, WorkspaceError

if TYPE_CHECKING:
    from sociable.store import ImportProgress, ImportSummary
    from sociable.web.workspaces import Workspaces

JobState = Literal["queued", "running", "done", "failed"]
KEEP_JOBS = 200
LOG = logging.getLogger("sociable.web")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class NoSuchJob(SociableError):
    """A job id was asked for that this app has not run."""


class BadUpload(SociableError):
    """An upload had no files, too many, or files of a type the app does not import."""


@dataclass(slots=True)
class Job:
    """One background import: what it reads, where it is, and how it ended."""

    id: str
    files: list[str]
    collection: str | None
    format: str
    state: JobState = "queued"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    file_index: int = 0
    file_count: int = 0
    current_file: str | None = None
    records: int = 0
    run_id: int | None = None
    summary: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    kind: str = "import"  # "import" or "screen"
    message: str | None = None  # what a finished job did, in one sentence
    refused: list[dict[str, str]] = field(default_factory=list)  # uploaded files not imported, with the reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "message": self.message,
            "refused": list(self.refused),
            "state": self.state,
            "files": list(self.files),
            "collection": self.collection,
            "format": self.format,
            "options": dict(self.options),
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "progress": {"file_index": self.file_index, "file_count": self.file_count,
                         "current_file": self.current_file, "records": self.records},
            "run_id": self.run_id,
            "summary": list(self.summary),
            "totals": self.totals(),
            "error": self.error,
        }

    def totals(self) -> dict[str, int]:
        names = ("read", "stored", "duplicates", "skipped", "rejected")
        return {name: sum(int(row.get(name, 0)) for row in self.summary) for name in names}


Task = Callable[[], None]


class JobQueue:
    """Imports into one workspace, run in order on a single writer thread."""

    def __init__(self, workspaces: Workspaces, upload_root: Path) -> None:
        self.workspaces = workspaces
        self.upload_root = upload_root
        self._jobs: dict[str, Job] = {}
        self._guard = threading.Lock()
        self._tasks: queue.Queue[tuple[Job, Task] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="sociable-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ public

    def new_upload_folder(self) -> tuple[str, Path]:
        """A fresh folder for one job's uploaded files, inside the upload root."""
        job_id = uuid.uuid4().hex
        folder = self.upload_root / job_id
        folder.mkdir(parents=True, exist_ok=False)
        return job_id, folder

    def submit_screen(self, collection: str | None = None) -> Job:
        """Queue screening the posts of a collection (or every post) for safe practice; findings are kept."""
        job = Job(uuid.uuid4().hex, [], collection or None, "", kind="screen")
        with self._guard:
            self._jobs[job.id] = job
            self._forget_old()
        self._tasks.put((job, lambda: self._run_screen(job)))
        return job

    def submit_import(self, job_id: str, folder: Path, names: list[str], format: str = "auto",
                     collection: str | None = None, options: dict[str, str] | None = None,
                     refused: list[dict[str, str]] | None = None) -> Job:
        """Queue an import of files already saved in the job's folder (with reader options, if any;
        `refused`: uploads left out, and why)."""
        job = Job(job_id, names, collection or None, format, file_count=len(names), options=dict(options or {}),
                  refused=list(refused or []))
        paths = [folder / name for name in names]
        with self._guard:
            self._jobs[job.id] = job
            self._forget_old()
        self._tasks.put((job, lambda: self._run_import(job, paths, folder)))
        return job

    def get(self, job_id: str) -> Job:
        with self._guard:
            job = self._jobs.get(job_id)
        if job is None:
            raise NoSuchJob(f"there is no job '{job_id}'; jobs are kept only while the app runs.")
        return job

    def all(self) -> list[Job]:
        with self._guard:
            return sorted(self._jobs.values(), key=lambda job: job.created_at, reverse=True)

    def wait(self, job_id: str, timeout: float = 30.0) -> Job:
        """Block until a job has finished (for tests and scripts)."""
        deadline = datetime.now(UTC).timestamp() + timeout
        job = self.get(job_id)
        while job.state in ("queued", "running") and datetime.now(UTC).timestamp() < deadline:
            threading.Event().wait(0.02)
        return job

    def close(self) -> None:
        """Finish the queued work and stop the writer thread."""
        self._tasks.put(None)
        self._thread.join(timeout=60)

    # ------------------------------------------------------------------ worker

    def _work(self) -> None:
        while True:
            item = self._tasks.get()
            if item is None:
                return
            job, task = item
            job.state = "running"
            try:
                task()
                job.state = "done"
            except SociableError as exc:
                job.error, job.state = str(exc), "failed"
            except Exception as exc:  # a worker thread must survive any one job
                LOG.exception("import job %s failed", job.id)
                job.error = failure_message(job, exc)
                job.state = "failed"
            finally:
                job.finished_at = datetime.now(UTC)

    def _run_import(self, job: Job, paths: list[Path], folder: Path) -> None:
        def progress(event: ImportProgress) -> None:
            job.file_index = event.file_index + int(event.done)
            job.file_count = event.file_count
            job.current_file = Path(event.file).name
            job.records = event.records

        try:
            with self.workspaces.writing() as workspace:
                summary = workspace.import_files(paths, format=job.format, collection=job.collection,
                                                 options=job.options, progress=progress)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        job.run_id = summary.run_id
        job.summary = _summary_rows(summary, folder)

    def _run_screen(self, job: Job) -> None:
        from sociable.safety.screen import screen

        with self.workspaces.writing() as workspace:
            result = screen(workspace, workspace.scope(collection=job.collection), None, False)
        where = f"the collection “{job.collection}”" if job.collection else "the workspace"
        share = f" ({100 * result.flagged / result.screened:.1f}%)" if result.screened else ""
        job.message = (f"Screened {result.screened:,} posts in {where}: {result.flagged:,} flagged{share}, "
                       f"{result.findings:,} findings. The Safe practice view shows the counts.")

    def _forget_old(self) -> None:
        finished = [job for job in self._jobs.values() if job.state in ("done", "failed")]
        for job in sorted(finished, key=lambda job: job.created_at)[: max(0, len(self._jobs) - KEEP_JOBS)]:
            del self._jobs[job.id]


def failure_message(job: Job, exc: Exception) -> str:
    """What a job that stopped on an unexpected error says: what happened, what is kept, what to do."""
    where = f" while reading {job.current_file}" if job.current_file else ""
    return (f"the import stopped unexpectedly{where} ({type(exc).__name__}: {exc}). Posts stored before it "
            "stopped are kept, and a later import never stores them twice. Unless the cause was passing (a full "
            "disk, a file being moved), uploading the same files again will stop at the same place: please report "
            "the problem with this message.")


def _summary_rows(summary: ImportSummary, folder: Path) -> list[dict[str, Any]]:
    rows = []
    for item in summary.files:
        name = Path(item.file).name if Path(item.file).parent == folder else item.file
        error = without_folder(item.error, folder) if item.error else None
        rows.append({"file": name, "format": item.format, "read": item.read, "stored": item.stored,
                     "duplicates": item.duplicates, "skipped": item.skipped, "rejected": item.rejected,
                     "error": error})
    return rows


def without_folder(message: str, folder: Path) -> str:
    """A message with the upload folder's path taken out, however it was written (absolute, relative, resolved)."""
    spellings = {str(folder), str(folder.resolve())}
    with contextlib.suppress(ValueError):
        spellings.add(str(folder.relative_to(Path.cwd())))
    for spelling in sorted(spellings, key=len, reverse=True):
        message = message.replace(spelling + "/", "").replace(spelling, "the upload")
    return message


def safe_filename(name: str | None) -> str:
    """A file name that cannot leave its folder: the last path part, plain characters, no leading dot."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = _SAFE_NAME.sub("_", base).lstrip(".")[:120]
    if not cleaned or cleaned in {".", ".."}:
        raise BadUpload("an uploaded file needs a name such as posts.jsonl.")
    return cleaned


def inside(folder: Path, name: str) -> Path:
    """The path of `name` inside `folder`, refusing anything that would resolve outside it."""
    target = (folder / name).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise WorkspaceError(f"'{name}' would be written outside the upload folder; rename the file.")
    return target
