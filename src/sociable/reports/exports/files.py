"""Output files: never over an existing file unless forced, never over the workspace or an input, atomically.

Every command that writes a file the user names (`report -o`, `export ... -o`, `simulate -o`,
`screen --csv`, an analysis's `-o`) goes through `replacing(...)`:

* a target that is the workspace (or its write-ahead log), any DuckDB database, or an input of
  the same command is refused, even with force (symbolic and hard links are followed);
* an existing target is refused unless force is given;
* everything is written in a private folder beside the targets and renamed into place at the
  end, so a failed write leaves the old file as it was and no half-written one;
* a replaced file keeps its permissions; a new one gets the usual ones (the umask's).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sociable.errors import SociableError

DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file


class OutputExists(SociableError):
    """An output file exists already and force was not given."""


class ProtectedOutput(SociableError):
    """An output would be written over the workspace, a database or an input of the same command."""


def protected_paths(
    workspace: str | os.PathLike[str] | None, *inputs: str | os.PathLike[str] | None,
) -> tuple[Path, ...]:
    """The workspace, its write-ahead log and a command's inputs: what an output may never replace."""
    paths: list[Path] = []
    if workspace is not None:
        paths += [Path(workspace), Path(f"{workspace}.wal")]
    paths += [Path(p) for p in inputs if p is not None]
    return tuple(paths)


def check_output(path: Path, *, force: bool = False, protect: Iterable[Path] = ()) -> None:
    """Refuse a target that must never be replaced, or that exists when force is not given."""
    if _is_protected(path, protect):
        raise ProtectedOutput(f"{path} is the workspace or an input of this command; choose another file name.")
    if path.is_dir():
        raise SociableError(f"{path} is a folder; give a file name inside it.")
    if _is_database(path):
        raise ProtectedOutput(f"{path} is a DuckDB database (a workspace); sociable never writes over one, "
                              "even with --force; choose another file name.")
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputExists(f"{path} exists already; choose another name or add --force to replace it.")


@contextmanager
def replacing(*targets: Path, force: bool = False, protect: Iterable[Path] = ()) -> Iterator[Path]:
    """A private folder to write the targets in, under their own names; they replace the targets at the end.

    All targets must be in one folder. A target the writer did not produce is left alone.
    """
    targets = tuple(Path(t) for t in targets)
    folders = {t.parent.resolve() for t in targets}
    if len(folders) != 1:
        raise SociableError("the files of one output must be in one folder.")
    folder = targets[0].parent
    if not folder.is_dir():
        raise SociableError(f"the folder {folder} does not exist; create it or choose another file name.")
    protect = tuple(protect)
    for target in targets:
        check_output(target, force=force, protect=protect)
    try:
        staging = Path(tempfile.mkdtemp(prefix=".sociable-output-", dir=folder))
    except OSError as exc:
        raise SociableError(f"cannot write in {folder} ({exc.strerror}); choose another folder.") from None
    try:
        yield staging
        default = _default_mode(staging)
        for target in targets:
            staged = staging / target.name
            if staged.is_file():
                _move(staged, target, force=force, protect=protect, default=default)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move(staged: Path, target: Path, *, force: bool, protect: tuple[Path, ...], default: int) -> None:
    check_output(target, force=force, protect=protect)  # again: something may have appeared meanwhile
    try:
        existing = target.stat()
        mode = stat.S_IMODE(existing.st_mode)
    except FileNotFoundError:
        mode = default
    try:
        os.chmod(staged, mode)
        if force:
            os.replace(staged, target)
            return
        try:
            os.link(staged, target)  # fails if the target appeared: never replaces without force
        except FileExistsError:
            raise OutputExists(f"{target} appeared while it was being written; "
                               "choose another name or add --force to replace it.") from None
        except OSError:
            os.replace(staged, target)  # a file system without hard links
    except OSError as exc:
        raise SociableError(f"cannot write {target} ({exc.strerror}); check the folder and free space.") from None


def _is_protected(path: Path, protect: Iterable[Path]) -> bool:
    """Whether path is one of `protect` (or the write-ahead log beside one), by name or by link."""
    resolved = path.resolve()
    guarded = [Path(p) for p in protect]
    guarded += [Path(f"{p}.wal") for p in guarded if p.suffix != ".wal"]
    for other in guarded:
        if resolved == other.resolve():
            return True
        try:
            if path.exists() and other.exists() and os.path.samefile(path, other):
                return True
        except OSError:
            continue
    return False


def _is_database(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


def _default_mode(folder: Path) -> int:
    """The mode a new file gets here (0o666 less the umask), read from a probe file, not the process umask."""
    probe = folder / ".mode"
    descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(descriptor)
    try:
        return stat.S_IMODE(probe.stat().st_mode)
    finally:
        probe.unlink()
