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


class NoSuchCollection(SociableError):
    """A collection name was asked for that the workspace does not hold."""
