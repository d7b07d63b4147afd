"""The escalation rules on a real database with the real migrations, a fixed clock, no Discord."""

from __future__ import annotations

import json

import pytest

from bot.db import Database
from bot.errors import NotAllowed, UserError
from bot.guild_settings import GuildSettingsService
from bot.outbox import Outbox, OutboxRepository
from cogs.escalation.detection import Detection, Detector, Lexicon
from cogs.escalation.service import ALERT, MOD_LOG, PAGE, RESOURCES, EscalationService, Incoming
from tests.conftest import FakeClock

GUILD, OTHER_GUILD, MEMBER, MOD = 10, 20, 100, 200


@pytest.fixture
async def service(db: Database, clock: FakeClock) -> EscalationService:
    outbox = Outbox(db, clock)
    settings = GuildSettingsService(db, clock, outbox)
    for guild in (GUILD, OTHER_GUILD):
        await settings.set_private_channel(guild, "escalation", guild + 1, by=1)
        await settings.set_private_channel(guild, "mod_log", guild + 2, by=1)
        await settings.set_moderator_role(guild, guild + 3, by=1)
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM outbox")
    return EscalationService(db, clock, outbox, settings, Detector(Lexicon.load()))


async def outbox_rows(db: Database) -> list[tuple[str, str, int, dict[str, object]]]:
    rows = await db.fetchall(
        "SELECT kind, destination_type, destination_id, payload FROM outbox ORDER BY id"
    )
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def message(text: str, message_id: int, *, in_dm: bool = False, edited: bool = False) -> Incoming:
    return Incoming(
        user_id=MEMBER,
        channel_id=500,
        parent_channel_id=None,
        message_id=message_id,
        text=text,
        in_dm=in_dm,
        edited=edited,
    )


async def detect(service: EscalationService, text: str) -> Detection:
    found = await service.detect([GUILD], text)
    assert found is not None and found.alert
    return found


async def test_a_case_enqueues_alert_resources_and_mod_log_in_one_go(
    service: EscalationService, db: Database
) -> None:
    text = "I want to die"
    [outcome] = await service.report(message(text, 1), await detect(service, text), [GUILD])
    assert outcome.what == "opened"
    rows = await outbox_rows(db)
    assert rows == [
        (ALERT, "channel", GUILD + 1, {"case_id": outcome.case_id}),
        (MOD_LOG, "channel", GUILD + 2, {"case_id": outcome.case_id, "event": "opened"}),
        (RESOURCES, "user", MEMBER, {"case_id": outcome.case_id}),
    ]
    # the words live in the case only, never in the outbox
    assert all(text not in json.dumps(payload) for *_, payload in rows)


async def test_same_message_twice_is_one_case(service: EscalationService, db: Database) -> None:
    text = "I want to kill myself"
    found = await detect(service, text)
    await service.report(message(text, 1), found, [GUILD])
    [again] = await service.report(message(text, 1), found, [GUILD])
    assert again.what == "unchanged"
    assert await db.fetchval("SELECT COUNT(*) FROM escalation_case_messages") == 1
    assert len(await outbox_rows(db)) == 3


async def test_a_dm_concerns_every_shared_server_but_sends_resources_once(
    service: EscalationService, db: Database
) -> None:
    text = "no reason to live"
    outcomes = await service.report(
        message(text, 9, in_dm=True), await detect(service, text), [OTHER_GUILD, GUILD]
    )
    assert [(o.guild_id, o.what) for o in outcomes] == [(GUILD, "opened"), (OTHER_GUILD, "opened")]
    rows = await outbox_rows(db)
    assert [r[0] for r in rows].count(ALERT) == 2
    assert [r for r in rows if r[0] == RESOURCES] == [
        (RESOURCES, "user", MEMBER, {"case_id": outcomes[0].case_id})
    ]
    via = await db.fetchall("SELECT resources_via FROM escalation_cases ORDER BY id")
    assert [r[0] for r in via] == ["dm", "not_needed"]


