"""Stored files, content-addressed by SHA-256 behind one small interface.

Features keep the key (the hash) and metadata in their own tables; the bytes live here.
The local backend writes under ``<DATA_DIR>/files``; another backend (object storage) only
has to implement :class:`Storage`.
"""
import hashlib
from abc import ABC, abstractmethod
import os
import tempfile
from pathlib import Path

from flask import current_app


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


class LocalStorage(Storage):
    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("not a sha256 key")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            return key  # stored once: same content, same file
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
        return key

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


def storage() -> Storage:
    ext = current_app.extensions
    if "ppid_storage" not in ext:
        ext["ppid_storage"] = LocalStorage(Path(current_app.config["DATA_DIR"]) / "files")
    return ext["ppid_storage"]
