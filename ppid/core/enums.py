"""Enumerations with their labels: the one place where a stored code becomes words.

How enumerated values are laid out
----------------------------------
Every enumerated value the registry stores or shows (a request's state, an outcome, a
staleness status, an objection ground, a Pasal 17 letter, a way of delivery, an E-Monev
band, ...) is one member of one :class:`LabelledEnum`, defined once in its feature's
``rules.py``. A member carries:

* its code, the string stored in the database (codes never change: no data migration);
* its label, lazily translated (``flask_babel.lazy_gettext``), so it is read in the
  language of whoever reads it;
* where the law names it, the article (``UU KIP Pasal 35 ayat (1) huruf a``).

Everything that shows a code derives from the member, never from a second list:

* forms: ``Enum.choices()``;
* templates: ``{{ value|label(Enum) }}``; every LabelledEnum is a Jinja global under its
  class name (:func:`init_app`);
* letters are official and always in Indonesian: ``issue_letter`` renders them under
  ``force_locale("id")``, with the same labels; e-mails to requesters use
  ``member.text("id")``;
* CSV and PDF reports, search facets: ``label_of`` / ``labels()``;
* the OpenAPI document: ``Enum.codes()``.

Adding, say, a request outcome therefore touches its enumeration (the member, its label,
its article), its rule (which fields its notice needs, ``REQUIRED_OUTCOME_FIELDS``) and its
letter template (what the notice says), nothing else; add its English label to the
catalogue. ``tests/web/test_enumerations.py`` walks every member of every enumeration
through every place that renders it, in Indonesian and in English, and fails on a raw code
or a missing translation.
"""
from enum import StrEnum

from flask_babel import LazyString, force_locale

# Every LabelledEnum by class name: the Jinja globals, and what the walk test walks.
REGISTRY = {}


class LabelledEnum(StrEnum):
    """A str-valued enumeration whose members are ``CODE = "code", _l("Label")[, article]``.

    Members compare and hash equal to their codes, so they go wherever a code goes (the
    database, JSON, a dict key); ``member.label`` is the lazy label.
    """

    def __new__(cls, code, label, article=None, *_extra):
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        member.article = article
        return member

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.__name__] = cls

    @classmethod
    def codes(cls):
        """The stored codes, in definition order (OpenAPI enums, validation)."""
        return [m.value for m in cls]

    @classmethod
    def choices(cls, members=None):
        """(code, lazy label) pairs for a form's choices."""
        return [(m.value, m.label) for m in (cls if members is None else members)]

    @classmethod
    def labels(cls):
        """{code: lazy label}."""
        return {m.value: m.label for m in cls}

    @classmethod
    def get(cls, value):
        """The member of a code, or None (no code, or one this enumeration does not know)."""
        return cls._value2member_map_.get(value) if value is not None else None

    @classmethod
    def label_of(cls, value, default="—"):
        """The label of a stored code; ``default`` when there is none. A code the
        enumeration does not know (which the database constraints rule out) is shown as
        it is rather than hidden."""
        if value is None or value == "":
            return default
        member = cls.get(value)
        return member.label if member is not None else value

    def text(self, locale=None):
        """The label as a plain string, in ``locale`` if given (e-mails and letters are
        Indonesian whoever triggers them), else in the current language."""
        if locale is None:
            return str(self.label)
        with force_locale(locale):
            return str(self.label)

    @property
    def lettered(self):
        """"a. label", lazily: for enumerations whose codes are the law's letters."""
        return LazyString(lambda: f"{self.value}. {self.label}")


def label(value, enum, default="—"):
    """Jinja filter: ``{{ req.state|label(RequestState) }}``."""
    return enum.label_of(value, default)


def init_app(app):
    """Expose every enumeration to templates (after the features imported their rules)."""
    app.add_template_filter(label, "label")
    app.jinja_env.globals.update(REGISTRY)
