"""Join requests (docs/communities.md): asking to join a closed group, and the group's answer.

A community member asks once per group (one pending request each); the group's managers
(MANAGE_ROLES in its channel) list and decide them, and approving adds the member overwrite
through the one membership path (actions/groups.py). Every change goes to the managers and to
the person asking as GROUP_JOIN_REQUEST_*; the decision also reaches the latter by Web Push.
"""

from __future__ import annotations

from townhall.actions.groups import (
    already_decided,
    group_access,
    managed_group,
    put_membership,
    request_events,
    settle_request,
)
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain import groups as rules
from townhall.domain.actor import Actor
from townhall.domain.groups import JoinPolicy, JoinRequest, RequestStatus
from townhall.domain.guests import require_full_account
from townhall.events import catalog
from townhall.store import groups as group_store
from townhall.store import members as member_store
from townhall.store.rows import from_millis_required

REQUESTS_PAGE_MAX = 1000


def _message(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    if len(text) > rules.REQUEST_MESSAGE_MAX:
        raise errors.InvalidFormBody.field(
            "message",
            f"Must be {rules.REQUEST_MESSAGE_MAX} or fewer in length.",
            "BASE_TYPE_MAX_LENGTH",
        )
    return text.strip()


async def ask_to_join(
    s: Services, actor: Actor, channel_id: int, message: str | None = None
) -> JoinRequest:
    """Ask to join a closed group (an open one is joined instead: 50035)."""
    text = _message(message)
    async with s.write() as tx:
        group = await group_access(tx.conn, s, actor, channel_id)
        require_full_account(actor.user)
        own = (await group_store.own_overwrites(tx.conn, actor.id, [channel_id])).get(channel_id)
        if own is not None and rules.is_member_overwrite(own):
            raise rules.form_error("GROUP_MEMBER_ALREADY", "You are a member of this group.")
        if rules.join_policy(group.channel.flags) is JoinPolicy.OPEN:
            raise rules.form_error("GROUP_JOIN_POLICY_OPEN", "This group is open: join it.")
        request = JoinRequest(
            id=s.ids.next_id(),
            guild_id=group.guild.guild.id,
            channel_id=channel_id,
            user_id=actor.id,
            created_at=from_millis_required(s.now_ms()),
            message=text,
            user=actor.user,
        )
        if not await group_store.insert_request(tx.conn, request):
            raise rules.form_error(
                "GROUP_JOIN_REQUEST_PENDING", "You have asked to join this group already."
            )
        tx.emit(*request_events(catalog.GROUP_JOIN_REQUEST_CREATE, request))
    return request


async def list_requests(
    s: Services,
    actor: Actor,
    channel_id: int,
    status: RequestStatus = RequestStatus.PENDING,
    *,
    limit: int = REQUESTS_PAGE_MAX,
    after: int = 0,
) -> list[JoinRequest]:
    """The group's requests in one state, oldest first (its managers only)."""
    async with s.engine.connect() as conn:
        await managed_group(conn, s, actor, channel_id)
        return await group_store.requests_of_group(
            conn, channel_id, status, limit=limit, after=after
        )


async def own_requests(s: Services, actor: Actor) -> list[JoinRequest]:
    """The actor's pending requests, in every community."""
    async with s.engine.connect() as conn:
        return await group_store.pending_requests_of_user(conn, actor.id)


async def decide_request(
    s: Services, actor: Actor, channel_id: int, request_id: int, status: RequestStatus
) -> JoinRequest:
    """Approve (the person becomes a member) or decline a pending request."""
    if status is RequestStatus.PENDING:
        raise errors.InvalidFormBody.field("status", "Must be 1 or 2.", "BASE_TYPE_CHOICES")
    async with s.write() as tx:
        access = await managed_group(tx.conn, s, actor, channel_id)
        request = await group_store.get_request(tx.conn, channel_id, request_id)
        if request is None:
            raise rules.UnknownJoinRequest()
        if request.status is not RequestStatus.PENDING:
            raise already_decided()
        if status is RequestStatus.APPROVED:
            if not await member_store.is_member(tx.conn, request.guild_id, request.user_id):
                raise errors.UnknownMember()
            await put_membership(
                tx,
                access.channel,
                request.user_id,
                admin=None,
                grantor_permissions=access.permissions,
            )
        return await settle_request(tx, s, request, status, actor.id)


async def withdraw_request(s: Services, actor: Actor, channel_id: int) -> None:
    """The person asking takes their pending request back."""
    async with s.write() as tx:
        await group_access(tx.conn, s, actor, channel_id)
        request = await group_store.pending_request(tx.conn, channel_id, actor.id)
        if request is None:
            raise rules.UnknownJoinRequest()
        await group_store.delete_request(tx.conn, request.id)
        tx.emit(*request_events(catalog.GROUP_JOIN_REQUEST_DELETE, request))
