"""Reports: "Report to moderators" on a message, the moderators' copy with Claim / Resolve /
Dismiss, the outcome in the mod log, and the reported text deleted after the retention."""

from __future__ import annotations

import logging

import pytest

from cogs.moderation.actions import REPORT, REPORT_RESOLVED
from cogs.moderation.views import ReportButton
from tests.fakediscord.errors import InteractionRefused
from tests.fakediscord.models import Message
from tests.harness import VIEW_CHANNEL, wait_until
from tests.moderation.conftest import Community, eventually

MENU = "Report to moderators"


async def report(c: Community, reporter, message: Message, reason: str | None) -> str:
    opened = await c.fake.message_command(reporter, MENU, message)
    assert opened.modal is not None, opened
    done = await c.fake.submit_modal(reporter, opened, {"reason": reason} if reason else {})
    assert done.ephemeral
    return done.text


async def test_a_report_reaches_the_moderators_and_is_closed(community: Community) -> None:
    c, s = community, community.server
    bad = await c.fake.send_message(
        c.peer, c.group_channel, "Stop your chemo, @everyone, turmeric cures it <@&123>"
    )
    thanks = await report(c, s.member, bad, "Dangerous medical advice")
    assert "Thank you" in thanks and "Nobody else will know" in thanks
    await c.settle()

    [post] = c.reports()
    text = post.text
    assert "Stop your chemo" in text and "Dangerous medical advice" in text
    assert f"<@{c.peer.id}>" in text and f"<@{s.member.id}>" in text
    assert f"<#{c.group_channel.id}>" in text
    assert f"https://discord.com/channels/{s.guild.id}/{c.group_channel.id}/{bad.id}" in text
    assert "nobody has claimed it" in text
    assert post.allowed_mentions == {"parse": []}
    ids = post.custom_ids()
    assert [i.split(":")[2] for i in ids] == ["claim", "resolve", "dismiss"]
    # The reported member is told nothing; the report is a case without a mod-log copy.
    for dm in c.dms(c.peer):  # (other features may greet them; nothing about a report)
        assert "report" not in dm.text.lower() and str(s.member.id) not in dm.text
    assert c.mod_log_entries()[-1].embeds[0]["title"].endswith("Setting changed")
    number = int(post.embeds[0]["title"].split("#")[1])
    opened = await c.bot.modlog.case(s.guild.id, number)
    assert opened is not None and opened.action == REPORT and opened.target_id == c.peer.id

    # The buttons survive a restart (their state is in the database).
    await c.runner.stop()
    await c.runner.start()
    # A member and a leader cannot touch it; a moderator claims, then resolves.
    for outsider in (s.member, c.leader):
        with pytest.raises(InteractionRefused):  # they cannot even see the private channel
            await c.fake.click(outsider, post, ids[0])
    claimed = await c.fake.click(s.moderator, post, ids[0])
    assert f"claimed by <@{s.moderator.id}>" in claimed.text
    live = c.fake.message(post.id)
    assert live.component(ids[0])["disabled"] is True  # type: ignore[index]
    resolved = await c.fake.click(s.moderator, live, ids[1])
    assert f"Resolved by <@{s.moderator.id}>" in resolved.text
    assert c.fake.message(post.id).custom_ids() == []
    await c.settle()
    outcome = c.mod_log_entries()[-1]
    assert "Report resolved" in outcome.embeds[0]["title"]
    assert f"resolved report #{number} about <@{c.peer.id}>" in outcome.text
    assert "Stop your chemo" not in outcome.text
    history = await c.bot.modlog.history(s.guild.id, c.peer.id)
    assert [e.action for e in history] == [REPORT_RESOLVED, REPORT]


async def test_refusals_and_repeat_reports(community: Community) -> None:
    c, s = community, community.server
    mine = await c.fake.send_message(s.member, s.general, "my own words")
    res = await c.fake.message_command(s.member, MENU, mine)
    assert res.modal is None and res.ephemeral and "your own message" in res.text
    # a message of the bot's own, where members read
    await c.slash(s.admin, "group panel", channel=str(s.general.id))
    await c.settle()
    bots = c.bot_messages(s.general)
    assert bots
    res = await c.fake.message_command(s.member, MENU, bots[0])
    assert res.modal is None and "one of my own messages" in res.text

    other = await c.fake.send_message(c.peer, s.general, "something unkind")
    assert "Thank you" in await report(c, s.member, other, None)
    again = await c.fake.message_command(s.member, MENU, other)
    done = await c.fake.submit_modal(s.member, again, {})
    assert "already reported" in done.text
    await c.settle()
    assert len(c.reports()) == 1


