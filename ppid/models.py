"""Imports every feature's models so the metadata (and Alembic) sees all tables."""
import importlib

from ppid.accounts.models import RoleAssignment, User  # noqa: F401
from ppid.agencies.models import Agency  # noqa: F401
from ppid.core.models import AuditEvent, CalendarEntry, Counter, LoginAttempt, OutboxMail  # noqa: F401
from ppid.features import FEATURES

for _feature in FEATURES:
    try:
        importlib.import_module(f"{_feature}.models")
    except ModuleNotFoundError as exc:  # a feature without tables of its own
        if exc.name != f"{_feature}.models":
            raise
