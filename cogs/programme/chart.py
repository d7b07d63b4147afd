"""The report's chart: a PNG drawn by matplotlib's Agg renderer, in a worker thread.

It draws only rows of the report's CSV (`Report.rows`), so every number on the chart is also in
the CSV; the numbers it drew are written into the PNG's text metadata ("Numbers", JSON rows of
section, item and value) so a test can check the picture against the CSV number by number.
Every text it draws is escaped for mathtext (a group's name may hold a `$`).

matplotlib takes about a second to import, and its first chart loads fonts: `warm_up` does both
in a worker thread once the bot is ready (cog.py), so the first report after a start does not pay
for them (issue 21: benchmarks/programme_report.py measures the first report after a start).
"""

from __future__ import annotations

import asyncio
import io
import json

from bot.i18n import Translate
from cogs.programme.service_reports import Report

BAR = "#5865F2"
LINE = "#ED4245"


def plain(text: str) -> str:
    return text.replace("$", r"\$")


def draw(report: Report, t: Translate) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = report.rows(t)
    drawn: list[tuple[str, str, str]] = []
    attendance = [r for r in rows if r[0] == t("attendance") and r[1] != t("trend per session")]
    attendance_trend = next(r for r in rows if r[1] == t("trend per session"))
    summary = [r for r in rows if r[0] in (t("sessions"), t("members"), t("cases")) and r[2] != ""]
    ratings = [
        r
        for r in rows
        if r[0] == t("ratings") and r[1] not in (t("k (fewest answers shown)"), t("trend per poll"))
    ]
    panels = 2 + (1 if ratings else 0)
    figure = Figure(figsize=(10, 3.6 * panels), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.subplots(panels, 1, squeeze=False)[:, 0]
    figure.suptitle(
        plain(
            f"{report.name}: {report.period.day(report.period.start)} – "
            f"{report.period.day(report.period.end)}"
        )
    )

    top = axes[0]
    if attendance:
        xs = list(range(len(attendance)))
        values = [float(r[2]) for r in attendance]
        top.bar(xs, values, color=BAR)
        for x, row in zip(xs, attendance, strict=True):
            top.text(x, float(row[2]), row[2], ha="center", va="bottom", fontsize=8)
            drawn.append(row)
        step = max(1, len(xs) // 12)
        top.set_xticks(
            xs[::step],
            [plain(r[1]) for r in attendance][::step],
            rotation=30,
            fontsize=7,
            ha="right",
        )
        if attendance_trend[2]:
            slope = float(attendance_trend[2])
            mean = sum(values) / len(values)
            middle = (len(values) - 1) / 2
            top.plot(xs, [mean + slope * (x - middle) for x in xs], color=LINE)
            drawn.append(attendance_trend)
    title = (
        t("How many came, per session")
        if report.scope == "group"
        else t("How many came to a session, month by month (mean)")
    )
    trend_text = attendance_trend[2] or t("not enough sessions")
    top.set_title(plain(f"{title} — {t('trend per session')}: {trend_text}"), fontsize=10)
    top.spines[["top", "right"]].set_visible(False)

    middle_axes = axes[1]
    labels = [f"{r[0]}: {r[1]}" for r in summary]
    positions = list(range(len(summary)))
    middle_axes.barh(positions, [float(r[2]) for r in summary], color=BAR)
    middle_axes.set_yticks(positions, [plain(label) for label in labels], fontsize=8)
    middle_axes.invert_yaxis()
    for position, row in zip(positions, summary, strict=True):
        middle_axes.text(float(row[2]), position, f" {row[2]}", va="center", fontsize=8)
        drawn.append(row)
    middle_axes.set_title(t("Sessions, members and cases (counts only)"), fontsize=10)
    middle_axes.spines[["top", "right"]].set_visible(False)

    if ratings:
        low = axes[2]
        xs = list(range(len(ratings)))
        low.plot(xs, [float(r[2]) for r in ratings], marker="o", color=BAR)
        for x, row in zip(xs, ratings, strict=True):
            low.annotate(
                row[2],
                (x, float(row[2])),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
            drawn.append(row)
        low.set_xticks(xs, [plain(r[1]) for r in ratings], rotation=30, fontsize=7, ha="right")
        low.set_ylim(0, 5.5)
        low.set_title(t("Anonymous ratings (only where enough answered)"), fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Numbers": json.dumps(drawn)})
    return buffer.getvalue()


def warm_up() -> None:
    """Import matplotlib and draw a small chart nobody sees (its fonts, text layout and PNG
    writer loaded), in a worker thread: a report asked for meanwhile waits for the import."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 2), dpi=20)
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 1)
    axes.bar([0, 1], [1.0, 2.0], color=BAR)
    axes.plot([0, 1], [1.0, 2.0], marker="o", color=LINE)
    axes.text(0, 1.0, "1", ha="center", va="bottom", fontsize=8)
    axes.set_xticks([0, 1], [plain("a"), plain("b")], rotation=30, fontsize=7, ha="right")
    axes.set_title(plain("warm-up"), fontsize=10)
    figure.suptitle(plain("warm-up"))
    figure.tight_layout()
    figure.savefig(io.BytesIO(), format="png", metadata={"Numbers": "[]"})


async def chart_png(report: Report, t: Translate) -> bytes:
    return await asyncio.to_thread(draw, report, t)
