"""Pure rules of the publication desk (issue #19, DOMAIN.md section 16).

A publication's body is written in a small Markdown subset and shown as sanitised HTML:
markdown-it-py renders it with raw HTML switched off (a ``<script>`` typed in the body is
shown as text), then nh3 (the Rust ``ammonia`` sanitiser) keeps only the tags and
attributes below, links only to http, https and mailto, with ``rel="nofollow noopener
noreferrer"``. Two independent layers: a gap in the one is closed by the other.
"""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# The subset: paragraphs, line breaks, emphasis, lists, quotes, links, headings, code.
BODY_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a", "h2", "h3",
             "h4", "code", "pre", "hr"}
BODY_ATTRIBUTES = {"a": {"href", "title"}}
LINK_SCHEMES = {"http", "https", "mailto"}
MAX_BODY_CHARS = 50_000

_md = (MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False,
                           "breaks": True})
       .enable(["emphasis", "list", "blockquote", "link", "heading", "backticks", "fence",
                "hr", "newline", "escape", "entity"]))


def render_body(text):
    """The body's Markdown as safe HTML (``Markup``); headings start at level 2, since the
    page's own title is the only ``h1``."""
    html = _md.render(text or "")
    for level in (5, 4, 3, 2, 1):  # "# x" is a section of the page: h2, and so on down
        html = html.replace(f"<h{level}>", f"<h{min(level + 1, 4)}>").replace(
            f"</h{level}>", f"</h{min(level + 1, 4)}>")
    clean = nh3.clean(html, tags=BODY_TAGS, attributes=BODY_ATTRIBUTES,
                      url_schemes=LINK_SCHEMES, link_rel="nofollow noopener noreferrer",
                      strip_comments=True)
    return Markup(clean)