async def test_pages_follow_the_clock_and_stop_when_claimed(
    service: EscalationService, db: Database, clock: FakeClock
) -> None:
    text = "I want to die"
    [case] = await service.report(message(text, 1), await detect(service, text), [GUILD])
    clock.advance(minutes=4, seconds=59)
    assert await service.run_due_pages() == []
    clock.advance(seconds=1)
    assert [(p.case_id, p.level) for p in await service.run_due_pages()] == [(case.case_id, 1)]
    assert await service.run_due_pages() == []
    clock.advance(minutes=5)
    assert [(p.case_id, p.level) for p in await service.run_due_pages()] == [(case.case_id, 2)]
    clock.advance(minutes=29)
    assert await service.run_due_pages() == []
    clock.advance(minutes=1)  # still unclaimed: the admins again half an hour later (issue 17)
    assert [(p.case_id, p.level) for p in await service.run_due_pages()] == [(case.case_id, 2)]
    pages = [r for r in await outbox_rows(db) if r[0] == PAGE]
    assert [p[3]["level"] for p in pages] == [1, 2, 2]

    [other] = await service.report(
        Incoming(MEMBER + 1, 500, None, 2, text), await detect(service, text), [GUILD]
    )
    await service.claim(other.case_id, GUILD, MOD)
    await service.claim(case.case_id, GUILD, MOD)  # claimed: the first case's pages stop too
    clock.advance(hours=1)
    assert await service.run_due_pages() == []


async def test_only_the_member_may_ask_for_contact(service: EscalationService) -> None:
    text = "I want to die"
    [case] = await service.report(message(text, 1), await detect(service, text), [GUILD])
    with pytest.raises(NotAllowed):
        await service.request_contact(case.case_id, MOD)
    assert (await service.request_contact(case.case_id, MEMBER)).what == "requested"
    assert (await service.request_contact(case.case_id, MEMBER)).what == "already_requested"


async def test_closing_needs_a_note_and_happens_once(service: EscalationService) -> None:
    text = "I want to die"
    [case] = await service.report(message(text, 1), await detect(service, text), [GUILD])
    with pytest.raises(UserError, match="short note"):
        await service.close(case.case_id, GUILD, MOD, "resolved", "  ")
    with pytest.raises(UserError) as too_long:
        await service.close(case.case_id, GUILD, MOD, "resolved", "x" * 1001)
    assert too_long.value.params == {"n": 1000}
    with pytest.raises(UserError, match="find that case"):
        await service.close(case.case_id, OTHER_GUILD, MOD, "resolved", "ok")
    closed = await service.close(case.case_id, GUILD, MOD, "false_alarm", "a joke, checked")
    assert closed.status == "false_alarm" and closed.claimed_by == MOD
    with pytest.raises(UserError, match="already closed"):
        await service.claim(case.case_id, GUILD, MOD)


async def test_purge_waits_for_the_retention_period_after_closing(
    service: EscalationService, db: Database, clock: FakeClock
) -> None:
    text = "I want to die"
    [case] = await service.report(message(text, 1), await detect(service, text), [GUILD])
    clock.advance(days=400)
    assert await service.purge_due() == []  # open cases keep their words
    await service.close(case.case_id, GUILD, MOD, "resolved", "safe now")
    clock.advance(days=89)
    assert await service.purge_due() == []  # default retention: 90 days
    clock.advance(days=1)
    assert [c.id for c in await service.purge_due()] == [case.case_id]
    assert await db.fetchval("SELECT text FROM escalation_case_messages") is None
    assert await service.purge_due() == []


async def test_paging_settings_are_validated(service: EscalationService) -> None:
    with pytest.raises(UserError) as too_soon:
        await service.set_paging(GUILD, 0, 10, MOD)
    assert too_soon.value.params == {"low": 1, "high": 60}
    with pytest.raises(UserError) as admins_first:
        await service.set_paging(GUILD, 5, 5, MOD)
    assert admins_first.value.params == {"low": 5, "high": 240}
    settings = await service.set_paging(GUILD, 3, 9, MOD)
    assert (settings.page_after_seconds, settings.admin_page_after_seconds) == (180, 540)


