"""Typed errors carrying Discord's JSON error codes; the API layer turns them into responses once.

Codes and messages follow https://discord.com/developers/docs/topics/opcodes-and-status-codes.
"""

from __future__ import annotations

from collections.abc import Mapping


class TownhallError(Exception):
    """An error a client caused and can read: HTTP status, Discord code, message."""

    status: int = 400
    code: int = 0
    message: str = "Bad Request"

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class Unauthorized(TownhallError):
    status, code, message = 401, 0, "401: Unauthorized"


class NotFound(TownhallError):
    status, code, message = 404, 0, "404: Not Found"


class UnknownChannel(NotFound):
    code, message = 10003, "Unknown Channel"


class UnknownGuild(NotFound):
    code, message = 10004, "Unknown Guild"


class UnknownInvite(NotFound):
    code, message = 10006, "Unknown Invite"


class UnknownMember(NotFound):
    code, message = 10007, "Unknown Member"


class UnknownVoiceState(NotFound):
    code, message = 10065, "Unknown Voice State"


class UnknownStageInstance(NotFound):
    code, message = 10067, "Unknown Stage Instance"


class StageAlreadyOpen(TownhallError):
    code, message = 150006, "Stage already open"


class UnknownMessage(NotFound):
    code, message = 10008, "Unknown Message"


class UnknownOverwrite(NotFound):
    code, message = 10009, "Unknown Overwrite"


class UnknownRole(NotFound):
    code, message = 10011, "Unknown Role"


class UnknownUser(NotFound):
    code, message = 10013, "Unknown User"


class UnknownEmoji(NotFound):
    code, message = 10014, "Unknown Emoji"


class UnknownApplication(NotFound):
    code, message = 10002, "Unknown Application"


class UnknownBan(NotFound):
    code, message = 10026, "Unknown Ban"


class Forbidden(TownhallError):
    status, code, message = 403, 0, "403: Forbidden"


class MissingAccess(Forbidden):
    code, message = 50001, "Missing Access"


class MissingPermissions(Forbidden):
    code, message = 50013, "Missing Permissions"


class ChannelFull(Forbidden):
    """A voice channel at its `user_limit` (Discord refuses silently; townhall says why)."""

    code, message = 50013, "Missing Permissions: the voice channel is full"


class CannotEditOthersMessage(Forbidden):
    code, message = 50005, "Cannot edit a message authored by another user"


class CannotExecuteOnDM(Forbidden):
    code, message = 50003, "Cannot execute action on a DM channel"


class CannotExecuteOnChannelType(TownhallError):
    code, message = 50024, "Cannot execute action on this channel type"


class BannedFromGuild(Forbidden):
    code, message = 40007, "The user is banned from this guild."


class AccountVerificationRequired(Forbidden):
    """Guest accounts (domain/guests.py) until they set an email and a password."""

    code, message = 40002, "You need to verify your account in order to perform this action"


class RegistrationClosed(Forbidden):
    code, message = 40002, "Registration is closed on this server"


class EmptyMessage(TownhallError):
    code, message = 50006, "Cannot send an empty message"


class InvalidFormBody(TownhallError):
    """Discord's 50035 with its nested `errors` tree (field path -> list of {code, message})."""

    code, message = 50035, "Invalid Form Body"

    def __init__(self, errors: Mapping[str, object]) -> None:
        super().__init__()
        self.errors = errors

    @classmethod
    def field(cls, path: str, message: str, code: str = "BASE_TYPE_INVALID") -> InvalidFormBody:
        """One error at a dotted field path, e.g. `content` or `message_reference.message_id`."""
        tree: dict[str, object] = {"_errors": [{"code": code, "message": message}]}
        for part in reversed(path.split(".")):
            tree = {part: tree}
        return cls(tree)


class BulkDeleteTooOld(TownhallError):
    code, message = 50034, "You can only bulk delete messages that are under 14 days old."


class MaxPins(TownhallError):
    code, message = 30003, "Maximum number of pins reached (50)"


class MaxGuilds(TownhallError):
    code, message = 30001, "Maximum number of guilds reached (100)"


class MaxRecipients(TownhallError):
    code, message = 30002, "Maximum number of friends reached (1000)"


class MaxReactions(TownhallError):
    code, message = 30010, "Maximum number of reactions reached (20)"


class MaxRoles(TownhallError):
    code, message = 30005, "Maximum number of guild roles reached (250)"


class MaxChannels(TownhallError):
    code, message = 30013, "Maximum number of guild channels reached (500)"


class RateLimited(TownhallError):
    """429 with Discord's `retry_after` (seconds) and `global: false`."""

    status, code, message = 429, 0, "You are being rate limited."

    def __init__(self, retry_after: float) -> None:
        super().__init__()
        self.retry_after = retry_after


class SlowmodeRateLimited(RateLimited):
    code = 20016
    message = "This action cannot be performed due to slowmode rate limit."


class CannotSendToUser(Forbidden):
    code, message = 50007, "Cannot send messages to this user"


class InvalidRecipients(TownhallError):
    code, message = 50033, "Invalid Recipient(s)"


class OwnerCannotLeave(TownhallError):
    code, message = 50055, "Invalid Guild"


class InvalidOAuthState(TownhallError):
    code, message = 50012, "Invalid OAuth2 state"


class InvalidCredentials(InvalidFormBody):
    """Login failures say only this, so that they reveal nothing about which accounts exist."""

    def __init__(self) -> None:
        invalid = {
            "_errors": [{"code": "INVALID_LOGIN", "message": "Login or password is invalid."}]
        }
        super().__init__({"login": invalid, "password": invalid})


class InvalidRole(TownhallError):
    """@everyone or a bot's managed role, where only an ordinary role will do."""

    code, message = 50028, "Invalid role"


class MaxGroupRecipients(TownhallError):
    """A group DM holds at most 32 people, its owner included."""

    code, message = 30004, "Maximum number of recipients reached (32)"


class BotsCannotUse(Forbidden):
    code, message = 20001, "Bots cannot use this endpoint"


class OnlyBotsCanUse(Forbidden):
    code, message = 20002, "Only bots can use this endpoint"


class TargetNotInVoice(TownhallError):
    code, message = 40032, "Target user is not connected to voice."


class CannotExecuteOnSystemMessage(TownhallError):
    code, message = 50021, "Cannot execute action on a system message"


class AlreadyCrossposted(TownhallError):
    code, message = 40033, "This message has already been crossposted."


class EntityTooLarge(TownhallError):
    """Discord's 40005, for files over a size limit."""

    status, code, message = 413, 40005, "Request entity too large"


class StorageQuotaExceeded(EntityTooLarge):
    """A person's or a community's files would take more than their quota (the message says
    which); Discord has no quotas, so townhall answers with the code of a too large upload."""


class UnknownAttachment(NotFound):
    code, message = 10066, "Unknown attachment"
