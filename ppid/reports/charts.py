"""A small SVG chart writer: bar and line charts rendered on the server.

The SVG is embedded inline in HTML pages (no JavaScript) and in PDFs (WeasyPrint draws
it). Every text is escaped; colours are presentation attributes (no style attribute, which
the Content-Security-Policy forbids). Each chart carries a <title> and <desc>; the pages
also print the figures as a table, the text alternative for screen readers.
"""
from flask_babel import gettext as _
from markupsafe import Markup, escape

PALETTE = ("#1f5f8b", "#c0392b", "#d68910", "#1e8449", "#7d3c98", "#566573")


def _fmt(value):
    if value is None:
        return "–"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def _open(width, height, title, desc, chart_id):
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{escape(tid)} {escape(did)}">',
            f'<title id="{escape(tid)}">{escape(title)}</title>',
            f'<desc id="{escape(did)}">{escape(desc)}</desc>']


def bar_chart(data, *, title, desc="", chart_id="chart", width=640, bar_height=18,
              max_value=None, label_width=200, unit=""):
    """Horizontal bars: ``data`` is [(label, value or None)]."""
    values = [v for _l, v in data if v is not None]
    top = max_value if max_value is not None else max(values + [1])
    top = top or 1
    height = 30 + bar_height * 1.4 * max(len(data), 1)
    plot = width - label_width - 60
    out = _open(width, int(height), title, desc or title, chart_id)
    y = 20
    for label, value in data:
        text = str(label)
        short = text if len(text) <= 32 else text[:31] + "…"
        out.append(f'<text x="{label_width - 6}" y="{y + bar_height * 0.75:.1f}" '
                   f'text-anchor="end" font-size="11" fill="#111">{escape(short)}</text>')
        length = 0 if value is None else max(0.0, min(float(value), top)) / top * plot
        out.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" '
                   f'height="{bar_height}" fill="{PALETTE[0]}"/>')
        out.append(f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height * 0.75:.1f}" '
                   f'font-size="11" fill="#111">{escape(_fmt(value) + unit)}</text>')
        y += bar_height * 1.4
    out.append("</svg>")
    return Markup("".join(out))


def line_chart(points, *, title, desc="", chart_id="chart", width=640, height=220,
               y_max=100, y_ticks=(0, 40, 60, 80, 90, 100)):
    """A line over ``points`` = [(label, value or None)]; gaps where the value is None."""
    left, right, top, bottom = 40, 16, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    out = _open(width, height, title, desc or title, chart_id)
    for tick in y_ticks:
        y = top + plot_h - tick / y_max * plot_h
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                   f'stroke="#ccc" stroke-width="1"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
                   f'fill="#333">{escape(_fmt(tick))}</text>')
    n = len(points)
    step = plot_w / max(n - 1, 1)
    segment = []
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + (i * step if n > 1 else plot_w / 2)
        if i % max(1, n // 8) == 0 or i == n - 1:
            out.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                       f'font-size="10" fill="#333">{escape(str(label))}</text>')
        if value is None:
            if len(segment) > 1:
                coords.append(segment)
            segment = []
            continue
        y = top + plot_h - max(0.0, min(float(value), y_max)) / y_max * plot_h
        segment.append((x, y))
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[0]}"/>')
    if len(segment) > 1:
        coords.append(segment)
    for seg in coords:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{PALETTE[0]}" '
                   f'stroke-width="2"/>')
    if not points:
        empty = escape(_("Belum ada data"))  # outside the f-string, where pybabel finds it
        out.append(f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
                   f'font-size="12" fill="#333">{empty}</text>')
    out.append("</svg>")
    return Markup("".join(out))
