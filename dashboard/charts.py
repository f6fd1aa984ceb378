"""Bar charts drawn on the server as inline SVG: no JavaScript, nothing from a CDN.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and summed up by its
``<desc>``; every bar carries its own ``<title>`` ("label: value"), so screen readers
and a mouse hover both read the numbers. Pages show the same numbers in a table too.

No ``style`` attribute anywhere: the Content-Security-Policy refuses inline styles. A chart
is drawn at its natural size and static/css/admin.css shrinks it on a narrow screen
(``max-width: 100%; height: auto``); colours and fonts are SVG presentation attributes,
which the policy allows.
"""

import math
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi, ngettext
from django.utils.translation import gettext as _

from core.formatting import number

FONT = 'font-family="system-ui, sans-serif" font-size="11"'
BAR_COLOUR = "#417690"  # the admin's own blue
NEGATIVE_COLOUR = "#ba2121"
GRID_COLOUR = "#dddddd"
AXIS_COLOUR = "#666666"


def thousands(value: int) -> str:
    """1234567 -> '1,234,567', or in Persian '۱٬۲۳۴٬۵۶۷' (core.formatting.number)."""
    return number(value)


def nice_ticks(low: int, high: int, count: int = 5) -> list[int]:
    """Whole-number ticks at a 1, 2 or 5 × 10^k step covering low..high, zero included."""
    low, high = min(low, 0), max(high, 0)
    if low == high:
        high = low + 1
    raw_step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw_step)) if raw_step >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    step = max(int(step), 1)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return list(range(first, last + 1, step))


def _shown(text: str) -> str:
    """A text drawn in the chart, escaped.

    A chart is drawn left to right in every language (its ``direction="ltr"``): on a
    right-to-left page each text is isolated (FSI … PDI), so a Persian label still reads
    right to left and its parentheses stay where they belong.
    """
    return f"\u2068{escape(text)}\u2069" if get_language_bidi() else escape(text)


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _open_svg(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" direction="ltr" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def column_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    x_title: str,
    y_title: str,
    value_format: Callable[[int], str] = thousands,
    width: int = 760,
    height: int = 280,
    max_x_labels: int = 10,
) -> SafeString:
    """Vertical bars, one per label (such as one per day), with a y axis of nice ticks.

    `value_format` writes the values in the bars' titles; the axis ticks are plain numbers.
    Negative values (a day with more refunds than income) hang below the zero line.
    """
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    left, right, top, bottom = 84, 12, 12, 52
    plot_width, plot_height = width - left - right, height - top - bottom
    ticks = nice_ticks(min(values, default=0), max(values, default=0))
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return top + (high - value) / (high - low) * plot_height

    total = sum(values)
    description = (
        ngettext(
            "%(count)s bar from %(first)s to %(last)s; total %(total)s, highest %(highest)s.",
            "%(count)s bars from %(first)s to %(last)s; total %(total)s, highest %(highest)s.",
            len(values),
        )
        % {
            "count": number(len(values)),
            "first": labels[0],
            "last": labels[-1],
            "total": value_format(total),
            "highest": value_format(max(values)),
        }
        if values
        else _("No data.")
    )
    parts = _open_svg(chart_id, width, height, title, description)
    parts.append(f'<g {FONT} fill="{AXIS_COLOUR}">')
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_width}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{AXIS_COLOUR if tick == 0 else GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">{_shown(thousands(tick))}</text>'
        )
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_height}" stroke="{AXIS_COLOUR}"/>')
    parts.append(
        f'<text x="14" y="{top + plot_height / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_height / 2:.1f})">{_shown(y_title)}</text>'
    )
    parts.append(
        f'<text x="{left + plot_width / 2:.1f}" y="{height - 6}" text-anchor="middle">{_shown(x_title)}</text>'
    )
    if values:
        band = plot_width / len(values)
        bar_width = max(band * 0.7, 1)
        every = max(math.ceil(len(values) / max_x_labels), 1)
        zero = y(0)
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            x = left + index * band + (band - bar_width) / 2
            bar_top, bar_bottom = sorted((y(value), zero))
            colour = NEGATIVE_COLOUR if value < 0 else BAR_COLOUR
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{bar_top:.1f}" width="{bar_width:.1f}" '
                f'height="{bar_bottom - bar_top:.1f}" fill="{colour}" data-value="{value}">'
                f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>"
            )
            if (len(values) - 1 - index) % every == 0:  # counted from the last bar, so it is labelled
                cx = left + index * band + band / 2
                parts.append(
                    f'<text x="{cx:.1f}" y="{top + plot_height + 16}" text-anchor="middle">{_shown(label)}</text>'
                )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    x_title: str,
    value_format: Callable[[int], str] = thousands,
    width: int = 760,
    row_height: int = 26,
    label_length: int = 32,
) -> SafeString:
    """Horizontal bars, one row per label (such as one per book), longest labels shortened."""
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    left, right, top, bottom = 230, 48, 8, 40
    height = top + bottom + row_height * max(len(values), 1)
    plot_width, plot_height = width - left - right, height - top - bottom
    ticks = nice_ticks(0, max(values, default=0))
    high = ticks[-1]

    def x(value: float) -> float:
        return left + value / high * plot_width

    description = (
        "; ".join(f"{label}: {value_format(value)}" for label, value in zip(labels, values, strict=True))
        if values
        else _("No data.")
    )
    parts = _open_svg(chart_id, width, height, title, description)
    parts.append(f'<g {FONT} fill="{AXIS_COLOUR}">')
    for tick in ticks:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{top + plot_height}" '
            f'stroke="{AXIS_COLOUR if tick == 0 else GRID_COLOUR}"/>'
            f'<text x="{tx:.1f}" y="{top + plot_height + 14}" text-anchor="middle">{_shown(value_format(tick))}</text>'
        )
    parts.append(
        f'<text x="{left + plot_width / 2:.1f}" y="{height - 6}" text-anchor="middle">{_shown(x_title)}</text>'
    )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        row_top = top + index * row_height
        bar_height = row_height * 0.7
        bar_y = row_top + (row_height - bar_height) / 2
        middle = row_top + row_height / 2 + 4
        parts.append(
            f'<text x="{left - 8}" y="{middle:.1f}" text-anchor="end">{_shown(_truncate(label, label_length))}</text>'
            f'<rect class="bar" x="{left}" y="{bar_y:.1f}" width="{x(value) - left:.1f}" height="{bar_height:.1f}" '
            f'fill="{BAR_COLOUR}" data-value="{value}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>"
            f'<text x="{x(value) + 4:.1f}" y="{middle:.1f}">{_shown(value_format(value))}</text>'
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every text above is escaped


__all__ = ["bar_chart", "column_chart", "nice_ticks", "thousands"]
