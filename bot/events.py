"""Bot events that features exchange (`bot.dispatch(name, ...)`, listened to with
`@commands.Cog.listener()` as `on_<name>`). All ids are ints.

Groups (dispatched by cogs/groups, see bot/directory.py):
- `group_member_joined(guild_id, group_id, user_id)`
- `group_member_left(guild_id, group_id, user_id, reason)`
- `group_updated(guild_id, group_id)`: a leader or moderator changed the group's details
  (`/group edit`), e.g. its time zone; listeners read the group again.
- `group_leader_added(guild_id, group_id, user_id)`: someone now leads the group (at
  `/group create` or `/group leaders add`). Leaders get the group's role at once, without the
  join gates, because the group cannot run without them; features that need something from
  them (the confidentiality agreement) ask privately on this event.
- `group_leader_removed(guild_id, group_id, user_id)`: someone no longer leads the group
  (`/group leaders remove`) and stays in it as a member. Their leader's permissions are gone;
  from now on they pass what members pass (the confidentiality feature gives them a grace
  period to accept the agreement, as for a new version).

Settings (dispatched by core, bot/guild_settings.py, after the change is committed):
- `moderator_role_changed(guild_id, old_role_id, new_role_id)`: `/setup moderator-role` chose
  another role (ids may be None). The groups feature moves every group channel's access from
  the old role to the new one.

Meetings (dispatched by cogs/meetings):
- `meeting_started(guild_id, group_id, occurrence)`: a session of the group begins now.
- `meeting_ended(guild_id, group_id, occurrence)`: that session is over.

`occurrence` is a string naming one session, the same in both events and stable across restarts
and edits: `"<series id>:<originally scheduled start, UTC epoch seconds>"`, e.g.
`"12:1796227200"`. Each event is dispatched once per session. If the bot was down at a session's
start and comes back before its end, `meeting_started` comes late; after the end it is skipped.
`meeting_ended` comes late after an outage for up to 12 hours after the end, then is skipped.
Cancelled or skipped sessions dispatch neither. Listeners must not block: a listener that sends
messages should use the outbox, so a crash after the event loses nothing.

Feedback (dispatched by cogs/feedback):
- `feedback_submitted(guild_id, group_id, text)`: a piece of anonymous `/feedback` was stored,
  for the group's leaders (`group_id`) or the moderators (None). It never carries the author;
  listeners (escalation reads it for distress) must not store the text, show or keep the moment
  it came, tell the member anything, or log the text above DEBUG.
"""

GROUP_MEMBER_JOINED = "group_member_joined"
GROUP_MEMBER_LEFT = "group_member_left"
GROUP_LEADER_ADDED = "group_leader_added"
GROUP_UPDATED = "group_updated"
GROUP_LEADER_REMOVED = "group_leader_removed"
MODERATOR_ROLE_CHANGED = "moderator_role_changed"
MEETING_STARTED = "meeting_started"
MEETING_ENDED = "meeting_ended"
FEEDBACK_SUBMITTED = "feedback_submitted"
