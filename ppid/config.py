"""Configuration: defaults here, then ``PPID_*`` environment variables, then overrides.

Nothing is read at import time; :func:`load_config` runs inside the app factory.
"""
import json
import os
import re
from pathlib import Path

# The rules' legal defaults (pure modules, nothing read at import time).
from ppid.agencies import rules as agencies_rules
from ppid.info_requests import rules as request_rules
from ppid.registry import rules as registry_rules
from ppid.reports import rules as reports_rules

INSECURE_KEYS = {"", "dev", "dev-insecure-change-me", "changeme", "secret"}


class Defaults:
    ENV = "development"  # development | production | testing
    SECRET_KEY = "dev-insecure-change-me"
    DATA_DIR = None  # default: <project>/instance
    DATABASE_URL = None  # default: sqlite:///<DATA_DIR>/ppid.sqlite3
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # The longest a writer waits for a lock (SQLite's write lock: busy_timeout;
    # PostgreSQL's row locks: lock_timeout) before a web request answers 503.
    DB_LOCK_TIMEOUT_SECONDS = 10

    # Who runs this registry.
    GOVERNMENT_NAME = "Pemerintah Provinsi Kalimantan Barat"
    # The government's colours and logo (the header, buttons, links; /gaya shows them):
    # #rrggbb, each dark enough for white text on it (WCAG AA, 4.5:1, checked at start).
    BRAND_COLOUR = "#0b4f8a"
    BRAND_DARK_COLOUR = "#083a66"  # hover and pressed states
    # A file under ppid/static (e.g. "img/logo.svg") shown beside the name; None: no logo.
    GOVERNMENT_LOGO = None
    # A PNG or JPEG under ppid/static (about 1200 x 630) shown when a page without an image
    # of its own is shared; None: the logo when it is a PNG or JPEG, else no image.
    SHARE_IMAGE = None
    LETTER_PLACE = "Pontianak"  # where letters are signed: "Pontianak, 2 Desember 2026"
    REGISTRATION_PREFIX = "KALBAR"
    # Regions say "Pembantu" or "Pelaksana" (Permendagri 3/2017 leaves it to them).
    HELPER_LABEL = "Pembantu"
    TIMEZONE = "Asia/Jakarta"
    # DOMAIN.md section 6: national holidays and cuti bersama by default.
    HOLIDAY_CATEGORIES = ("public", "government")
    BASE_URL = "http://127.0.0.1:5000"

    # Language.
    BABEL_DEFAULT_LOCALE = "id"
    LANGUAGES = ("id", "en")
    WTF_I18N_ENABLED = True

    # Cookies and sessions.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "remember_token"  # Flask-Login's name, read by the session checks
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Login lifetimes, enforced by the server (ppid.accounts.sessions): officers and other
    # staff are signed out after SESSION_IDLE_MINUTES without a request and
    # SESSION_ABSOLUTE_HOURS after signing in, "remember me" or not; citizens have no idle
    # limit (0) and stay signed in up to CITIZEN_SESSION_ABSOLUTE_HOURS.
    SESSION_IDLE_MINUTES = 120
    SESSION_ABSOLUTE_HOURS = 12
    CITIZEN_SESSION_IDLE_MINUTES = 0
    CITIZEN_SESSION_ABSOLUTE_HOURS = 30 * 24
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600  # seconds; the longest login above
    # A link confirming a new e-mail address (mailed to it) is valid this long.
    EMAIL_CHANGE_MAX_AGE = 48 * 3600

    # Login throttling: failures within the window, per account and per address.
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_IP = 30
    PASSWORD_RESET_MAX_AGE = 2 * 3600
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"
    # Password-reset mails (always on, whatever RATELIMIT_ENABLED says): one per address per
    # interval, PASSWORD_RESET_MAX_PER_ADDRESS_IP a day per address and IP, and
    # PASSWORD_RESET_MAX_PER_IP requests per interval from one IP.
    PASSWORD_RESET_INTERVAL_SECONDS = 15 * 60
    PASSWORD_RESET_MAX_PER_ADDRESS_IP = 5
    PASSWORD_RESET_MAX_PER_IP = 20

    # Mail: "console" prints (development), "smtp" sends, "none" keeps mail in the outbox.
    MAIL_BACKEND = "console"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_TIMEOUT = 10
    MAIL_DEFAULT_SENDER = "PPID <ppid@localhost>"
    MAIL_MAX_ATTEMPTS = 8

    # Uploads (DIP documents, power of attorney, released files).
    MAX_UPLOAD_BYTES = 25 * 1024 * 1024
    # ZIP-based files (DOCX, XLSX, ODT, ...) are refused when their central directory says
    # they expand beyond this size or ratio, or hold this many parts (ppid/core/uploads.py).
    UPLOAD_ZIP_MAX_EXPANDED_BYTES = 256 * 1024 * 1024
    UPLOAD_ZIP_MAX_RATIO = 100
    UPLOAD_ZIP_MAX_MEMBERS = 5000
    # A DIP document's PDF is checked for scripts and embedded files in a limited child
    # process before anything is written; one that cannot be checked in time is refused.
    PDF_CHECK_TIMEOUT_SECONDS = 5
    # Text of DIP documents for search: extracted after commit by a background job, in a
    # child process with these limits (ppid/core/extract.py).
    EXTRACT_TIMEOUT_SECONDS = 20
    EXTRACT_MEMORY_MB = 512
    EXTRACT_MAX_CHARS = 1_000_000
    # Background jobs (ppid/core/jobs.py, `flask ppid worker`): attempts, back-off base
    # (60 s, 120 s, ...), idle poll, lease beyond a job's timeout, limits of kinds that
    # name none of their own.
    JOB_MAX_ATTEMPTS = 3
    JOB_RETRY_SECONDS = 60
    JOB_POLL_SECONDS = 1.0
    JOB_LEASE_GRACE_SECONDS = 60
    JOB_TIMEOUT_SECONDS = 60
    JOB_MEMORY_MB = 512
    # The job worker's niceness (and its children's): requests come first for the CPU.
    JOB_NICE = 10
    # gunicorn.conf.py starts the job worker beside the web workers; off: run it elsewhere.
    JOB_WORKER = True
    # Letters' PDFs are rendered after commit by a job (or for a download that comes first)
    # in a child process with these limits (ppid/core/pdf.py).
    PDF_RENDER_TIMEOUT_SECONDS = 30
    PDF_RENDER_MEMORY_MB = 512
    # `flask ppid storage-gc`: stored files no row names are removed once this old.
    STORAGE_GC_GRACE_HOURS = 24
    # Public pages for anonymous readers (ppid/core/public_cache.py): rendered pages kept per
    # process up to this many bytes and seconds, and how long nginx's micro-cache may serve one.
    PUBLIC_PAGE_CACHE_BYTES = 16 * 1024 * 1024
    PUBLIC_PAGE_CACHE_SECONDS = 300
    PUBLIC_PAGE_PROXY_SECONDS = 1
    # How long a process reuses the pages' content stamp while this host has written
    # nothing (writes of other hosts are seen within it): a 304 without a database read.
    PUBLIC_PAGE_STAMP_SECONDS = 1
    # Rate limit of public submissions per address.
    RATELIMIT_ENABLED = True

    # Number of reverse proxies (nginx) in front: their X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = 0

    # Listing sizes.
    PER_PAGE = 25
    # The registers' PDF (Perki 1/2021) prints at most this many rows; a longer selection
    # is narrowed to a month, or downloaded as CSV (the page says so).
    REGISTER_PDF_MAX_ROWS = 1000

    # Dates typed in forms: 1900 to this many years after today (fields with a legal range,
    # such as a receipt time, are tighter still).
    DATE_YEARS_AHEAD = 10

    # Requests: registration and objection numbers ({prefix}, {year}, {seq}), gap-free per
    # PPID and year (DOMAIN.md section 7); public submissions per address ("N per hour").
    REQUEST_NUMBER_FORMAT = "{prefix}/{year}/{seq:05d}"
    OBJECTION_NUMBER_FORMAT = "{prefix}/KEB/{year}/{seq:05d}"
    # An atasan's decision that orders the PPID to act (disclose, answer, correct the fee,
    # deliver) is carried out within this many working days of the decision; past it the
    # order is an alert and counts as late in the statistics (DOMAIN.md section 14).
    OBJECTION_ORDER_DAYS = 10
    REQUEST_RATELIMIT = "10 per hour"
    # Personal data (UU 27/2022; DOMAIN.md section 11): a new request's subject is held off
    # the public register, API and search until an officer has reviewed it (kept or
    # redacted); the requester's personal data is kept this many whole years after the
    # request and its objections and disputes closed, then erased by
    # `flask ppid purge-personal-data` (cron). The privacy notice states both.
    REQUEST_SUBJECT_HOLD = True
    PERSONAL_DATA_RETENTION_YEARS = request_rules.DEFAULT_RETENTION_YEARS
    # Following (issue #19): an address is suspended after this many hard bounces since it
    # last confirmed (0: never); the signed link in every mail that manages all of an
    # address's subscriptions is valid this many days; an unsubscribed (or never
    # confirmed) subscription's address is erased this many days after it ended, by
    # `flask ppid purge-personal-data`.
    FOLLOW_HARD_BOUNCES = 3
    FOLLOW_MANAGE_LINK_DAYS = 60
    FOLLOW_RETENTION_DAYS = 90
    # Disputes (UU KIP Pasal 27): the Komisi Informasi this government's bodies go to by
    # default: "provinsi" for a province's bodies, "pusat" for central ones,
    # "kabupaten_kota" where a regency or city has its own commission.
    DISPUTE_COMMISSION = "provinsi"
    # Outgoing letters (DOMAIN.md section 13): one number series per PPID and year, gap-free.
    # Placeholders: {seq} (the series number), {kind} (the letter kind's code below), {ppid}
    # (the agency's letter code, else its slug in capitals), {prefix} (REGISTRATION_PREFIX),
    # {year}, {month}, {month_roman}.
    LETTER_NUMBER_FORMAT = "{seq:03d}/{kind}/PPID-{ppid}/{year}"
    LETTER_KIND_CODES = {"tanda_bukti": "TBP", "pemberitahuan": "PT", "penolakan": "SK-TOLAK",
                         "perpanjangan": "PPJ", "tanda_bukti_keberatan": "TBK",
                         "putusan_keberatan": "TAK"}
    # The API's Idempotency-Key: a key answers with its first request for this many hours
    # (per client address), after which it may be used for a new one.
    IDEMPOTENCY_KEY_HOURS = 24

    # Staleness: an obligation is "segera" (due soon) this many days before it is due.
    REGISTRY_WARNING_DAYS = registry_rules.DEFAULT_WARNING_DAYS
    # Compliance indicator weights (DOMAIN.md section 10): disclosure and requests.
    COMPLIANCE_WEIGHTS = dict(reports_rules.DEFAULT_WEIGHTS)

    # Search: "auto" (PostgreSQL full-text search on PostgreSQL, else Whoosh), "whoosh" or
    # "postgresql". Whoosh: the job worker applies queued changes every SEARCH_DRAIN_DELAY s.
    SEARCH_BACKEND = "auto"
    SEARCH_DRAIN_DELAY = 1.0
    # PostgreSQL: a read replica's URL for searches (several servers: see docs/deploy.md).
    SEARCH_REPLICA_URL = None

    # An agency's official social-media channels (ppid.agencies.rules): the hosts a
    # platform's address may be on (a subdomain of one counts: www.instagram.com).
    SOCIAL_PLATFORM_HOSTS = {k: list(v) for k, v in
                             agencies_rules.DEFAULT_PLATFORM_HOSTS.items()}

    # The satisfaction survey (IKM): its one reminder, this many days after the request
    # closed (flask ppid ikm-remind, from cron).
    IKM_REMINDER_DAYS = 7

    # The audit log's seal (HMAC-SHA256, ppid/core/audit.py): the current key and its id,
    # and retired keys by id (JSON {"id": "key"}) that only verify older events. Production
    # refuses to start without a real key (see check_audit_keys).
    AUDIT_KEY_ID = "dev"
    AUDIT_KEY = "dev-insecure-audit-key"
    AUDIT_KEYS = {}
    # `flask ppid audit-checkpoint` appends the chain's head to this file (default
    # <DATA_DIR>/audit-checkpoints.jsonl; make it append-only) and mails it here if set.
    AUDIT_CHECKPOINT_FILE = None
    AUDIT_CHECKPOINT_MAIL_TO = None
    # Events are linked into the chain after commit by the chainer in `flask ppid worker`,
    # about every AUDIT_LINK_INTERVAL_SECONDS; audit-verify fails on an event left unlinked
    # longer than AUDIT_LINK_GRACE_SECONDS (ppid/core/audit.py).
    AUDIT_LINK_INTERVAL_SECONDS = 0.5
    AUDIT_LINK_GRACE_SECONDS = 10



