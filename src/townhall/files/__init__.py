"""Files: where attachment bytes live, what they are, and whether they are safe to hand out.

Everything here works on bytes and paths, never on the database: `storage` keeps the bytes
(a local directory or S3), `names` and `sniff` decide how a file is called and what it is,
`images`/`media` read dimensions and make previews, `clamd` and `archives` decide whether a file
may be shown to anyone but its uploader. The use cases that tie these to messages live in
`actions/attachments.py`.
"""
