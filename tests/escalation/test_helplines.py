"""The helplines data file: every number has its source, and everyone gets a fallback."""

from __future__ import annotations

import json

import pycountry

from bot.i18n import Translate
from cogs.escalation.helplines import HELPLINES_PATH, Helplines
from cogs.escalation.models import Case
from cogs.escalation.render import resources_content, resources_embed


def test_every_country_and_line_is_sourced() -> None:
    data = json.loads(HELPLINES_PATH.read_text(encoding="utf-8"))
    helplines = Helplines(data)
    assert helplines.countries
    for code in helplines.countries:
        assert pycountry.countries.get(alpha_2=code) is not None, code
        resources = helplines.for_region(code)
        assert resources.emergency, code
        for line in resources.lines:
            assert line.source.startswith("https://") and line.contacts, line.name
    assert any("findahelpline.com" in line.source for line in helplines.international)


def _case(**changes: object) -> Case:
    values: dict[str, object] = dict(
        id=7, guild_id=1, user_id=2, source="message", channel_id=3, parent_channel_id=None,
        category="suicidal_ideation", severity=3, status="open", created_at=0, claimed_at=None,
        claimed_by=None, closed_at=None, closed_by=None, note=None, page_level=0,
        next_page_at=None, contact_requested_at=None, alert_channel_id=4, alert_outbox_id=None,
        alert_message_id=None, resources_outbox_id=None, resources_via="dm",
        fallback_thread_id=None, text_purged_at=None, alert_redacted=False,
    )  # fmt: skip
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def test_a_region_without_its_own_list_gets_the_international_one() -> None:
    helplines, t = Helplines.load(), Translate("en")
    for region in ("INTL", "JP"):
        resources = helplines.for_region(region)
        assert resources.lines == () and resources.emergency is None
        text = resources_content(_case(), resources, t, server="Hope Circle", name="Mia")
        assert "call your local emergency number now" in text
        embed = resources_embed(resources, t)
        assert [f.name for f in embed.fields] == ["Anywhere in the world"]
        assert "https://findahelpline.com/" in str(embed.fields[0].value)
