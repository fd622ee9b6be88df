"""Feature hooks belong to their app: two apps in one process do not share registrations."""
from ppid import create_app
from ppid.core.hooks import hooks
from tests.conftest import base_config


def _app(tmp_path, name):
    return create_app(base_config(tmp_path / name, f"sqlite:///{tmp_path / name}.sqlite3"))


def test_two_apps_keep_their_own_hooks(tmp_path):
    first, second = _app(tmp_path, "a"), _app(tmp_path, "b")
    h1, h2 = hooks(first), hooks(second)
    assert h1 is not h2
    # Every feature registered once per app, not once per process.
    assert len(h1.nav) == len(h2.nav) == len({e for _l, e, _p in h1.nav}) > 0
    assert len(h1.seeders) == len(h2.seeders) == len(set(h1.seeders)) > 0
    assert h1.alert_sources == h2.alert_sources and h1.alert_sources
    assert set(h1.search_sources) == set(h2.search_sources) == {"dip", "request", "publication"}
    assert h1.search_sources["dip"] is not h2.search_sources["dip"]

    def extra(now):
        return {}
    h1.add_alert_source(extra)
    h1.add_nav("Uji", "core.set_language", group="informasi")
    assert extra in h1.alert_sources and extra not in h2.alert_sources
    assert any(e == "core.set_language" for _l, e, _p in h1.nav)
    assert not any(e == "core.set_language" for _l, e, _p in h2.nav)
    assert h1.nav_groups["core.set_language"] == "informasi"
    assert "core.set_language" not in h2.nav_groups


def test_adding_twice_is_a_no_op(tmp_path):
    h = hooks(_app(tmp_path, "c"))
    before = (len(h.nav), len(h.dashboard_sections), len(h.seeders))
    h.add_nav(*h.nav[0])
    h.add_dashboard_section(h.dashboard_sections[0])
    h.add_seeder(h.seeders[0])
    assert (len(h.nav), len(h.dashboard_sections), len(h.seeders)) == before


def test_policies_belong_to_their_app(tmp_path):
    from ppid.core import auth
    first, second = _app(tmp_path, "p1"), _app(tmp_path, "p2")
    assert {"manage_accounts", "handle_request", "search_requests"} <= set(hooks(first).policies)
    assert hooks(first).policies == hooks(second).policies

    @auth.policy("uji_saja")
    def only_here(user, obj):
        return True

    class Module:  # a feature module holding one marked rule
        rule = only_here
    auth.register_policies(first, Module)
    auth.register_policies(first, Module)  # the same rule again: a no-op
    assert hooks(first).policies["uji_saja"] is only_here
    assert "uji_saja" not in hooks(second).policies

    @auth.policy("uji_saja")
    def another(user, obj):
        return False

    class Other:
        rule = another
    import pytest
    with pytest.raises(RuntimeError, match="registered twice"):
        auth.register_policies(first, Other)
