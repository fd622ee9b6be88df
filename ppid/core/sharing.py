"""Sharing a public page (issue #19, section 1): the Open Graph and Twitter-card metadata
every page's head carries (one macro, ``social_meta`` in templates/macros.html, fed by the
page's ``og_*`` variables with defaults from the layout) and plain share links for
WhatsApp, Facebook, X and Telegram: addresses only, no script, no tracking, no API key.

Absolute addresses come from BASE_URL, never from the request's Host header: public pages
are kept and shared between readers (ppid.core.public_cache), so a forged Host must not
reach a kept copy's metadata or links. The path is the page's own, without its query
string (a search term or a filter is not the page's identity, and may be personal).
"""
from urllib.parse import quote

from flask import current_app, request, url_for

SHARE_IMAGE_TYPES = (".png", ".jpg", ".jpeg")  # what the networks show as a preview image


def share_links(url, title):
    """(network, href) of plain share links."""
    u, t = quote(url, safe=""), quote(title or "", safe="")
    return [
        ("WhatsApp", f"https://wa.me/?text={t}%20{u}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("X", f"https://x.com/intent/post?text={t}&url={u}"),
        ("Telegram", f"https://t.me/share/url?url={u}&text={t}"),
    ]


def base_url():
    return current_app.config["BASE_URL"].rstrip("/")


def page_url():
    """This page's canonical address: BASE_URL and the path, no query string."""
    return base_url() + request.script_root + request.path


def absolute(endpoint, **values):
    return base_url() + url_for(endpoint, **values)


def default_image():
    """The image of a page that has none of its own: SHARE_IMAGE, else the government's
    logo when it is a PNG or JPEG (networks do not show SVG previews); None otherwise."""
    for name in (current_app.config.get("SHARE_IMAGE"),
                 current_app.config.get("GOVERNMENT_LOGO")):
        if name and name.lower().endswith(SHARE_IMAGE_TYPES):
            return absolute("static", filename=name)
    return None


def init_app(app):
    app.jinja_env.globals.update(share_links=share_links, page_url=page_url,
                                 absolute_url=absolute, default_share_image=default_image)
