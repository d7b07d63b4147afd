"""The shared kit: small pieces every feature uses, so each behaves the same everywhere.

Modules (import the one you need; this package imports nothing, so a service may import the
discord-free ones):

- `bot.kit.buttons`: `PersistentButton`, the base of buttons that work after a restart
  (DynamicItem with a typed custom-id template, audience and owner checks, error routing, label
  and style rules). Uses discord.
- `bot.kit.modals`: `PersistentModal`, the base of every form (modal): an id unique to each
  opening that carries what the form needs (never a member's text), answered by prefix through
  `bot.modals` (`ModalRoutes`), so two people at once never share one and a form sent after a
  restart is still answered. Uses discord.
- `bot.kit.groups`: group options for slash commands (`AnyGroup`, `LedGroup`, `JoinedGroup`,
  `OwnGroup`, `ArchivedGroup`, `EveryGroup` transformers with their autocomplete),
  `find_group` and `group_here` (the group of this channel, a thread counting as its parent).
  Uses discord; never writes to the database.
- `bot.kit.zones`: the IANA time-zone option (`TimeZone` transformer) and
  `timezone_autocomplete`. Uses discord.
- `bot.kit.durations`: `parse_duration` / `parse_durations` ("1d 12h", "90m", "2 weeks", "1.5h").
  No discord.
- `bot.kit.timestamps`: `stamp()` and `stamp_and_relative()`, Discord timestamps. No discord.
- `bot.kit.links`: `message_url()`, `jump_url()`, `channel_url()`. No discord.
- `bot.kit.text`: `escape_member_text()`, `quote_member_text()`, `leader_text()`: text one person
  typed, shown to others literally. No discord.
"""
