"""The places where features plug into the app, held by the app itself.

Each feature's ``init_app(app)`` adds its navigation links, dashboard, home-page and
agency-page sections, page stamps, alert sources, demo seeders, landing pages and access policies to ``hooks(app)``; the code that
shows or runs them reads ``hooks()`` of the current app. Two apps created in one process
(tests, a CLI next to a server) therefore never see each other's registrations.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

_KEY = "ppid_hooks"

# The groups of the main navigation, in the order the header shows them (issue #17): a
# link added with ``group=`` goes into that group's menu; a link without one stands on its
# own in the header (the few a person comes for: the home page, the dashboard, the request
# form, search). A group holding a single link for some user shows as that link.
NAV_GROUPS = (
    ("layanan", _l("Layanan")),
    ("informasi", _l("Informasi")),
    ("laporan", _l("Laporan")),
    ("pengaturan", _l("Pengaturan")),
)
NAV_GROUP_KEYS = tuple(key for key, _label in NAV_GROUPS)


@dataclass
class Hooks:
    # (label, endpoint, predicate(user) or None), in registration order.
    nav: list = field(default_factory=list)
    # endpoint -> key of NAV_GROUPS, for the nav links added with a group.
    nav_groups: dict = field(default_factory=dict)
    # fn(user) -> (template, context) or None: sections of the officers' dashboard.
    dashboard_sections: list = field(default_factory=list)
    # fn(agency) -> (template, context) or None: sections of the public agency page.
    profile_sections: list = field(default_factory=list)
    # fn(now) -> {agency_id: [Alert, ...]}: what goes into digests and dashboards.
    alert_sources: list = field(default_factory=list)
    # fn(summary: list[str]): demo data, run after agencies and accounts.
    seeders: list = field(default_factory=list)
    # role -> endpoint where that role lands after signing in (features override).
    landings: dict = field(default_factory=dict)
    # action -> fn(user, obj) -> bool (ppid.core.auth.register_policies).
    policies: dict = field(default_factory=dict)
    # doc type -> ppid.search.sources.Source: what the search index holds.
    search_sources: dict = field(default_factory=dict)
    # fn() -> (template, context) or None: sections of the public home page.
    home_sections: list = field(default_factory=list)
    # fn(conn=) -> str: what public pages show that moves with the clock rather than with a
    # write (a publication scheduled for a moment); part of their validators
    # (ppid.core.public_cache), so a page kept before that moment is not served after it.
    page_stamps: list = field(default_factory=list)
    # fn(action, item, *, actor, now), action in ("publish", "update", "withdraw"): called
    # by ppid.registry.services after a DIP item changed, in its transaction (broadcasts).
    item_events: list = field(default_factory=list)

    def add_nav(self, label, endpoint, predicate=None, group=None):
        """A link of the main navigation, shown to users for whom ``predicate(user)`` holds
        (everybody when None), in the menu of ``group`` (a key of NAV_GROUPS) or, without
        one, on its own in the header."""
        if group is not None and group not in NAV_GROUP_KEYS:
            raise ValueError(f"unknown navigation group {group!r}; one of {NAV_GROUP_KEYS}")
        if all(e != endpoint for _label, e, _p in self.nav):
            self.nav.append((label, endpoint, predicate))
            if group is not None:
                self.nav_groups[endpoint] = group

    @staticmethod
    def _add(items, fn):
        if fn not in items:
            items.append(fn)
        return fn

    def add_dashboard_section(self, fn):
        return self._add(self.dashboard_sections, fn)

    def add_profile_section(self, fn):
        return self._add(self.profile_sections, fn)

    def add_alert_source(self, fn):
        return self._add(self.alert_sources, fn)

    def add_home_section(self, fn):
        return self._add(self.home_sections, fn)

    def add_page_stamp(self, fn):
        return self._add(self.page_stamps, fn)

    def add_item_event(self, fn):
        return self._add(self.item_events, fn)

    def add_seeder(self, fn):
        return self._add(self.seeders, fn)

    def set_landing(self, role, endpoint):
        self.landings[role] = endpoint


def hooks(app=None) -> Hooks:
    """The hooks of ``app`` (default: the current app), created on first use."""
    app = app if app is not None else current_app
    found = app.extensions.get(_KEY)
    if found is None:
        found = app.extensions[_KEY] = Hooks()
    return found
