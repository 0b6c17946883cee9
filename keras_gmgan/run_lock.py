"""One writer per run directory: an exclusive lock held while a process writes into it.

Two `keras-gmgan fit` processes given the same `--out` (or a `fit --resume` of a run that is
still training, or two `generate --out`) would otherwise overwrite each other's files and
both report success. `RunLock` takes an exclusive `fcntl.flock` on a file inside the
directory. The kernel releases it when the process exits in any way, SIGKILL included, so
a lock file left behind by a crash locks nothing: the next writer simply takes it. A second
writer is refused at once (`RunDirectoryBusy`), never made to wait.

The lock file is removed on release, before the lock is let go; a writer that opened the
file just before then finds, once it holds the lock, that the path no longer names the file
it locked, and tries again on a fresh one. So at most one process ever holds the lock that
the directory's lock file stands for.

On systems without `fcntl` (Windows) the lock is advisory only: nothing is refused.
"""

import errno
import os
import shutil
from pathlib import Path
from typing import Optional, Union

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None

#: The lock file inside a run (or samples) directory.
LOCK_FILE = ".keras-gmgan.lock"


class RunDirectoryBusy(RuntimeError):
    """Another process holds the directory's lock."""

    def __init__(self, directory: Path, holder: Optional[str] = None):
        who = f"another process (pid {holder})" if holder else "another process"
        super().__init__(
            f"{directory} is in use: {who} is writing to it. Wait for it to finish, or "
            "choose another directory."
        )
        self.directory = directory


class RunLock:
    """Exclusive ownership of `directory` while the `with` block runs.

    Args:
        directory: the directory to own.
        create: make the directory (and its parents) if it does not exist; a directory made
            here is removed again on release if nothing but the lock was put in it.

    Raises:
        RunDirectoryBusy: on entering, if another process holds the lock.
        FileNotFoundError: on entering, if the directory does not exist and `create` is off.
    """

    def __init__(self, directory: Union[str, Path], create: bool = False):
        self.directory = Path(directory)
        self.create = create
        self._created = False
        self._fd: Optional[int] = None

    def __enter__(self) -> "RunLock":
        if self.create:
            try:
                self.directory.mkdir(parents=True)
                self._created = True
            except FileExistsError:
                pass
        self._fd = _acquire(self.directory)
        return self

    @property
    def created(self) -> bool:
        """Whether entering made the directory (it then held nothing before)."""
        return self._created

    def __exit__(self, *exc_info) -> None:
        self.release()

    def release(self) -> None:
        """Removes the lock file, then lets the lock go (idempotent)."""
        if self._fd is None:
            return
        path = self.directory / LOCK_FILE
        if _names(path, self._fd):  # not a file that a later owner made anew
            path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None
        if self._created:
            try:
                self.directory.rmdir()  # only if empty: a failed command leaves nothing
            except OSError:
                pass

    def replace_with(self, staging: Union[str, Path]) -> None:
        """Replaces the owned directory by `staging` (a complete new one beside it) without
        letting go of the ownership: the lock moves in with the new directory.

        Raises `RunDirectoryBusy` if another process made the directory anew in the moment
        between the old one's removal and the rename.
        """
        staging = Path(staging)
        fd = _acquire(staging)  # a fresh directory: nobody else knows its name
        shutil.rmtree(self.directory)
        try:
            os.replace(staging, self.directory)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise RunDirectoryBusy(self.directory) from None
            raise
        os.close(self._fd)
        self._fd, self._created = fd, False


def clear_directory(directory: Union[str, Path]) -> None:
    """Deletes everything in `directory` but its lock file (an owned directory made anew)."""
    for path in Path(directory).iterdir():
        if path.name == LOCK_FILE:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def is_busy(directory: Union[str, Path]) -> bool:
    """Whether another process holds `directory`'s lock now (a probe; takes nothing)."""
    path = Path(directory) / LOCK_FILE
    if fcntl is None or not path.is_file():
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of a lock the probe took


def check_not_busy(directory: Union[str, Path]) -> None:
    """Raises `RunDirectoryBusy` if another process holds `directory`'s lock."""
    if is_busy(directory):
        raise RunDirectoryBusy(Path(directory), _holder(Path(directory) / LOCK_FILE))


def _acquire(directory: Path) -> int:
    """Opens and locks `directory`'s lock file, retrying while the file it locked is no
    longer the one the path names (released and removed meanwhile)."""
    path = directory / LOCK_FILE
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunDirectoryBusy(directory, _holder(path)) from None
        if _names(path, fd):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)


def _names(path: Path, fd: int) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        named, opened = os.stat(path), os.fstat(fd)
    except FileNotFoundError:
        return False
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _holder(path: Path) -> Optional[str]:
    """The pid the lock's holder wrote into the file, if it can be read."""
    try:
        pid = path.read_text().strip()
    except OSError:
        return None
    return pid if pid.isdigit() else None
