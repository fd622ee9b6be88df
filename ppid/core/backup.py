"""Backups: one consistent archive of the database rows and the stored files.

The archive (tar.gz) holds ``manifest.json`` (format, schema revision, creation time, row
counts and a SHA-256 per table dump and per file), ``tables/<name>.jsonl`` (one JSON object
per row) and ``files/<sha256>``. All tables are read in one transaction, so the dump is a
consistent snapshot; files are content-addressed and never change once written, so copying
every file referenced at that moment is consistent too. Restore goes into an empty data
directory and an empty (migrated) database, and checks every hash on the way. The search
index is derived data: it is rebuilt after a restore, not archived.

The audit log's rows travel as they are (seals and key ids included), but its keys are
configuration, never archived: a restore checks that the restored chain verifies with this
server's keys, so a server missing the keys that sealed it is found at once, not at the
next ``audit-verify``.
"""
import base64
import hashlib
import io
import json
import tarfile
from datetime import date, datetime, time, timezone
from decimal import Decimal

import sqlalchemy as sa

from ppid.core import audit
from ppid.core.db import utcnow
from ppid.core.storage import storage
from ppid.extensions import db

FORMAT = "ppid-backup-1"


def archived_tables():
    """The tables archived: not derived ones (the PostgreSQL search rows, rebuilt by the
    restore's reindex; they do not exist on SQLite)."""
    return [t for t in db.metadata.sorted_tables if not t.info.get("derived")]


class BackupError(Exception):
    pass


def _encode(value):
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, raw), = value.items()
        if tag == "$dt":
            parsed = datetime.fromisoformat(raw)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$t":
            return time.fromisoformat(raw)
        if tag == "$dec":
            return Decimal(raw)
        if tag == "$b64":
            return base64.b64decode(raw)
    return value


def _schema_revision(conn):
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _file_keys_in_rows(dumps):
    """Every value in any row that names a stored file (a sha256 key that storage holds)."""
    store = storage()
    keys = set()
    for rows in dumps.values():
        for row in rows:
            for value in row.values():
                if isinstance(value, str) and len(value) == 64 and store_key_like(value) \
                        and store.exists(value):
                    keys.add(value)
    return keys


def store_key_like(value):
    return all(c in "0123456789abcdef" for c in value)