async def test_the_alert_id_comes_from_the_outbox_for_the_row_that_is_the_case_s_alert(
    service: EscalationService, db: Database, clock: FakeClock
) -> None:
    text = "I want to die"
    [first] = await service.report(message(text, 1), await detect(service, text), [GUILD])
    [second] = await service.report(
        Incoming(MEMBER + 1, 500, None, 2, text), await detect(service, text), [GUILD]
    )
    alert_rows = await db.fetchall(
        "SELECT id FROM outbox WHERE kind = :k ORDER BY id", {"k": ALERT}
    )
    first_row, second_row = (r["id"] for r in alert_rows)
    outbox = OutboxRepository(db)  # the dispatcher's side of the outbox, played by hand

    # the on_sent hook: the id of what was delivered, for the row that is the case's alert
    await outbox.mark_sent(first_row, GUILD + 1, 7001, 0)
    assert await service.alert_sent(first.case_id, first_row, 7001)
    assert not await service.alert_sent(first.case_id, second_row, 9999)  # not its alert
    case = await service.case(first.case_id)
    assert case is not None and case.alert_message_id == 7001

    # the hook told again (core replays it after a crash): the same id, no harm
    assert await service.alert_sent(first.case_id, first_row, 7001)
    await outbox.mark_sent(second_row, GUILD + 1, 7002, 0)
    assert await service.alert_sent(second.case_id, second_row, 7002)
    case = await service.case(second.case_id)
    assert case is not None and case.alert_message_id == 7002


async def case_signal(db: Database, case_id: int) -> tuple[object, ...]:
    row = await db.fetchone(
        "SELECT category, severity, level, cue FROM escalation_cases WHERE id = :id",
        {"id": case_id},
    )
    assert row is not None
    return tuple(row)


async def test_the_case_shows_its_strongest_signal_with_level_and_cue(
    service: EscalationService, db: Database
) -> None:
    said = [
        "I'm going to kill myself",  # intent, critical
        "I want to die",  # weaker: the case keeps intent
        "I took an overdose",  # as severe, a higher C-SSRS level: the case shows the attempt
    ]
    outcomes = []
    for n, text in enumerate(said, start=1):
        outcomes += await service.report(message(text, n), await detect(service, text), [GUILD])
    assert [o.what for o in outcomes] == ["opened", "joined", "joined"]
    case_id = outcomes[0].case_id
    assert await case_signal(db, case_id) == ("intent_or_plan", 4, "attempt", "took an overdose")
    rows = await db.fetchall("SELECT level, cue FROM escalation_case_messages ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("intent", "am going to kill myself"),
        ("wish_dead", "i want to die"),
        ("attempt", "took an overdose"),
    ]
    view = await service.view(case_id)
    assert view is not None and view.case.level == "attempt"
    assert [m.cue for m in view.messages] == [
        "am going to kill myself",
        "i want to die",
        "took an overdose",
    ]


async def test_an_edit_keeps_the_level_and_cue_of_its_new_words(
    service: EscalationService, db: Database
) -> None:
    [case] = await service.report(
        message("I want to die", 1), await detect(service, "I want to die"), [GUILD]
    )
    text = "I want to die, I have been saving up my pills"
    await service.report(message(text, 1, edited=True), await detect(service, text), [GUILD])
    row = await db.fetchone("SELECT source, level, cue FROM escalation_case_messages")
    assert row is not None and tuple(row) == ("edit", "preparatory", "have been saving up my pills")
    assert await case_signal(db, case.case_id) == (
        "intent_or_plan",
        4,
        "preparatory",
        "have been saving up my pills",
    )


async def test_support_keeps_asked_for_help_and_takes_the_level_of_its_words(
    service: EscalationService, db: Database
) -> None:
    asked = await service.request_support(
        guild_id=GUILD, user_id=MEMBER, channel_id=500, parent_channel_id=None, words=""
    )
    assert await case_signal(db, asked.case_id) == ("support_request", 3, None, None)
    await service.request_support(
        guild_id=GUILD,
        user_id=MEMBER,
        channel_id=500,
        parent_channel_id=None,
        words="I want to die",
    )
    # weaker than "asked for help" (high), but the first signal: its level and cue show why
    assert await case_signal(db, asked.case_id) == (
        "support_request",
        3,
        "wish_dead",
        "i want to die",
    )
    rows = await db.fetchall("SELECT source, level, cue FROM escalation_case_messages")
    assert [tuple(r) for r in rows] == [("support", "wish_dead", "i want to die")]
    # the words are read with the member's last few messages in the server, like a message
    await service.detect_message(
        (GUILD, MEMBER + 1), [GUILD], "I can't do this anymore.", message_id=7
    )
    other = await service.request_support(
        guild_id=GUILD,
        user_id=MEMBER + 1,
        channel_id=500,
        parent_channel_id=None,
        words="I have the pills ready",
    )
    assert await case_signal(db, other.case_id) == (
        "support_request",
        4,
        "preparatory",
        "can not do this anymore + i have the pills ready",
    )
