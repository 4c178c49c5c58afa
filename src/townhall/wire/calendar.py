"""A scheduled event as a calendar file (iCalendar, RFC 5545), for "add to calendar".

Built with the `icalendar` package, which folds long lines and escapes text as the RFC asks; a
calendar that imports the file twice updates the one entry (the UID is the event's).
"""

from __future__ import annotations

import re
from datetime import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from townhall.domain.models import Channel
from townhall.domain.scheduled_events import EventStatus, ScheduledEvent

PRODUCT = "-//townhall//scheduled events//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"


def place(event: ScheduledEvent, guild_name: str, channel: Channel | None) -> str:
    """Where it is: the external location, or the channel and its community."""
    if event.location is not None:
        return event.location
    if channel is not None and channel.name:
        return f"#{channel.name} ({guild_name})"
    return guild_name


def event_calendar(
    event: ScheduledEvent,
    *,
    guild_name: str,
    channel: Channel | None,
    origin: str,
    now: datetime,
) -> bytes:
    """One VEVENT in a VCALENDAR; `origin` is the server's address (`https://host`), which the
    UID and the event's link name."""
    host = re.sub(r"^[a-z]+://", "", origin).split("/")[0] or "townhall"
    link = f"{origin.rstrip('/')}/channels/{event.guild_id}"
    if event.channel_id is not None:
        link += f"/{event.channel_id}"
    entry = CalendarEvent()
    entry.add("uid", f"scheduled-event-{event.id}@{host}")
    entry.add("dtstamp", now)
    entry.add("dtstart", event.start)
    if event.end is not None:
        entry.add("dtend", event.end)
    entry.add("summary", event.name)
    if event.description:
        entry.add("description", event.description)
    entry.add("location", place(event, guild_name, channel))
    entry.add("url", link)
    entry.add("status", "CANCELLED" if event.status is EventStatus.CANCELED else "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    ical: bytes = calendar.to_ical()
    return ical


def file_name(event: ScheduledEvent) -> str:
    """An ASCII name for the download: the event's name with anything unusual left out."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", event.name).strip("-")[:60].lower()
    return f"{stem or 'event'}.ics"
