"""Bot events that features exchange. All ids are ints.

Two kinds:

- Durable events (bot/event_log.py): written in the same transaction as the state change that
  causes them (`bot.event_log.append(tx, name, payload, expires_at=...)`), delivered at least
  once to each listener a feature declares with `Feature.durable_listeners()` (name -> handler
  of an `Event`, its payload a dict), after a crash too; each listener is idempotent (it records
  what it did in its own transaction, keyed by the event or its subject). For events whose
  listeners must act: the group events, `join_gate_passed`, `meeting_started` and
  `meeting_ended`. The durable events are dispatched in memory too after their commit (the
  same arguments as positional ones), for observers that need no durability (logs, tests, a
  roll of voters that copes without it); a feature that must act listens durably.
- In-memory events (`bot.dispatch(name, ...)`, heard with `@commands.Cog.listener()` as
  `on_<name>`): lost if the bot stops between the commit and the dispatch. Today:
  `moderator_role_changed` (the groups feature also checks the channels at every start) and
  `feedback_submitted` (escalation's distress check of a text it must not store).

Groups (durable; written by cogs/groups in the transaction that changes the membership or the
group, see bot/directory.py; the payload holds the arguments by name, `GROUP_EVENT_FIELDS`):
- `group_member_joined(guild_id, group_id, user_id)`: the member is on the group's list (the
  role follows at once, or at start-up if a crash came between). Heard by confidentiality (a
  welcome in the group's channel, once; not delivered after a day) and, in memory, by feedback
  (their token joins the open polls' rolls; a vote copes without it).
- `group_member_left(guild_id, group_id, user_id, reason)`: reason is "left", "removed" or
  "left_server" (a data deletion counts as leaving the server). Heard by meetings (their RSVPs
  go, so nobody is told privately of a session of a group they left). The role itself is the
  groups feature's own business (marked "to remove" in the same transaction, access.py).
- `group_member_waitlisted(guild_id, group_id)`: someone was put on the group's waitlist (a
  full group). Never says who: heard by the programme's view, which counts it for its reports
  (the waitlist's own rows go when the member gets a seat or gives up).
- `group_updated(guild_id, group_id)`: a leader or moderator changed the group's details
  (`/group edit`), e.g. its time zone; listeners read the group again. Heard by meetings (the
  series follow a new time zone).
- `group_leader_added(guild_id, group_id, user_id)`: someone now leads the group (at
  `/group create` or `/group leaders add`). Leaders get the group's role at once, without the
  join gates, because the group cannot run without them; features that need something from
  them (the confidentiality agreement) ask privately on this event, once.
- `group_leader_removed(guild_id, group_id, user_id)`: someone no longer leads the group
  (`/group leaders remove`) and stays in it as a member. Their leader's permissions are gone;
  from now on they pass what members pass (the confidentiality feature gives them a grace
  period to accept the agreement, as for a new version), once.

Join gates (durable; written by a feature whose join gate a member has just passed, in the
transaction that records their answer):
- `join_gate_passed(guild_id, group_id, user_id)`: e.g. "I agree" on the confidentiality
  agreement is recorded. Heard by groups: a member who holds a seat for that group is let in
  (every gate asked again; the role, and the welcome privately, once). The gate's own answer
  in the interaction calls `bot.groups.complete_join` too: whichever comes first lets them in,
  the other finds nothing left to do. So a crash right after the answer leaves no member
  agreed but not admitted. Not delivered after two days (a seat is held 48 hours).

Settings (dispatched by core, bot/guild_settings.py, after the change is committed):
- `moderator_role_changed(guild_id, old_role_id, new_role_id)`: `/setup moderator-role` chose
  another role (ids may be None). The groups feature moves every group channel's access from
  the old role to the new one.

Meetings (durable; written by cogs/meetings in the transaction that starts or ends the session;
payload `{"guild_id", "group_id", "occurrence"}`, the same arguments in memory):
- `meeting_started(guild_id, group_id, occurrence)`: a session of the group begins now. Heard by
  moderation (the guideline reminder) and confidentiality (its reminder); not delivered after the
  session's end.
- `meeting_ended(guild_id, group_id, occurrence)`: that session is over. Heard by feedback (the
  post-session poll); not delivered more than 12 hours after the end.

`occurrence` is a string naming one session, the same in both events and stable across restarts
and edits: `"<series id>:<originally scheduled start, UTC epoch seconds>"`, e.g.
`"12:1796227200"`. Each event is dispatched once per session. If the bot was down at a session's
start and comes back before its end, `meeting_started` comes late; after the end it is skipped.
`meeting_ended` comes late after an outage for up to 12 hours after the end, then is skipped.
Cancelled or skipped sessions dispatch neither. Listeners must not block: a listener that sends
messages uses the outbox, its enqueue in the transaction that records the session as handled.

Storms (durable; written by cogs/storms in the transaction that records it; payload
`{"guild_id", "group_id", "user_id"}`):
- `member_remembered(guild_id, group_id, user_id)`: a leader or moderator recorded that a member
  of the group died or asked to be remembered. The bot never writes to them privately again
  (bot/do_not_contact.py drops any DM); features forget what waits for them without telling
  them (meetings drops their RSVPs in the server). Never carries why.

Feedback (dispatched by cogs/feedback):
- `feedback_submitted(guild_id, group_id, text)`: a piece of anonymous `/feedback` was stored,
  for the group's leaders (`group_id`) or the moderators (None). It never carries the author;
  listeners (escalation reads it for distress) must not store the text, show or keep the moment
  it came, tell the member anything, or log the text above DEBUG.
"""

GROUP_MEMBER_JOINED = "group_member_joined"
GROUP_MEMBER_LEFT = "group_member_left"
GROUP_MEMBER_WAITLISTED = "group_member_waitlisted"
GROUP_LEADER_ADDED = "group_leader_added"
GROUP_UPDATED = "group_updated"
GROUP_LEADER_REMOVED = "group_leader_removed"
JOIN_GATE_PASSED = "join_gate_passed"
MODERATOR_ROLE_CHANGED = "moderator_role_changed"
MEETING_STARTED = "meeting_started"
MEETING_ENDED = "meeting_ended"
FEEDBACK_SUBMITTED = "feedback_submitted"
MEMBER_REMEMBERED = "member_remembered"

# The payload fields of the durable group events, in the order of their in-memory arguments.
GROUP_EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    GROUP_MEMBER_JOINED: ("guild_id", "group_id", "user_id"),
    GROUP_MEMBER_LEFT: ("guild_id", "group_id", "user_id", "reason"),
    GROUP_MEMBER_WAITLISTED: ("guild_id", "group_id"),
    GROUP_UPDATED: ("guild_id", "group_id"),
    GROUP_LEADER_ADDED: ("guild_id", "group_id", "user_id"),
    GROUP_LEADER_REMOVED: ("guild_id", "group_id", "user_id"),
    JOIN_GATE_PASSED: ("guild_id", "group_id", "user_id"),
}
