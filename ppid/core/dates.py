"""Every date a person reads, written by one Babel formatter, in the reader's language.

==================  ======================  ==========================
filter (and style)  Indonesian              English
==================  ======================  ==========================
``date_full``       Rabu, 2 Desember 2026   Wednesday, 2 December 2026
``date_long``       2 Desember 2026         2 December 2026
``date_short``      02-12-2026              2 Dec 2026
``date_month``      Des 2026                Dec 2026
``month_long``      Desember 2026           December 2026
``month_name``      Desember                December
``datetime_long``   2 Desember 2026, 14.05  2 December 2026, 14:05
``datetime_short``  02-12-2026 14.05        2 Dec 2026, 14:05
==================  ======================  ==========================

The short English style spells the month: 02-12-2026 reads as 12 February to an American.
Timestamps are shown in the registry's time zone. Pages use the Jinja filters of the same
names (``{{ req.due_on|date_long }}``); letters and e-mails, which are Indonesian whoever
triggers them, pass ``locale="id"``. Machine-readable dates (the API, CSV cells meant for
spreadsheets, ``<time datetime>``, feeds) stay ISO 8601 and do not come here.
"""
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from flask_babel import get_locale, to_user_timezone

DEFAULT_LANGUAGE = "id"
PATTERNS = {  # style (the filter's name) -> language -> Babel pattern
    "date_full": {"id": "EEEE, d MMMM y", "en": "EEEE, d MMMM y"},
    "date_long": {"id": "d MMMM y", "en": "d MMMM y"},
    "date_short": {"id": "dd-MM-y", "en": "d MMM y"},
    "date_month": {"id": "MMM y", "en": "MMM y"},
    "month_long": {"id": "LLLL y", "en": "LLLL y"},
    "month_name": {"id": "LLLL", "en": "LLLL"},
    "datetime_long": {"id": "d MMMM y, HH.mm", "en": "d MMMM y, HH:mm"},
    "datetime_short": {"id": "dd-MM-y HH.mm", "en": "d MMM y, HH:mm"},
}
EMPTY = "—"


def _language(locale):
    if locale is None:
        current = get_locale()
        locale = current.language if current is not None else DEFAULT_LANGUAGE
    language = str(locale).split("_")[0]
    return language if language in PATTERNS["date_long"] else DEFAULT_LANGUAGE


@lru_cache(maxsize=4096)
def _format_day(day, style, language):
    # A letter or a page prints the same few dates many times: each is formatted once.
    return _babel_date(day, PATTERNS[style][language], locale=language)


def format(value, style="date_long", locale=None, empty=EMPTY):
    """``value`` (a date, or an aware datetime shown in the registry's time zone) in
    ``style``, in ``locale`` or the current language; ``empty`` when there is none."""
    if value is None or value == "":
        return empty
    language = _language(locale)
    if style.startswith("datetime"):
        if not isinstance(value, datetime):
            value = datetime.combine(value, datetime.min.time())
        elif value.tzinfo is not None:
            value = to_user_timezone(value)
        return _babel_datetime(value, PATTERNS[style][language], tzinfo=value.tzinfo,
                               locale=language)
    if isinstance(value, datetime):
        value = (to_user_timezone(value) if value.tzinfo is not None else value).date()
    if not isinstance(value, date):
        raise TypeError(f"not a date: {value!r}")
    return _format_day(value, style, language)


def _formatter(style):
    def formatted(value, locale=None, empty=EMPTY):
        return format(value, style, locale, empty)
    formatted.__name__ = formatted.__qualname__ = style
    formatted.__doc__ = f"``value`` in the {style} style (see the module's table)."
    return formatted


# The Jinja filters, and the functions of the same names for Python code.
FILTERS = {style: _formatter(style) for style in PATTERNS}
date_full, date_long, date_short, date_month = (FILTERS[s] for s in (
    "date_full", "date_long", "date_short", "date_month"))
month_long, month_name = FILTERS["month_long"], FILTERS["month_name"]
datetime_long, datetime_short = FILTERS["datetime_long"], FILTERS["datetime_short"]


def init_app(app):
    for name, func in FILTERS.items():
        app.add_template_filter(func, name)
