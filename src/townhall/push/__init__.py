"""Talking to browsers' push services (RFC 8030) with VAPID (RFC 8292) and message encryption
(RFC 8291), through `pywebpush`. No database and no rules: actions/push.py decides who gets what,
this package signs, encrypts and delivers."""
