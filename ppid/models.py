"""Imports every feature's models so the metadata (and Alembic) sees all tables."""
import importlib

from ppid.accounts.models import RoleAssignment, User  # noqa: F401
from ppid.agencies.models import Agency  # noqa: F401
from ppid.core.models import AuditEvent, CalendarEntry, Counter, LoginAttempt, OutboxMail  # noqa: F401

for _feature in ("registry", "info_requests", "search", "reports"):
    try:
        importlib.import_module(f"ppid.{_feature}.models")
    except ModuleNotFoundError as exc:  # a feature without tables of its own
        if exc.name != f"ppid.{_feature}.models":
            raise
