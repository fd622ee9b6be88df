"""The publication desk (issue #19, DOMAIN.md section 16): agencies' humas and helper
officers draft news and announcements, the PPID Utama reviews and publishes them through
one door; the public reads them on the news pages, the agency pages, the home page, the
feeds and in search."""


def init_app(app):
    from flask_babel import lazy_gettext as _l

    from ppid.core import auth, jobs
    from ppid.core.hooks import hooks
    from ppid.publications import cli, demo, policies, search, services, views  # noqa: F401

    auth.register_policies(app, policies)
    app.register_blueprint(views.bp)
    jobs.register_kind(app, services.go_live_job())  # a scheduled item's moment
    search.register(app)
    h = hooks(app)
    h.add_nav(_l("Berita"), "publications.news", group="informasi")
    h.add_nav(_l("Publikasi saya"), "publications.mine",
              lambda user: auth.can(user, "publication.draft"), group="informasi")
    h.add_nav(_l("Meja publikasi"), "publications.desk",
              lambda user: auth.can(user, "publication.review"), group="informasi")
    h.add_nav(_l("Kalender publikasi"), "publications.calendar",
              lambda user: auth.can(user, "publication.calendar"), group="informasi")
    h.set_landing(auth.HUMAS, "publications.mine")
    h.add_home_section(views.home_section)
    h.add_profile_section(views.profile_section)
    h.add_dashboard_section(views.dashboard_section)
    h.add_page_stamp(services.clock_stamp)
    h.add_seeder(demo.seed_publications)
    h.add_seeder(demo.seed_plans)