# Switches that an operator writes as on/off, yes/no, true/false or 1/0.
FLAGS = ("JOB_WORKER", "REQUEST_SUBJECT_HOLD")


def as_flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("off", "0", "false", "no", "")
    return bool(value)


def environment_settings(root=None):
    """The settings as the environment gives them, without an app: Defaults, then
    ``PPID_*`` variables (for gunicorn.conf.py, which starts processes before any app)."""
    from flask import Config
    cfg = Config(str(root or Path(__file__).resolve().parent.parent))
    cfg.from_object(Defaults)
    cfg.from_prefixed_env("PPID")
    for name in FLAGS:
        cfg[name] = as_flag(cfg[name])
    return cfg


def load_config(app, overrides=None):
    app.config.from_object(Defaults)
    # PPID_SECRET_KEY -> SECRET_KEY; values are parsed as JSON when they can be.
    app.config.from_prefixed_env("PPID")
    if overrides:
        app.config.update(overrides)
    cfg = app.config
    for name in FLAGS:
        cfg[name] = as_flag(cfg[name])
    root = Path(app.root_path).parent
    data_dir = Path(cfg["DATA_DIR"] or os.environ.get("PPID_DATA_DIR") or root / "instance")
    cfg["DATA_DIR"] = str(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    url = cfg.get("DATABASE_URL") or cfg.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = f"sqlite:///{data_dir / 'ppid.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    # Defaults beside a deployment's own options (PPID_SQLALCHEMY_ENGINE_OPTIONS), not
    # replaced by them: pre-ping replaces a pooled connection that died with a PostgreSQL
    # restart, so the first request after it does not fail (bench/durability.py).
    options = cfg["SQLALCHEMY_ENGINE_OPTIONS"] = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("sqlite"):
        # pysqlite's timeout is SQLite's busy timeout (ppid.core.db sets it again).
        options.setdefault("connect_args", {"timeout": float(cfg["DB_LOCK_TIMEOUT_SECONDS"])})
    else:
        options.setdefault("pool_pre_ping", True)
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["MAX_UPLOAD_BYTES"]) + 1024 * 1024
    cfg["HOLIDAY_CATEGORIES"] = tuple(
        c.strip() for c in (cfg["HOLIDAY_CATEGORIES"].split(",")
                            if isinstance(cfg["HOLIDAY_CATEGORIES"], str)
                            else cfg["HOLIDAY_CATEGORIES"]) if c.strip())
    if cfg["ENV"] == "production":
        if str(cfg["SECRET_KEY"]) in INSECURE_KEYS or len(str(cfg["SECRET_KEY"])) < 32:
            raise RuntimeError(
                "PPID_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (python -c 'import secrets; print(secrets.token_hex(32))').")
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
        cfg["DEBUG"] = False
        cfg["PREFERRED_URL_SCHEME"] = "https"
    check_audit_keys(cfg)
    check_retention(cfg)
    check_dispute_commission(cfg)
    check_order_days(cfg)
    check_colours(cfg)
    return cfg


