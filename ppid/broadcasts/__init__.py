"""Serta-merta broadcasts (issue #19 section 2, UU KIP Pasal 10) and following (section 3):
publishing a serta-merta DIP item starts a broadcast, with a banner on every public page
until an officer ends it, a crisis page with the announcement's parts and an update log,
mail to the followers of the government and of the agency, and feeds."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core import auth
    from ppid.core.hooks import hooks
    from ppid.broadcasts import cli, demo, policies, services, views  # noqa: F401

    from ppid.core import jobs
    auth.register_policies(app, policies)
    jobs.register_kind(app, services.deliver_job())  # a broadcast's mail, at once
    app.register_blueprint(views.bp)
    from ppid.extensions import csrf
    csrf.exempt(views.unsubscribe)  # RFC 8058 one-click: the token in the URL is the proof
    h = hooks(app)
    h.add_item_event(services.on_item_event)
    h.add_nav(_l("Serta-merta"), "broadcasts.index", group="informasi")
    h.add_seeder(demo.seed_broadcasts)
    h.add_home_section(views.home_section)
    h.add_profile_section(views.profile_section)
    app.context_processor(views.banner_context)
