"""Conversions between table rows and domain values, shared by the query modules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import RowMapping

from townhall.domain.models import User


def to_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_millis(millis: int | None) -> datetime | None:
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def from_millis_required(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def join_ids(ids: Iterable[int]) -> str | None:
    text = " ".join(str(i) for i in ids)
    return text or None


def split_ids(text: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split()) if text else ()


def user_from_row(row: RowMapping) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        global_name=row["global_name"],
        avatar=row["avatar"],
        bot=row["bot"],
        email=row["email"],
        is_admin=row["is_admin"],
        flags=row["flags"],
    )