def _luminance(hex_colour):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def check_colours(cfg):
    """BRAND_COLOUR and BRAND_DARK_COLOUR: #rrggbb with white text readable on them."""
    for name in ("BRAND_COLOUR", "BRAND_DARK_COLOUR"):
        value = str(cfg[name]).strip().lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", value):
            raise RuntimeError(f"PPID_{name} must be a colour as #rrggbb (got {cfg[name]!r})")
        ratio = 1.05 / (_luminance(value) + 0.05)
        if ratio < 4.5:
            raise RuntimeError(f"PPID_{name} {value} is too light for white text on it "
                               f"(contrast {ratio:.1f}:1, at least 4.5:1 is needed)")
        cfg[name] = value


def check_dispute_commission(cfg):
    from ppid.disputes.rules import DisputeCommission
    if DisputeCommission.get(cfg["DISPUTE_COMMISSION"]) is None:
        raise RuntimeError(f"PPID_DISPUTE_COMMISSION must be one of "
                           f"{', '.join(DisputeCommission.codes())} "
                           f"(got {cfg['DISPUTE_COMMISSION']!r})")


def check_order_days(cfg):
    """OBJECTION_ORDER_DAYS: whole working days, 1 to 60 (an atasan's order is carried out
    promptly; a bad setting fails at start-up)."""
    value = cfg["OBJECTION_ORDER_DAYS"]
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if not 1 <= days <= 60 or str(days) != str(value).strip():
        raise RuntimeError(f"PPID_OBJECTION_ORDER_DAYS must be a whole number of working "
                           f"days from 1 to 60 (got {value!r})")
    cfg["OBJECTION_ORDER_DAYS"] = days


