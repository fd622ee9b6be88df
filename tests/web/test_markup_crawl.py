"""Every HTML page the security crawl reaches, as every role (issue #17): no element id
twice on a page, no attribute that names an element that does not exist
(``aria-describedby="None"``, ``for="None"``), no element without an id referenced by a
label or a description.

The crawl is the authorisation matrix's (tests/security): every GET route of the URL map,
built with one seeded world's objects, opened by each role; the pages it answers 200 with
HTML are checked, so a new page is checked without touching this test.
"""
import re
from collections import Counter
from html.parser import HTMLParser

from tests.security import ROLES, login_as, seed_world
from tests.security.test_security_authz import build, primary_params, rules_by_endpoint


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.refs = Counter(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") is not None:
            self.ids[a["id"]] += 1
        for name in ("for", "aria-describedby", "aria-labelledby", "aria-controls", "list"):
            if a.get(name) is not None:
                self.refs.extend((tag, name, ref) for ref in a[name].split())


def markup_problems(html):
    p = _Ids()
    p.feed(html)
    out = [f"id {i!r} {n} times" for i, n in p.ids.items() if n > 1]
    out += [f"<{tag} {name}={ref!r}> names no element" for tag, name, ref in p.refs
            if ref not in p.ids]
    out += [f"attribute value None: {m}" for m in
            re.findall(r'\s[\w-]+="None"', html)]
    return out


def test_markup_problems_are_found():
    assert markup_problems('<p id="a"></p><p id="a"></p>') == ["id 'a' 2 times"]
    assert markup_problems('<input aria-describedby="None">')[0].startswith("<input")
    assert markup_problems('<label for="x">X</label><input id="x">') == []


def test_no_page_repeats_an_id_or_names_a_missing_element(app):
    w = seed_world(app)
    rules = rules_by_endpoint(app, "GET")
    prim = primary_params(w)
    clients = {role: login_as(app, w, role) for role in ROLES}
    failures, checked = [], 0
    # The forms as a person gets them: with their CSRF fields (the suite turns CSRF off).
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        _crawl(app, rules, prim, clients, failures, checked_box := [0])
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    checked = checked_box[0]
    assert checked > 150  # the crawl really reached the pages
    assert not failures, "\n".join(sorted(set(failures)))


def _crawl(app, rules, prim, clients, failures, checked):
    for endpoint in sorted(rules):
        if set(rules[endpoint].arguments) - set(prim):
            # No seeded object for it yet: the security matrix fails on that route; this
            # crawl checks the pages it can reach.
            continue
        url = build(app, rules[endpoint], prim)
        for role in ROLES:
            resp = clients[role].get(url)
            if resp.status_code != 200 or not resp.mimetype == "text/html":
                continue
            checked[0] += 1
            failures += [f"{endpoint} ({role}) {url}: {p}"
                         for p in markup_problems(resp.get_data(as_text=True))]
