"""Stored files, content-addressed by SHA-256 behind one small interface.

Features keep the key (the hash) and metadata in their own tables; the bytes live here.
The local backend writes under ``<DATA_DIR>/files``; another backend (object storage) only
has to implement :class:`Storage`.

A file is written before the row that names it, so a transaction that fails would leave it
behind: :func:`put_in_transaction` ties the file to the session's transaction, and removes
it again if that transaction does not commit, unless a row names the same content. What is
left anyway (a process killed between the two) is found by :func:`unreferenced_files`
(``flask ppid storage-gc``). A row names a file through a String(64) column called
``sha256`` or ``*_key`` (:func:`reference_columns`).
"""
import fcntl
import hashlib
import logging
import os
import tempfile
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


class Storage(ABC):
    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store ``data``; return its key (the SHA-256 hex digest)."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""

    @abstractmethod
    def keys(self):
        """Every stored key (for backups and consistency checks)."""

    @abstractmethod
    def delete(self, key: str):
        """Remove ``key`` (nothing happens when it is not stored)."""

    @abstractmethod
    def stored_at(self, key: str) -> float:
        """When ``key`` was last written (or stored again), as a POSIX timestamp."""

    @abstractmethod
    def lock(self):
        """A context manager excluding every other process's removals and re-checks (see
        put_in_transaction), so a file is never removed under a row being committed."""

    def put_new(self, data: bytes):
        """Store ``data``; returns (key, whether this call created the file)."""
        existed = self.exists(hashlib.sha256(data).hexdigest())
        return self.put(data), not existed


class LocalStorage(Storage):
    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("not a sha256 key")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        return self.put_new(data)[0]

    def put_new(self, data: bytes):
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            try:
                os.utime(path)  # stored again: young again for storage-gc's grace period
            except FileNotFoundError:
                pass  # removed this instant: write it anew below
            else:
                return key, False  # stored once: same content, same file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)  # atomic: readers never see half a file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return key, True

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self):
        if not self.root.exists():
            return
        for path in self.root.glob("*/*/*"):
            if path.is_file() and not path.name.startswith("."):
                yield path.name

    def delete(self, key: str):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def stored_at(self, key: str) -> float:
        return self._path(key).stat().st_mtime

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    @contextmanager
    def lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def storage() -> Storage:
    ext = current_app.extensions
    if "ppid_storage" not in ext:
        ext["ppid_storage"] = LocalStorage(Path(current_app.config["DATA_DIR"]) / "files")
    return ext["ppid_storage"]


# --- References ---------------------------------------------------------------------------

def reference_columns(metadata=None):
    """Every column that names stored files: String(64) columns called ``sha256`` or
    ``*_key`` (tests/services/test_storage_orphans.py makes every other String(64) column
    say what it is instead)."""
    if metadata is None:
        from ppid.extensions import db
        metadata = db.metadata
    return [c for t in metadata.sorted_tables for c in t.columns
            if isinstance(c.type, sa.String) and c.type.length == 64
            and (c.name == "sha256" or c.name.endswith("_key"))]


def is_referenced(conn, key) -> bool:
    """Whether any committed row names ``key``."""
    return any(conn.execute(sa.select(sa.literal(1)).select_from(col.table)
                            .where(col == key).limit(1)).first()
               for col in reference_columns())


def _read_only_connection():
    from ppid.extensions import db
    return db.engine.execution_options(ppid_read_only=True).connect()


# --- Files written for a transaction ---------------------------------------------------------

_FILES = "ppid_storage_files"
_installed = {"done": False}


def put_in_transaction(session, data: bytes) -> str:
    """Store ``data`` for a row written in ``session``'s current transaction; returns the
    key. If the transaction does not commit, the file is removed again, unless this call
    found it already stored or a committed row names it. After a commit the file is
    stored again if a concurrent removal (of another transaction's failed upload of the
    same content, or storage-gc) took it just before this row was visible."""
    _install_listeners()
    key, created = storage().put_new(data)
    files = session.info.setdefault(_FILES, {})
    was_created = files.get(key, (None, False))[1]
    files[key] = (data, created or was_created)
    return key


def _after_commit(session):
    files = session.info.pop(_FILES, None)
    if not files or not has_app_context():
        return
    store = storage()
    with store.lock():
        for key, (data, _created) in files.items():
            if not store.exists(key):
                store.put(data)
                log.warning("stored file %s was removed while its row was committed; "
                            "stored again", key)


def _after_transaction_end(session, transaction):
    if transaction.parent is not None or transaction.nested:
        return  # a savepoint: the outer transaction decides
    files = session.info.pop(_FILES, None)  # left only when it did not commit
    if not files:
        return
    created = [key for key, (_data, was_created) in files.items() if was_created]
    if not created:
        return
    if not has_app_context():
        log.warning("files of a failed transaction left for storage-gc: %s", created)
        return
    try:
        remove_unless_referenced(created)
    except Exception:  # noqa: BLE001 - the rollback itself must not fail; gc finds them
        log.warning("files of a failed transaction left for storage-gc: %s", created,
                    exc_info=True)


def remove_unless_referenced(keys):
    """Remove each of ``keys`` that no committed row names; returns the removed keys."""
    store = storage()
    removed = []
    with store.lock(), _read_only_connection() as conn:
        for key in keys:
            if store.exists(key) and not is_referenced(conn, key):
                store.delete(key)
                removed.append(key)
    return removed


def _install_listeners():
    if _installed["done"]:
        return
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _installed["done"] = True


# --- Collection -----------------------------------------------------------------------------

def unreferenced_files(grace_seconds, now=None):
    """[(key, size, age in seconds)] of stored files no row names, older than the grace
    period (younger ones may belong to an upload whose row is not committed yet)."""
    now = now or time.time()
    store = storage()
    with _read_only_connection() as conn:
        named = set()
        for col in reference_columns():
            named.update(v for (v,) in conn.execute(
                sa.select(col).where(col.is_not(None)).distinct()))
    out = []
    for key in sorted(store.keys()):
        if key in named:
            continue
        try:
            age = now - store.stored_at(key)
            size = store.size(key) if hasattr(store, "size") else None
        except FileNotFoundError:
            continue
        if age >= grace_seconds:
            out.append((key, size, age))
    return out
