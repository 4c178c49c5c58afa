/** `/channels/{guild}/{channel}` for someone who is not a member: a public channel read-only.
 * Its history (scrolling back), its new messages live through an anonymous gateway session, and
 * no composer: a bar offers to join (the community's guest link, when the link carries one),
 * register or sign in. Nothing here sends a token, so a signed-in stranger reads it the same way. */

import { useCallback, useEffect, useReducer, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import type { GuildPreview, Invite, Message } from "../../api/types";
import { defaultGatewayUrl, GatewayClient, type Dispatch, type GatewayStatus } from "../../gateway/client";
import { formatDateTime, formatMessageTime } from "../../i18n";
import { Avatar, initials } from "../../ui/Avatar";
import { describeError } from "../../ui/errors";
import { navigate } from "../app/router";
import { isGuestLink } from "../guests/guestRules";
import { Attachments } from "../messages/Attachments";
import { isJumbo, Markdown } from "../messages/Markdown";
import { initialView, publicReducer } from "./publicChannel";
import { visitorApi } from "./visitorApi";
import "./public.css";

const SYSTEM_KEYS: Record<number, string> = { 6: "pinned", 7: "joined", 8: "boosted" };

function authorName(message: Message): string {
  return message.member?.nick || message.author.global_name || message.author.username;
}

function PublicMessage({ message }: { message: Message }) {
  const { t } = useTranslation();
  const name = authorName(message);
  const date = new Date(message.timestamp);
  if (message.type !== 0 && message.type !== 19) {
    const key = SYSTEM_KEYS[message.type] ?? "other";
    return (
      <li className="message system-message" data-message-id={message.id}>
        <div className="message-main">
          <span>{t(`messages.system.${key}`, { name })}</span>{" "}
          <time className="message-time" dateTime={message.timestamp}>
            {formatDateTime(date)}
          </time>
        </div>
      </li>
    );
  }
  return (
    <li className="message" data-message-id={message.id} aria-label={t("messages.message_label", { name, time: formatDateTime(date) })}>
      <div className="message-row">
        <div className="message-gutter">
          <Avatar id={message.author.id} name={name} />
        </div>
        <div className="message-main">
          <div className="message-head">
            <span className="author">{name}</span>
            {message.author.bot && <span className="bot-tag">{t("messages.bot")}</span>}
            <time className="message-time" dateTime={message.timestamp} title={formatDateTime(date)}>
              {formatMessageTime(date)}
            </time>
          </div>
          <div className={`message-content ${isJumbo(message.content) ? "jumbo" : ""}`}>
            <Markdown source={message.content} />
            {message.edited_timestamp && <span className="edited"> {t("messages.edited")}</span>}
          </div>
          <Attachments attachments={message.attachments} flags={message.flags} />
          {!!message.reactions?.length && (
            <div className="reactions" role="group" aria-label={t("messages.reactions")}>
              {message.reactions.map((reaction) => (
                <span key={reaction.emoji.name} className="reaction" aria-label={t("messages.reaction_label", { emoji: reaction.emoji.name, count: reaction.count })}>
                  <span className="reaction-emoji" aria-hidden="true">
                    {reaction.emoji.name}
                  </span>
                  <span className="reaction-count" aria-hidden="true">
                    {reaction.count}
                  </span>
                </span>
              ))}
            </div>
          )}
        </div>
      </div>
    </li>
  );
}

/** The bar where a composer would be: what a visitor can do instead of writing. */
function JoinBar({ guildId, channelId, invite, signedIn }: { guildId: string; channelId: string; invite: Invite | null; signedIn: boolean }) {
  const { t } = useTranslation();
  const here = `/channels/${guildId}/${channelId}`;
  const go = (path: string, after: string) => {
    sessionStorage.setItem("townhall.after-login", after);
    navigate(path);
  };
  const guestLink = !!invite && isGuestLink(invite);
  return (
    <div className="public-bar" role="region" aria-label={t("public.bar_label")}>
      <p className="public-bar-text">{t("public.read_only")}</p>
      <div className="public-bar-actions">
        {invite && (
          <button type="button" className="button primary" onClick={() => navigate(`/invite/${encodeURIComponent(invite.code)}`)}>
            {guestLink ? t("public.join_as_guest") : t("public.join")}
          </button>
        )}
        {!signedIn && (
          <>
            <button type="button" className={`button ${invite ? "secondary" : "primary"}`} onClick={() => go("/register", invite ? `/invite/${invite.code}` : here)}>
              {t("public.register")}
            </button>
            <button type="button" className="button secondary" onClick={() => go("/login", invite ? `/invite/${invite.code}` : here)}>
              {t("public.log_in")}
            </button>
          </>
        )}
      </div>
    </div>
  );
}

interface Props {
  guildId: string;
  channelId: string;
  signedIn: boolean;
  /** What to show instead when the channel is not public (a signed-in person's app). */
  otherwise?: ReactNode;
}

export function PublicChannel({ guildId, channelId, signedIn, otherwise }: Props) {
  const { t } = useTranslation();
  const [view, dispatch] = useReducer(publicReducer, initialView);
  const [preview, setPreview] = useState<GuildPreview | null>(null);
  const [invite, setInvite] = useState<Invite | null>(null);
  const [status, setStatus] = useState<GatewayStatus>("offline");
  const [failure, setFailure] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const list = useRef<HTMLDivElement>(null);
  const stuckToBottom = useRef(true);

  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.kind === "unauthorized") dispatch({ type: "closed" });
      else setFailure(describeError(t, e));
    },
    [t],
  );
  const loadLatest = useCallback(() => {
    visitorApi.messages(channelId).then((page) => dispatch({ type: "page", page, before: false }), fail);
  }, [channelId, fail]);

  useEffect(() => {
    visitorApi.channel(channelId).then((channel) => {
      if (channel.guild_id !== guildId) dispatch({ type: "closed" });
      else dispatch({ type: "channel", channel });
    }, fail);
    loadLatest();
    visitorApi.preview(guildId).then(setPreview, () => setPreview(null));
    const code = new URLSearchParams(location.search).get("invite");
    if (code) visitorApi.invite(code).then((found) => setInvite(found.guild.id === guildId ? found : null), () => setInvite(null));
  }, [guildId, channelId, fail, loadLatest]);

  // Live: an anonymous session follows the channel. Its CHANNEL_CREATE says "followed from now
  // on": the latest page is read again then, so nothing between the first read and it is missed.
  useEffect(() => {
    const onDispatch = (event: Dispatch) => {
      const data = event.d as { id?: string };
      if (event.t === "CHANNEL_CREATE" && data.id === channelId) loadLatest();
      dispatch({ type: "dispatch", t: event.t, d: event.d });
    };
    const gateway = new GatewayClient(() => null, onDispatch, (s) => setStatus(s), () => {}, defaultGatewayUrl, true);
    gateway.start();
    gateway.show({ guildId, channelId });
    return () => gateway.stop();
  }, [guildId, channelId, loadLatest]);

  const count = view.messages.length;
  useEffect(() => {
    const element = list.current;
    if (element && stuckToBottom.current) element.scrollTop = element.scrollHeight;
  }, [count]);

  const loadOlder = () => {
    const first = view.messages[0];
    if (!first || loadingOlder) return;
    setLoadingOlder(true);
    stuckToBottom.current = false;
    visitorApi
      .messages(channelId, first.id)
      .then((page) => dispatch({ type: "page", page, before: true }), fail)
      .finally(() => setLoadingOlder(false));
  };

  const guildName = preview?.name ?? "";
  if (view.closed && otherwise) return otherwise;
  if (view.closed) {
    return (
      <main className="center-screen">
        <div className="card invite-card">
          <h1>{t("public.closed_title")}</h1>
          <p>{signedIn ? t("public.closed_member") : t("public.closed_text")}</p>
          {signedIn ? (
            <button type="button" className="button primary" onClick={() => navigate("/channels/@me")}>
              {t("invites.go_home")}
            </button>
          ) : (
            <JoinBar guildId={guildId} channelId={channelId} invite={invite} signedIn={signedIn} />
          )}
        </div>
      </main>
    );
  }
  return (
    <main className="public-channel" aria-busy={!view.channel}>
      <header className="public-header">
        {guildName && <span className="guild-icon-small initials" data-initials={initials(guildName)} aria-hidden="true" />}
        <div className="public-title">
          {guildName && <p className="public-guild">{guildName}</p>}
          <h1>{view.channel ? `#${view.channel.name ?? ""}` : t("common.loading")}</h1>
          {view.channel?.topic && <p className="public-topic">{view.channel.topic}</p>}
        </div>
        <span className={`public-live ${status === "ready" ? "on" : ""}`} role="status">
          {status === "ready" ? t("public.live") : t("public.connecting")}
        </span>
      </header>
      {failure && (
        <p className="public-failure" role="alert">
          {failure}
        </p>
      )}
      <div
        ref={list}
        className="public-messages"
        role="log"
        tabIndex={0}
        aria-label={t("public.history_label", { name: view.channel?.name ?? "" })}
        onScroll={(e) => {
          const element = e.currentTarget;
          stuckToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        <ol className="public-message-list">
        {view.older && (
          <li className="public-older">
            <button type="button" className="button secondary" onClick={loadOlder} disabled={loadingOlder}>
              {loadingOlder ? t("common.loading") : t("public.older")}
            </button>
          </li>
        )}
        {!view.older && view.channel && view.loaded && (
          <li className="public-start">{t("public.start", { name: view.channel.name ?? "" })}</li>
        )}
        {view.messages.map((message) => (
          <PublicMessage key={message.id} message={message} />
        ))}
        </ol>
      </div>
      <JoinBar guildId={guildId} channelId={channelId} invite={invite} signedIn={signedIn} />
    </main>
  );
}