async def test_reported_text_is_deleted_after_the_retention(community: Community) -> None:
    c, s = community, community.server
    closed_msg = await c.fake.send_message(c.peer, s.general, "closed words")
    open_msg = await c.fake.send_message(c.peer, s.general, "still open words")
    await report(c, s.member, closed_msg, "reason one")
    await report(c, c.leader, open_msg, "reason two")
    await c.settle()
    first, second = c.reports()
    await c.fake.click(s.moderator, first, first.custom_ids()[2])  # dismiss
    res = await c.slash(s.admin, "setup retention", days=30)
    assert "30 days" in res.text

    c.clock.advance(days=29)
    await c.reports_cog.purge()
    kept = await c.moderation.service.repo.report(1)
    assert kept is not None and kept.snapshot == "closed words" and kept.reason == "reason one"

    c.clock.advance(days=2)
    job = c.bot.scheduler.get_job("moderation:purge")
    assert job is not None
    await job.func(*job.args)
    purged = await c.moderation.service.repo.report(1)
    still = await c.moderation.service.repo.report(2)
    assert purged is not None and purged.snapshot is None and purged.reason is None
    assert purged.status == "dismissed" and purged.closed_by == s.moderator.id
    assert still is not None and still.snapshot == "still open words"
    await wait_until(lambda: "closed words" not in c.fake.message(first.id).text)
    assert "deleted 30 days after" in c.fake.message(first.id).text
    assert "still open words" in c.fake.message(second.id).text


