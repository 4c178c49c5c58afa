import { useState } from "react";
import { useTranslation } from "react-i18next";
import { formatDateTime } from "../../i18n";
import { pendingRequests, type GroupListing, type JoinRequest } from "../../state/community";
import { useStore } from "../../state/store";
import { displayName } from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { communityApi } from "./communityApi";

function RequestRow({ request }: { request: JoinRequest }) {
  const { t } = useTranslation();
  const name = useStore((s) => (s.users[request.user_id] ? displayName(s, request.user_id, request.guild_id) : (request.user?.global_name || request.user?.username || "…")));
  const [busy, setBusy] = useState(false);
  const decide = async (approve: boolean) => {
    setBusy(true);
    try {
      await communityApi.decideJoinRequest(request.channel_id, request.id, approve);
    } catch (error) {
      notify(describeError(t, error, "MANAGE_ROLES"));
      setBusy(false);
    }
  };
  return (
    <li className="request-row" aria-label={name}>
      <Avatar id={request.user_id} name={name} size={32} />
      <div className="request-text">
        <strong>{name}</strong>
        <time className="muted small" dateTime={request.created_at}>
          {formatDateTime(new Date(request.created_at))}
        </time>
        {request.message && <p className="request-message">{request.message}</p>}
      </div>
      <div className="request-actions">
        <button type="button" className="button primary small" disabled={busy} onClick={() => void decide(true)}>
          {t("community.approve")}
        </button>
        <button type="button" className="button secondary small" disabled={busy} onClick={() => void decide(false)}>
          {t("community.decline")}
        </button>
      </div>
    </li>
  );
}

/** A closed group's join requests, oldest first, for its admins: live from
 * GROUP_JOIN_REQUEST_*. */
export function JoinRequestsDialog({ group, onClose }: { group: GroupListing; onClose: () => void }) {
  const { t } = useTranslation();
  const requests = useStore((s) => pendingRequests(s, group.id));
  return (
    <Dialog title={t("community.requests_title", { name: group.name ?? "" })} onClose={onClose}>
      {requests.length ? (
        <ul className="request-list" aria-label={t("community.requests_list")}>
          {requests.map((request) => (
            <RequestRow key={request.id} request={request} />
          ))}
        </ul>
      ) : (
        <p className="muted">{t("community.no_requests")}</p>
      )}
    </Dialog>
  );
}
