"""Where a command works outside guilds, and the files ATTACHMENT options name (pure)."""

from __future__ import annotations

import pytest

from townhall.domain.commands import CommandOption, CommandSpec, OptionType, usable_in_bot_dm
from townhall.domain.errors import InvalidFormBody
from townhall.domain.interactions import GivenFile, given_files, invocation

UPLOAD = CommandSpec(
    "upload",
    description="Upload",
    options=(
        CommandOption(OptionType.ATTACHMENT, "file", "A file", required=True),
        CommandOption(OptionType.STRING, "note", "A note"),
    ),
)


def test_contexts_decide_the_bot_dm_and_without_them_dm_permission_does() -> None:
    assert usable_in_bot_dm(CommandSpec("a", description="a"))
    assert not usable_in_bot_dm(CommandSpec("a", description="a", dm_permission=False))
    assert usable_in_bot_dm(CommandSpec("a", description="a", contexts=(1,), dm_permission=False))
    assert not usable_in_bot_dm(CommandSpec("a", description="a", contexts=(0, 2)))
    assert not usable_in_bot_dm(CommandSpec("a", description="a", integration_types=(1,)))


def test_an_attachment_option_names_an_entry_that_becomes_the_stored_files_id() -> None:
    checked = invocation(UPLOAD, [{"name": "file", "type": 11, "value": 0}])
    assert checked.files_named() == ["0"]
    swapped = checked.with_files({"0": 555})
    assert swapped.leaf[0].value == "555" and swapped.options[0].value == "555"
    grouped = CommandSpec(
        "files",
        description="Files",
        options=(CommandOption(OptionType.SUB_COMMAND, "add", "Add", options=UPLOAD.options),),
    )
    nested = invocation(
        grouped, [{"name": "add", "type": 1, "options": [{"name": "file", "type": 11, "value": 3}]}]
    ).with_files({"3": 777})
    assert nested.options[0].options is not None and nested.options[0].options[0].value == "777"
    with pytest.raises(InvalidFormBody):
        invocation(UPLOAD, [{"name": "file", "type": 11, "value": "a.png"}])
    with pytest.raises(InvalidFormBody):
        invocation(UPLOAD, [{"name": "note", "type": 3, "value": "no file"}])


def test_data_attachments_are_finished_uploads_by_id() -> None:
    given = given_files([{"id": 0, "filename": "a.png", "uploaded_filename": "u" * 32}])
    assert given == {"0": GivenFile("0", "u" * 32, "a.png")}
    assert given_files(None) == {}
    for bad in ("x", [{"id": "0"}], [{"id": "x", "uploaded_filename": "u"}], [1]):
        with pytest.raises(InvalidFormBody):
            given_files(bad)
    twice = [{"id": "0", "uploaded_filename": "a"}, {"id": "0", "uploaded_filename": "b"}]
    with pytest.raises(InvalidFormBody):
        given_files(twice)
