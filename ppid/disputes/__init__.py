"""Disputes after an objection (issue #16 section 3): the Komisi Informasi's stages, the
courts and the execution of the result. DOMAIN.md section 14; UU KIP Pasal 37-50."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core.auth import register_policies
    from ppid.core.hooks import hooks
    from ppid.disputes import demo, policies, services, views

    app.register_blueprint(views.bp)
    register_policies(app, policies)
    app.jinja_env.globals["new_dispute_file_form"] = views.file_form
    h = hooks(app)
    h.add_alert_source(services.dispute_alerts)
    h.add_nav(_l("Sengketa"), "disputes.index", predicate=views.may_see_list,
              group="layanan")
    h.add_seeder(demo.seed_disputes)