async def test_reports_go_to_the_escalation_channel_when_there_is_one(
    community: Community,
) -> None:
    c, s = community, community.server
    alerts = c.fake.create_text_channel(
        s.guild,
        "alerts",
        overwrites=[
            {"id": s.guild.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": s.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": s.guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
        ],
    )
    res = await c.slash(s.admin, "setup escalation-channel", channel=alerts.id)
    assert "Distress alerts will go to" in res.text, res
    message = await c.fake.send_message(c.peer, s.general, "unkind words")
    await report(c, s.member, message, None)
    await c.settle()
    assert c.reports() == []
    posts = [m for m in c.bot_messages(alerts) if m.embeds and "Report #" in m.text]
    assert len(posts) == 1 and "unkind words" in posts[0].text


async def test_a_report_refused_by_its_channel_goes_to_the_mod_log(community: Community) -> None:
    c, s = community, community.server
    alerts = c.fake.create_text_channel(
        s.guild,
        "alerts",
        overwrites=[
            {"id": s.guild.id, "type": 0, "deny": VIEW_CHANNEL},
            {"id": s.moderator_role.id, "type": 0, "allow": VIEW_CHANNEL},
            {"id": s.guild.bot_role_id, "type": 0, "allow": VIEW_CHANNEL},
        ],
    )
    await c.slash(s.admin, "setup escalation-channel", channel=alerts.id)
    await c.settle()
    # The bot lost access to the escalation channel after /setup.
    c.fake.faults.add(
        "POST",
        rf"^/channels/{alerts.id}/messages$",
        status=403,
        body={"message": "Missing Access", "code": 50001},
        count=None,
    )
    message = await c.fake.send_message(c.peer, s.general, "hurtful words")
    await report(c, s.member, message, None)
    await wait_until(lambda: len(c.reports()) == 1)
    [post] = c.reports()
    assert "hurtful words" in post.text
    claimed = await c.fake.click(s.moderator, post, post.custom_ids()[0])
    assert "claimed by" in claimed.text


async def test_a_moderator_reported_never_learns_who_reported(community: Community) -> None:
    c, s = community, community.server
    colleague = c.fake.create_user("max")
    c.fake.add_member(c.server.guild, colleague, roles=[s.moderator_role])
    await wait_until(lambda: c.bot.get_guild(s.guild.id).get_member(colleague.id) is not None)  # type: ignore[union-attr]
    said = await c.fake.send_message(colleague, s.general, "a sharp reply")
    await report(c, s.member, said, "That felt dismissive")
    await c.settle()
    [post] = c.reports()
    # The moderator reported reads the moderators' channel: the post does not name the reporter.
    assert "a sharp reply" in post.text and f"<@{colleague.id}>" in post.text
    assert f"<@{s.member.id}>" not in post.text and "Not shown here" in post.text
    # They cannot handle a report about themselves (which would also tell them who it was).
    for button in post.custom_ids():
        res = await c.fake.click(colleague, post, button)
        assert res.ephemeral and "one of your own messages" in res.text, res
    live = c.fake.message(post.id)
    assert "nobody has claimed it" in live.text and f"<@{s.member.id}>" not in live.text
    # Another moderator claims it and alone is told who reported.
    res = await c.fake.click(s.moderator, post, post.custom_ids()[0])
    await res.wait_for(lambda r: bool(r.followups))
    told = res.followups[-1]
    assert told.flags & 64 and f"It was made by <@{s.member.id}>" in told.text
    assert f"<@{s.member.id}>" not in c.fake.message(post.id).text
    # /warnings shows the case to moderators without the reporter, even to the one reported.
    res = await c.slash(s.moderator, "warnings", member=colleague.id)
    assert "was reported to the moderators" in res.text and f"<@{s.member.id}>" not in res.text
    await c.settle()
    for dm in c.dms(colleague):
        assert str(s.member.id) not in dm.text
    for entry in c.mod_log_entries():
        assert str(s.member.id) not in entry.text


async def test_the_reported_text_is_never_logged_above_debug(
    community: Community, caplog: pytest.LogCaptureFixture
) -> None:
    c, s = community, community.server
    caplog.set_level(logging.DEBUG)
    secret = "my diagnosis is private, please"
    message = await c.fake.send_message(c.peer, s.general, secret)
    await report(c, s.member, message, "a worried reason")
    await c.settle()
    [post] = c.reports()
    await c.fake.click(s.moderator, post, post.custom_ids()[1])
    c.clock.advance(days=91)
    await c.reports_cog.purge()
    await wait_until(lambda: secret not in c.fake.message(post.id).text)
    loud = [r for r in caplog.records if r.levelno > logging.DEBUG]
    assert loud  # the actions were logged
    for record in loud:
        text = record.getMessage() + (record.exc_text or "")
        assert secret not in text and "a worried reason" not in text, record


async def test_the_text_stays_until_its_post_in_discord_is_redacted(community: Community) -> None:
    c, s = community, community.server
    message = await c.fake.send_message(c.peer, s.general, "words to forget")
    await report(c, s.member, message, None)
    await c.settle()
    [post] = c.reports()
    await c.fake.click(s.moderator, post, post.custom_ids()[2])  # dismiss
    c.clock.advance(days=91)  # the default retention is 90 days after closing

    # Discord fails for now: neither copy goes, so the database never loses track of the post.
    c.fake.faults.add("PATCH", rf"/messages/{post.id}$", status=429, count=1)
    await c.reports_cog.purge()
    kept = await c.moderation.service.repo.report(1)
    assert kept is not None and kept.snapshot == "words to forget" and kept.purged_at is None
    assert "words to forget" in c.fake.message(post.id).text

    # A restart purges at once (a bot restarted daily would otherwise never reach the job).
    await c.runner.stop()
    await c.runner.start()
    await wait_until(lambda: "words to forget" not in c.fake.message(post.id).text)
    assert "deleted 90 days after" in c.fake.message(post.id).text

    async def text_gone() -> bool:  # the database copy goes right after the edit
        row = await c.moderation.service.repo.report(1)
        return row is not None and row.purged_at is not None

    await eventually(text_gone)
    gone = await c.moderation.service.repo.report(1)
    assert gone is not None and gone.snapshot is None and gone.purged_at is not None
    job = c.bot.scheduler.get_job("moderation:purge")
    assert job is not None and job.trigger.interval.total_seconds() <= 24 * 3600

    # A post deleted by hand: nothing to redact, the database copy still goes.
    later = await c.fake.send_message(c.peer, s.general, "more words to forget")
    await report(c, s.member, later, None)
    await c.settle()
    second = c.reports()[-1]
    await c.fake.click(s.moderator, second, second.custom_ids()[1])
    await c.fake.delete_message(s.admin, second)
    c.clock.advance(days=91)
    await c.reports_cog.purge()
    purged = await c.moderation.service.repo.report(2)
    assert purged is not None and purged.snapshot is None


def test_report_buttons_already_posted_keep_working() -> None:
    """Buttons under reports posted before the kit still parse (same custom ids)."""
    assert ReportButton.parse("moderation:report:claim:42") == {"action": "claim", "report": 42}
    assert ReportButton.parse("moderation:report:dismiss:7") == {"action": "dismiss", "report": 7}
    assert ReportButton.parse("moderation:report:delete:7") is None
    assert ReportButton.custom_id_for(action="resolve", report=3) == "moderation:report:resolve:3"


async def test_the_post_is_known_from_the_outbox_even_after_a_crash(community: Community) -> None:
    """The outbox tells the feature where the moderators' copy went (on_sent), before anyone
    presses a button; a hook a crash skipped runs at the next start (the outbox replays it)."""
    c, s = community, community.server
    message = await c.fake.send_message(c.peer, s.general, "careless words")
    await report(c, s.member, message, None)
    await c.settle()
    [post] = c.reports()
    known = await c.moderation.service.repo.report(1)
    assert known is not None and known.alert_message_id == post.id
    assert known.alert_channel_id == c.mod_log.id

    # The bot stopped between marking the send done and running the hook.
    assert c.runner.db is not None
    async with c.runner.db.transaction() as tx:
        await tx.execute("UPDATE reports SET alert_message_id = NULL WHERE id = 1")
        await tx.execute("UPDATE outbox SET told_at = NULL WHERE message_id = :id", {"id": post.id})
    await c.runner.stop()
    await c.runner.start(sync=False)
    learnt = await c.moderation.service.repo.report(1)
    assert learnt is not None and learnt.alert_message_id == post.id
