import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../i18n";
import { JoinPolicy, myGroups, otherGroups, pendingRequests, type GroupListing } from "../../state/community";
import { useStore } from "../../state/store";
import { Confirm, Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { channelPath, navigate } from "../app/router";
import { notify, setUi } from "../app/ui";
import { communityApi } from "./communityApi";
import { groupAction, mayDecideRequests } from "./communityRules";
import { JoinRequestsDialog } from "./JoinRequests";
import { maySeeGroupLog, ModerationLogDialog } from "./ModerationLog";

const MAX_REQUEST_MESSAGE = 500;

function AskDialog({ group, onClose }: { group: GroupListing; onClose: () => void }) {
  const { t } = useTranslation();
  const name = group.name ?? "";
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await communityApi.askToJoin(group.id, message.trim());
      notify(t("community.request_sent", { name }), "info");
      onClose();
    } catch (err) {
      setError(describeError(t, err));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("community.ask_title", { name })} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <p className="hint">{t("community.ask_hint")}</p>
        <label className="field">
          <span>{t("community.ask_message")}</span>
          <textarea value={message} onChange={(e) => setMessage(e.target.value)} maxLength={MAX_REQUEST_MESSAGE} rows={3} autoFocus />
        </label>
        <FormActions error={error} submit={t("community.ask_send")} disabled={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function GroupRow({ guildId, group }: { guildId: string; group: GroupListing }) {
  const { t } = useTranslation();
  const name = group.name ?? "";
  const headingId = useId();
  const action = groupAction(group);
  const decides = useStore((s) => group.joined && mayDecideRequests(s, group));
  const waiting = useStore((s) => pendingRequests(s, group.id).length);
  const visible = useStore((s) => !!s.channels[group.id]);
  const logs = useStore((s) => group.joined && maySeeGroupLog(s, guildId, group.id));
  const closed = group.group_join_policy === JoinPolicy.REQUEST;
  const [dialog, setDialog] = useState<"ask" | "leave" | "requests" | "log" | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (decides && closed) communityApi.loadJoinRequests(group.id).catch(() => undefined);
  }, [decides, closed, group.id]);
  const run = async (work: () => Promise<unknown>, permission?: string) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      notify(describeError(t, error, permission));
    } finally {
      setBusy(false);
    }
  };
  const open = () => {
    setUi({ drawer: "none" });
    navigate(channelPath(guildId, group.id));
  };
  return (
    <li className="group-row" aria-labelledby={headingId} data-group-id={group.id}>
      <div className="group-text">
        <h3 id={headingId} className="group-name">
          {name}
        </h3>
        {group.topic && <p className="group-topic">{group.topic}</p>}
        <p className="muted small group-facts">
          {t("community.members", { count: group.member_count, formatted: formatNumber(group.member_count) })}
          {" · "}
          {closed ? t("community.closed") : t("community.open")}
          {group.admin && (
            <>
              {" · "}
              {t("community.you_admin")}
            </>
          )}
        </p>
      </div>
      <div className="group-actions">
        {action === "open" && (
          <>
            {visible && (
              <button type="button" className="button primary small" onClick={open}>
                {t("community.open_group")}
              </button>
            )}
            {decides && closed && (
              <button type="button" className="button secondary small" onClick={() => setDialog("requests")}>
                {t("community.requests", { count: waiting, formatted: formatNumber(waiting) })}
              </button>
            )}
            {logs && (
              <button type="button" className="button secondary small" onClick={() => setDialog("log")}>
                {t("modlog.open")}
              </button>
            )}
            <button type="button" className="button secondary small" disabled={busy} onClick={() => setDialog("leave")}>
              {t("community.leave")}
            </button>
          </>
        )}
        {action === "join" && (
          <button type="button" className="button primary small" disabled={busy} onClick={() => void run(() => communityApi.join(guildId, group.id))}>
            {t("community.join")}
          </button>
        )}
        {action === "ask" && (
          <button type="button" className="button primary small" onClick={() => setDialog("ask")}>
            {t("community.ask")}
          </button>
        )}
        {action === "requested" && (
          <>
            <span className="group-requested" role="status">
              <Icon name="bell" size={16} /> {t("community.requested")}
            </span>
            <button type="button" className="button secondary small" disabled={busy} onClick={() => void run(() => communityApi.withdrawRequest(guildId, group.id))}>
              {t("community.withdraw")}
            </button>
          </>
        )}
      </div>
      {dialog === "ask" && <AskDialog group={group} onClose={() => setDialog(null)} />}
      {dialog === "requests" && <JoinRequestsDialog group={group} onClose={() => setDialog(null)} />}
      {dialog === "log" && <ModerationLogDialog guildId={guildId} groupId={group.id} title={t("modlog.group_title", { name })} onClose={() => setDialog(null)} />}
      {dialog === "leave" && (
        <Confirm
          title={t("community.leave_title", { name })}
          body={<p>{closed ? t("community.leave_body_closed") : t("community.leave_body")}</p>}
          confirm={t("community.leave")}
          danger
          onConfirm={() => void run(() => communityApi.leave(guildId, group.id))}
          onClose={() => setDialog(null)}
        />
      )}
    </li>
  );
}

/** "My groups" and "Discover groups": the community's directory, by position. */
export function Groups({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const mineId = useId();
  const othersId = useId();
  const loaded = useStore((s) => !!s.community.directory[guildId]);
  const mine = useStore((s) => myGroups(s, guildId));
  const others = useStore((s) => otherGroups(s, guildId));
  if (!loaded) return <p className="muted">{t("common.loading")}</p>;
  return (
    <>
      <section className="community-section" aria-labelledby={mineId}>
        <h2 id={mineId}>{t("community.my_groups")}</h2>
        {mine.length ? (
          <ul className="group-list">
            {mine.map((group) => (
              <GroupRow key={group.id} guildId={guildId} group={group} />
            ))}
          </ul>
        ) : (
          <p className="muted">{t("community.no_groups_mine")}</p>
        )}
      </section>
      <section className="community-section" aria-labelledby={othersId}>
        <h2 id={othersId}>{t("community.discover")}</h2>
        {others.length ? (
          <ul className="group-list">
            {others.map((group) => (
              <GroupRow key={group.id} guildId={guildId} group={group} />
            ))}
          </ul>
        ) : (
          <p className="muted">{t("community.no_groups_other")}</p>
        )}
      </section>
    </>
  );
}
