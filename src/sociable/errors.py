"""Every error sociable raises on purpose is a SociableError with a sentence a user can act on."""

from __future__ import annotations


class SociableError(Exception):
    """Base class: the message is one plain sentence that says what happened and what to do."""


class UnreadableFile(SociableError):
    """A file could not be read at all (missing, binary, wrong shape)."""


class UnknownFormat(SociableError):
    """No source recognised a file."""


class MappingError(SociableError):
    """One raw record could not be turned into posts/accounts; the record is rejected."""


class WorkspaceError(SociableError):
    """The workspace file is missing, locked, or from a newer schema."""


class WorkspaceBusy(WorkspaceError):
    """Another process (or another part of this one) holds the workspace and did not let go in time."""

    def __init__(self, message: str, holder: str | None = None, writing: bool | None = None) -> None:
        super().__init__(message)
        self.holder = holder  # e.g. "process 4242 (sociable import posts.jsonl)", when DuckDB says who
        self.writing = writing  # True: the holder writes; False: it reads (and we wanted to write)


class NoSuchCollection(SociableError):
    """A collection name was asked for that the workspace does not hold."""
