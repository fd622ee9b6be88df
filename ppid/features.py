"""Each feature package beyond the foundation hooks itself in here.

A feature's ``init_app(app)`` registers its blueprint, navigation links, policies, demo
seeders and CLI commands. Features whose package has no ``init_app`` are skipped.
"""
import importlib

FEATURES = ("ppid.registry", "ppid.info_requests", "ppid.disputes", "ppid.search",
            "ppid.reports", "ppid.evaluation", "ppid.publications", "ppid.broadcasts")


def register_features(app):
    for name in FEATURES:
        module = importlib.import_module(name)
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)