def check_retention(cfg):
    """PERSONAL_DATA_RETENTION_YEARS: a whole number of years, at least 1 (shorter would
    erase data while an objection or a dispute can still be filed)."""
    value = cfg["PERSONAL_DATA_RETENTION_YEARS"]
    try:
        years = int(str(value).strip())
    except ValueError:
        years = 0
    if years < 1 or str(years) != str(value).strip():
        raise RuntimeError(f"PPID_PERSONAL_DATA_RETENTION_YEARS must be a whole number of "
                           f"years, at least 1 (got {value!r})")
    cfg["PERSONAL_DATA_RETENTION_YEARS"] = years


def check_audit_keys(cfg):
    """Normalise the audit seal's keys and refuse unusable ones (in production: insecure)."""
    for name in ("AUDIT_KEY", "AUDIT_KEY_ID"):
        if not isinstance(cfg[name], str):  # PPID_* values are parsed as JSON: 2026 -> int
            cfg[name] = os.environ.get(f"PPID_{name}", str(cfg[name]))
    keys = cfg["AUDIT_KEYS"] or {}
    if isinstance(keys, str):
        try:
            keys = json.loads(keys)
        except ValueError:
            keys = None
    if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in keys.items()):
        raise RuntimeError('PPID_AUDIT_KEYS must be a JSON object of retired audit keys by '
                           'id, e.g. {"2026a": "..."}')
    cfg["AUDIT_KEYS"] = dict(keys)
    current = cfg["AUDIT_KEY_ID"]
    for key_id in (current, *keys):
        # "legacy-sha256" names the unkeyed events from before the keyed chain.
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", key_id) \
                or key_id == "legacy-sha256":
            raise RuntimeError(f"audit key id {key_id!r}: 1 to 40 letters, digits, '.', '_' "
                               "or '-', not 'legacy-sha256'")
    if keys.get(current, cfg["AUDIT_KEY"]) != cfg["AUDIT_KEY"]:
        raise RuntimeError(f"PPID_AUDIT_KEYS holds another key under the current id {current!r}")
    if cfg["ENV"] == "production":
        insecure = INSECURE_KEYS | {Defaults.AUDIT_KEY}
        if current == Defaults.AUDIT_KEY_ID or any(
                key in insecure or len(key) < 32 for key in (cfg["AUDIT_KEY"], *keys.values())):
            raise RuntimeError(
                "PPID_AUDIT_KEY (and every key in PPID_AUDIT_KEYS) must be a random value of "
                "at least 32 characters in production, named by PPID_AUDIT_KEY_ID (not 'dev'): "
                "python -c 'import secrets; print(secrets.token_hex(32))'.")
