"""The bar chart posted with a poll's results: a PNG drawn by matplotlib's Agg renderer.

matplotlib is imported inside the drawing function (it takes a while to import, and only a
closing poll needs it), and the drawing runs in a worker thread so the event loop never waits.
It only ever sees totals: option labels and their percentages.

Every text it draws was typed by a person: matplotlib reads a pair of `$` as mathematics (mathtext)
and fails on what is not valid TeX ("$5 copay or $10", "\\frac"), which would keep the results
from ever being posted. Each `$` is escaped (`\\$`, a literal dollar sign), so nothing typed is
ever read as mathematics.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
from collections.abc import Sequence

BAR_COLOUR = "#5865F2"
LABEL_WIDTH = 28  # characters per line of an option's label
TITLE_WIDTH = 60


def plain(text: str) -> str:
    """Text drawn as typed: no `$` starts mathematics."""
    return text.replace("$", r"\$")


def draw_bar_chart(
    labels: Sequence[str], percents: Sequence[int], *, title: str, axis_label: str
) -> bytes:
    """A horizontal bar per option, its percentage written at the end of the bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    count = len(labels)
    wrapped = [
        plain(textwrap.fill(label, LABEL_WIDTH, max_lines=3, placeholder="…")) for label in labels
    ]
    figure = Figure(figsize=(8, 1.4 + 0.55 * count), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    positions = list(range(count))
    axes.barh(positions, list(percents), color=BAR_COLOUR)
    axes.set_yticks(positions, wrapped)
    axes.invert_yaxis()  # the first option on top, as on the buttons
    axes.set_xlim(0, 112)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_xlabel(plain(axis_label))
    for position, percent in zip(positions, percents, strict=True):
        axes.text(percent + 1.5, position, f"{percent}%", va="center")
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(plain(textwrap.fill(title, TITLE_WIDTH, max_lines=3, placeholder="…")))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def bar_chart_png(
    labels: Sequence[str], percents: Sequence[int], *, title: str, axis_label: str
) -> bytes:
    return await asyncio.to_thread(
        draw_bar_chart, labels, percents, title=title, axis_label=axis_label
    )
