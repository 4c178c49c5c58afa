"""A presence storm cannot grow a session's replay buffer without bound.

The probe's 40 presence frames grew the server by 172 MiB of replay buffers: buffers were bounded
in events (1000) and age, not in bytes. They now also hold at most `replay_buffer_bytes`.
"""

from __future__ import annotations

from townhall.domain.models import User
from townhall.gateway.session import Session, dispatch_head

KIB = 1024


def session(max_bytes: int) -> Session:
    return Session(
        id="s",
        user=User(id=1, username="listener"),
        intents=0,
        shard=None,
        large_threshold=50,
        max_events=1000,
        max_age=120.0,
        content_intent=True,
        token_hash=b"",
        max_bytes=max_bytes,
    )


def presence(size: int) -> bytes:
    return dispatch_head("PRESENCE_UPDATE", b'{"status":"' + b"x" * size + b'"}')


def test_a_storm_of_large_events_keeps_the_buffer_within_its_byte_bound() -> None:
    listener = session(max_bytes=64 * KIB)
    for _ in range(500):
        listener.dispatch(presence(4 * KIB))
    assert listener.seq == 500
    assert listener.replay_bytes <= 64 * KIB
    assert sum(len(head) for _seq, head, _at in listener.replay) == listener.replay_bytes
    # What is kept is the newest events, in order, without gaps.
    kept = [seq for seq, _head, _at in listener.replay]
    assert kept == list(range(501 - len(kept), 501))
    assert listener.can_resume_from(500 - len(kept))
    assert not listener.can_resume_from(1)


def test_small_events_still_fill_the_buffer_up_to_its_event_bound() -> None:
    listener = session(max_bytes=2 * 1024 * KIB)
    for _ in range(1500):
        listener.dispatch(presence(10))
    assert len(listener.replay) == 1000


def test_aged_out_events_give_their_bytes_back() -> None:
    listener = session(max_bytes=64 * KIB)
    for _ in range(10):
        listener.dispatch(presence(1 * KIB), now=0.0)
    listener.trim(now=1000.0)
    assert (len(listener.replay), listener.replay_bytes) == (0, 0)
