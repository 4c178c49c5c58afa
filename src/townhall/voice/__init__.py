"""The voice gateway: signalling between voice clients and the media backend (docs/voice.md)."""
