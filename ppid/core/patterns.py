"""Patterns of text input, written once for the server's checks and for the OpenAPI document.

Each pattern is written in the part of regular-expression syntax that Python's ``re`` and
ECMA-262 (the dialect of JSON Schema, read by API clients and by schemathesis) read the
same way: explicit character classes with ``\\uXXXX`` escapes, no ``\\d``, ``\\s`` or ``\\w``
(Unicode-wide in Python, ASCII or otherwise in ECMA), ``^...$`` anchors only around a whole
pattern. The server matches a *body* against a value with :func:`matches` (``re.fullmatch``);
the document states :func:`as_sent` of the same body, which also says that whitespace around
a value is ignored.
"""
import re

# Exactly the characters str.strip() removes (str.isspace()); tests/unit checks the list.
WHITESPACE = ("\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a"
              "\\u2028\\u2029\\u202f\\u205f\\u3000")
# Control characters refused in text; tab and line breaks are allowed (addresses, letters).
CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f"

# Text with at least one visible character and no control character.
TEXT = f"[^{CONTROL}{WHITESPACE}](?:[^{CONTROL}]*[^{CONTROL}{WHITESPACE}])?"
# Any text without control characters, empty included (free-text filters).
NO_CONTROL = f"^[^{CONTROL}]*$"
# Lone surrogates are not characters: JSON's \\ud800 escapes can carry them, no database
# stores them. Python-only (ECMA has no way to name them; JSON Schema strings exclude them).
_SURROGATE = re.compile("[\ud800-\udfff]")


def as_sent(body, *, optional=False):
    """The pattern of a value as sent: ``body`` with any whitespace around it (or nothing but
    whitespace, if ``optional``). ``body`` must begin and end with a non-whitespace
    character, so that a value fits this pattern exactly when its ``strip()`` fits ``body``."""
    return f"^[{WHITESPACE}]*(?:{body}){'?' if optional else ''}[{WHITESPACE}]*$"


def matches(body, value):
    """Whether ``value`` (already stripped) is all of ``body``."""
    return _SURROGATE.search(value) is None and _compiled(body).fullmatch(value) is not None


def has_control(value):
    """Whether ``value`` holds a character :data:`NO_CONTROL` refuses (or a lone surrogate)."""
    return _compiled(f"[{CONTROL}\ud800-\udfff]").search(value) is not None


_CACHE = {}


def _compiled(pattern):
    try:
        return _CACHE[pattern]
    except KeyError:
        _CACHE[pattern] = compiled = re.compile(pattern)
        return compiled


def number_range(lo, hi):
    """A pattern body matching the decimal numbers lo..hi (of the same number of digits)."""
    lo, hi = str(lo), str(hi)
    if len(lo) != len(hi) or int(lo) > int(hi):
        raise ValueError(f"{lo}..{hi}: same number of digits, lo <= hi")
    return _digits_range(lo, hi)


def _digits_range(lo, hi):
    n = len(lo)
    if lo == "0" * n and hi == "9" * n:
        return f"[0-9]{{{n}}}" if n > 1 else "[0-9]"
    if n == 1:
        return lo if lo == hi else f"[{lo}-{hi}]"
    if lo[0] == hi[0]:
        return lo[0] + _digits_range(lo[1:], hi[1:])
    parts = [lo[0] + _digits_range(lo[1:], "9" * (n - 1))]
    first, last = int(lo[0]) + 1, int(hi[0]) - 1
    if first <= last:
        digit = str(first) if first == last else f"[{first}-{last}]"
        parts.append(digit + (f"[0-9]{{{n - 1}}}" if n > 2 else "[0-9]"))
    parts.append(hi[0] + _digits_range("0" * (n - 1), hi[1:]))
    return "(?:" + "|".join(parts) + ")"
