"""All of the meetings feature's SQL: rows in, dataclasses out.

One repository object, in parts by table: series, overrides and settings
(repository_series.py), sessions and their due actions (repository_sessions.py), RSVPs
(repository_rsvps.py), Discord events (repository_events.py) and the sessions' announcement
messages (repository_announcements.py). The dataclasses it returns are
in models.py.
"""

from __future__ import annotations

from cogs.meetings.repository_announcements import AnnouncementQueries
from cogs.meetings.repository_events import EventQueries
from cogs.meetings.repository_rsvps import RsvpQueries
from cogs.meetings.repository_series import SeriesQueries
from cogs.meetings.repository_sessions import SessionQueries


class MeetingRepository(
    SeriesQueries, SessionQueries, RsvpQueries, EventQueries, AnnouncementQueries
):
    """The meetings feature's tables, one object for the service (and the tests) to hold."""