def create_backup(dest_path):
    """Write the archive to ``dest_path``; returns the manifest."""
    # One transaction on its own connection: a consistent snapshot of every table.
    options = {"isolation_level": "REPEATABLE READ"} \
        if db.engine.dialect.name == "postgresql" else {"ppid_read_only": True}
    with db.engine.connect().execution_options(**options) as conn, conn.begin():
        dumps = {}
        for table in archived_tables():
            pk = list(table.primary_key.columns)
            rows = conn.execute(sa.select(table).order_by(*pk)).mappings().all()
            dumps[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
        revision = _schema_revision(conn)
    keys = _file_keys_in_rows(dumps)
    manifest = {"format": FORMAT, "created_at": utcnow().isoformat(), "schema_revision": revision,
                "tables": {}, "files": {}}
    store = storage()
    with tarfile.open(dest_path, "w:gz") as tar:
        for name, rows in dumps.items():
            data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                           for r in rows).encode("utf-8")
            _add_bytes(tar, f"tables/{name}.jsonl", data)
            manifest["tables"][name] = {"rows": len(rows),
                                        "sha256": hashlib.sha256(data).hexdigest()}
        for key in sorted(keys):
            data = store.get(key)
            if hashlib.sha256(data).hexdigest() != key:
                raise BackupError(f"stored file {key} is corrupt")
            _add_bytes(tar, f"files/{key}", data)
            manifest["files"][key] = len(data)
        _add_bytes(tar, "manifest.json",
                   json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
    return manifest


def _read_archive(src_path):
    try:
        return _read_tar(src_path)
    except (tarfile.TarError, OSError, EOFError, KeyError, ValueError) as exc:
        raise BackupError(f"not a readable registry backup: {exc}") from None


def _read_tar(src_path):
    with tarfile.open(src_path, "r:gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        if "manifest.json" not in members:
            raise BackupError("not a registry backup: manifest.json missing")
        manifest = json.loads(tar.extractfile(members["manifest.json"]).read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        tables = {}
        for name, meta in manifest["tables"].items():
            data = tar.extractfile(members[f"tables/{name}.jsonl"]).read()
            if hashlib.sha256(data).hexdigest() != meta["sha256"]:
                raise BackupError(f"table dump {name} does not match its hash")
            tables[name] = [json.loads(line) for line in data.decode("utf-8").splitlines() if line]
        files = {}
        for key in manifest["files"]:
            data = tar.extractfile(members[f"files/{key}"]).read()
            if hashlib.sha256(data).hexdigest() != key:
                raise BackupError(f"file {key} does not match its hash")
            files[key] = data
    return manifest, tables, files


def restore_backup(src_path, *, allow_broken_audit=False):
    """Restore an archive into the current (migrated, empty) database and data directory.

    Refused when the restored audit chain does not verify with this server's audit keys,
    unless ``allow_broken_audit`` (an archive whose log was already tampered with, kept as
    evidence: ``audit-verify`` goes on reporting it).
    """
    manifest, tables, files = _read_archive(src_path)
    for table in archived_tables():
        if table.info.get("seeded"):
            continue  # the migrations' own rows, replaced below by the archive's
        if db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
            raise BackupError(f"the database is not empty (table {table.name} has rows); "
                              "restore needs an empty database")
    revision = _schema_revision(db.session.connection())
    if manifest.get("schema_revision") and revision and manifest["schema_revision"] != revision:
        raise BackupError(f"backup schema {manifest['schema_revision']} differs from this "
                          f"database's {revision}; restore with the matching version, then "
                          "upgrade")
    for table in reversed(archived_tables()):
        if table.info.get("seeded"):
            # A migrated database holds the rows the migrations seed (the default E-Monev
            # questions); the archive holds them too, with any later edits: its copy wins.
            db.session.execute(table.delete())
    for table in archived_tables():
        rows = [{k: _decode(v) for k, v in row.items()} for row in tables.get(table.name, [])]
        if not rows:
            continue
        self_refs = [fk.parent.name for fk in table.foreign_keys
                     if fk.column.table is table]
        if self_refs:
            # Columns with onupdate (updated_at) keep their archived value on the second pass.
            keep = [c.name for c in table.columns if c.onupdate is not None]
            later = [{c: r[c] for c in self_refs + keep} | {"_pk": r["id"]} for r in rows]
            rows = [r | {c: None for c in self_refs} for r in rows]
        db.session.execute(table.insert(), rows)
        if self_refs:
            for upd in later:
                values = {c: upd[c] for c in self_refs if upd[c] is not None}
                if values:
                    values |= {c: upd[c] for c in keep}
                    db.session.execute(table.update().where(table.c.id == upd["_pk"])
                                       .values(**values))
    if db.engine.dialect.name == "postgresql":
        for table in archived_tables():
            col = table.c.get("id")
            if col is not None and isinstance(col.type, sa.Integer) and col.autoincrement:
                db.session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))
    db.session.flush()
    chain = audit.walk_chain()
    if not chain.ok and not allow_broken_audit:
        raise BackupError(
            f"the restored audit log does not verify at seq {chain.bad.seq}: {chain.why}; "
            "configure the audit keys that sealed it (PPID_AUDIT_KEY_ID, PPID_AUDIT_KEY and "
            "the retired ones in PPID_AUDIT_KEYS) and restore again")
    # Files last: a restore refused above leaves none behind (the caller rolls back).
    store = storage()
    for key, data in files.items():
        if store.put(data) != key:
            raise BackupError(f"file {key} stored under another key")
    return manifest
