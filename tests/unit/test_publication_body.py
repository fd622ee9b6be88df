"""A publication's body: a small Markdown subset rendered, raw HTML never passed through,
scripts, event handlers and javascript: links removed (issue #19, section 1)."""
from html.parser import HTMLParser

import pytest

from ppid.publications.rules import render_body

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](&#106;avascript:alert(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD4=)",
    "[klik](vbscript:msgbox)",
    '<div onclick="alert(1)">x</div>',
    "<iframe src=//evil.example></iframe>",
    "<svg onload=alert(1)>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{display:none}</style>",
    "**tebal** <b onmouseover=alert(1)>x</b>",
]


class Elements(HTMLParser):
    """The tags and attributes a browser would build from the HTML (text stays text)."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attrs = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


@pytest.mark.parametrize("text", ATTACKS)
def test_no_script_no_handler_no_dangerous_link_survives(text):
    found = Elements(str(render_body(text)))
    assert set(found.tags) <= {"p", "a", "strong"}, found.tags
    names = {name for name, _value in found.attrs}
    assert names <= {"href", "rel"}, names
    for name, value in found.attrs:
        if name == "href":
            assert value.startswith(("http://", "https://", "mailto:")), value


def test_dangerous_links_lose_their_target():
    for text in ("[klik](javascript:alert(1))", "[klik](JaVaScRiPt:alert(1))",
                 "[klik](data:text/html;base64,PHNjcmlwdD4=)"):
        assert "href" not in str(render_body(text)), text


def test_the_subset_renders():
    html = str(render_body("# Banjir di Sungai Kapuas\n\nWarga **diminta** mengungsi ke:\n\n"
                           "- Posko *Kantor Camat*\n- GOR\n\n> Tetap tenang.\n\n"
                           "Info: [BPBD](https://bpbd.example.go.id/posko)"))
    assert "<h2>Banjir di Sungai Kapuas</h2>" in html  # the page's title is the only h1
    assert "<strong>diminta</strong>" in html and "<em>Kantor Camat</em>" in html
    assert "<ul>" in html and "<li>GOR</li>" in html and "<blockquote>" in html
    assert 'href="https://bpbd.example.go.id/posko"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_raw_html_is_shown_as_text_not_as_markup():
    html = str(render_body("Tulis <b>tebal</b> dengan bintang"))
    assert "<b>" not in html and "&lt;b&gt;tebal&lt;/b&gt;" in html


def test_images_and_tables_are_not_in_the_subset():
    html = str(render_body("![foto](https://x.example/a.jpg)\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<img" not in html and "<table" not in html


def test_empty_body():
    assert str(render_body("")) == "" and str(render_body(None)) == ""
