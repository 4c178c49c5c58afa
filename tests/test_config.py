"""Settings from the environment: the voice ones, which refuse what would fail later."""

from __future__ import annotations

import pytest

from townhall.config import MediaBackendKind, Settings


def test_voice_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_VOICE_ADDRESSES", "192.0.2.10, 198.51.100.7")
    monkeypatch.setenv("TOWNHALL_VOICE_PORTS", "50000-50099")
    monkeypatch.setenv("TOWNHALL_VOICE_WORKERS", "0")
    monkeypatch.setenv("TOWNHALL_TURN_URLS", "stun:turn.example.org,turn:turn.example.org:3478")
    monkeypatch.setenv("TOWNHALL_TURN_SECRET", "s3cret")
    monkeypatch.setenv("TOWNHALL_MEDIA_BACKEND", "janus")
    settings = Settings.from_env()
    assert settings.voice_addresses == ("192.0.2.10", "198.51.100.7")
    assert settings.voice_ports == (50000, 50099)
    assert settings.effective_voice_workers == 0
    assert settings.turn_urls == ("stun:turn.example.org", "turn:turn.example.org:3478")
    assert settings.media_backend is MediaBackendKind.JANUS


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TOWNHALL_VOICE_PORTS", "60000-50000"),
        ("TOWNHALL_VOICE_PORTS", "0-10"),
        ("TOWNHALL_TURN_URLS", "http://turn.example.org"),
        ("TOWNHALL_TURN_URLS", "turn:turn.example.org"),  # TURN without a secret
        ("TOWNHALL_MEDIA_BACKEND", "mediasoup"),
    ],
)
def test_voice_settings_that_could_not_work_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.delenv("TOWNHALL_TURN_SECRET", raising=False)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        Settings.from_env()


def test_voice_workers_default_to_none_on_small_machines_and_all_but_one_core_on_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert Settings().effective_voice_workers == 0
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert Settings().effective_voice_workers == 7
    assert Settings(voice_workers=2).effective_voice_workers == 2


def test_the_visitor_caps_are_settings_with_the_old_constants_as_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = Settings.from_env()
    assert (defaults.visitors_per_address, defaults.visitors_per_node) == (20, 2000)
    assert (defaults.visitor_reads, defaults.visitor_reads_seconds) == (40, 10.0)
    monkeypatch.setenv("TOWNHALL_VISITORS_PER_ADDRESS", "3")
    monkeypatch.setenv("TOWNHALL_VISITORS_PER_NODE", "50")
    monkeypatch.setenv("TOWNHALL_VISITOR_READS", "100")
    monkeypatch.setenv("TOWNHALL_VISITOR_READS_SECONDS", "30")
    changed = Settings.from_env()
    assert (changed.visitors_per_address, changed.visitors_per_node) == (3, 50)
    assert (changed.visitor_reads, changed.visitor_reads_seconds) == (100, 30.0)
