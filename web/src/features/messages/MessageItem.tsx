import { lazy, memo, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { formatDateTime, formatMessageTime, formatTime } from "../../i18n";
import { P } from "../../lib/permissions";
import { actions, getState, useStore } from "../../state/store";
import type { ChatMessage } from "../../state/reducer";
import { can, displayName, memberColor } from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { Confirm } from "../../ui/Dialog";
import { describeError, describeFailure } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { notify, setUi } from "../app/ui";
import { Attachments } from "./Attachments";
import { useUpload } from "./AttachmentUpload";
import { previewText } from "./markdown";
import { LocationCard } from "./LocationCard";
import { isJumbo, Markdown } from "./Markdown";
import { MessageEditor } from "./MessageEditor";
import { UploadProgress } from "./UploadProgress";
import { GuestBadge } from "../guests/GuestBadge";
import { shownAsGuest } from "../guests/guestRules";
import { MustReadBar } from "../community/MustRead";
import { ReplyPrivatelyButton } from "../community/ReplyPrivately";
import { MessageApps } from "../commands/AppsMenu";
import { isCommandAnswer } from "../commands/commandRules";
import { EphemeralNote, InvocationLine, Thinking } from "../commands/InteractionLines";
import { MessageComponents } from "../commands/MessageComponents";
import { EPHEMERAL } from "../../state/interactions";
import { StartThreadButton, ThreadLine, ThreadSummary } from "../threads/ThreadBits";
import { THREAD_CREATED, THREAD_STARTER_MESSAGE } from "../../state/threads";

const EmojiPopover = lazy(() => import("./EmojiPopover"));

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉"];

interface Props {
  message: ChatMessage;
  continuation: boolean;
  editing: boolean;
  onEdit: (id: string | null) => void;
  onReply: (id: string) => void;
  onJump: (id: string) => void;
  highlighted: boolean;
}

function colorStyle(color: number) {
  return color ? { color: `#${color.toString(16).padStart(6, "0")}` } : undefined;
}

function ReplyPreview({ message, onJump }: { message: ChatMessage; onJump: (id: string) => void }) {
  const { t } = useTranslation();
  const ref = message.referenced_message;
  const guildId = message.guild_id ?? null;
  const name = useStore((s) => (ref ? displayName(s, ref.author.id, guildId) : ""));
  if (ref === undefined) return null;
  if (ref === null) {
    return <div className="reply-preview missing">{t("messages.reply_deleted")}</div>;
  }
  return (
    // Named by what it shows (WCAG 2.5.3, label in name); where it goes is its description.
    <button type="button" className="reply-preview" onClick={() => onJump(ref.id)} title={t("messages.jump_to_reply", { name })}>
      <Icon name="reply" size={14} />
      <span className="reply-author">@{name}</span>{" "}
      <span className="reply-text">{ref.content ? previewText(ref.content) : ref.attachments?.length ? t("files.reply_attachment") : ref.location ? t("location.reply") : ""}</span>
    </button>
  );
}

function Reactions({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  if (!message.reactions?.length) return null;
  return (
    <div className="reactions" role="group" aria-label={t("messages.reactions")}>
      {message.reactions.map((reaction) => (
        <button
          type="button"
          key={reaction.emoji.name}
          className={`reaction ${reaction.me ? "mine" : ""}`}
          aria-pressed={reaction.me}
          aria-label={t("messages.reaction_label", { emoji: reaction.emoji.name, count: reaction.count })}
          onClick={() => actions.toggleReaction(message, reaction.emoji.name).catch((e) => notify(describeError(t, e, "ADD_REACTIONS")))}
        >
          <span className="reaction-emoji">{reaction.emoji.name}</span>
          <span className="reaction-count">{reaction.count}</span>
        </button>
      ))}
    </div>
  );
}

function Toolbar({ message, onEdit, onReply }: Pick<Props, "message" | "onEdit" | "onReply">) {
  const { t } = useTranslation();
  const mine = useStore((s) => s.me?.id === message.author.id);
  const mayManage = useStore((s) => can(s, message.channel_id, P.MANAGE_MESSAGES));
  const mayPin = useStore((s) => can(s, message.channel_id, P.PIN_MESSAGES) || can(s, message.channel_id, P.MANAGE_MESSAGES));
  const mayReact = useStore((s) => can(s, message.channel_id, P.ADD_REACTIONS));
  const maySend = useStore((s) => can(s, message.channel_id, P.SEND_MESSAGES));
  const [picker, setPicker] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const react = (emoji: string) =>
    actions.toggleReaction(message, emoji).catch((e) => notify(describeError(t, e, "ADD_REACTIONS")));
  const pin = () =>
    (message.pinned ? api.unpin(message.channel_id, message.id) : api.pin(message.channel_id, message.id)).catch((e) =>
      notify(describeError(t, e, "PIN_MESSAGES")),
    );
  return (
    <div className="message-toolbar" role="toolbar" aria-label={t("messages.actions")}>
      {mayReact &&
        QUICK_REACTIONS.slice(0, 3).map((emoji) => (
          <button key={emoji} type="button" className="icon-button" aria-label={t("messages.react_with", { emoji })} onClick={() => react(emoji)}>
            <span aria-hidden="true">{emoji}</span>
          </button>
        ))}
      {mayReact && (
        <button type="button" className="icon-button" aria-label={t("messages.add_reaction")} aria-expanded={picker} onClick={() => setPicker(!picker)}>
          <Icon name="smile" />
        </button>
      )}
      {maySend && (
        <button type="button" className="icon-button" aria-label={t("messages.reply")} onClick={() => onReply(message.id)}>
          <Icon name="reply" />
        </button>
      )}
      <ReplyPrivatelyButton message={message} compact />
      <MessageApps message={message} />
      <StartThreadButton message={message} />
      {mine && (
        <button type="button" className="icon-button" aria-label={t("messages.edit")} onClick={() => onEdit(message.id)}>
          <Icon name="edit" />
        </button>
      )}
      {mayPin && (
        <button type="button" className="icon-button" aria-label={message.pinned ? t("messages.unpin") : t("messages.pin")} onClick={pin}>
          <Icon name="pin" />
        </button>
      )}
      {(mine || mayManage) && (
        <button type="button" className="icon-button danger" aria-label={t("messages.delete")} onClick={() => setConfirmDelete(true)}>
          <Icon name="trash" />
        </button>
      )}
      {picker && (
        <Suspense fallback={null}>
          <EmojiPopover
            onPick={(emoji) => {
              setPicker(false);
              void react(emoji);
            }}
            onClose={() => setPicker(false)}
          />
        </Suspense>
      )}
      {confirmDelete && (
        <Confirm
          title={t("messages.delete_title")}
          body={
            <>
              <p>{t("messages.delete_body")}</p>
              <blockquote className="delete-preview">{message.content.slice(0, 300)}</blockquote>
            </>
          }
          confirm={t("messages.delete")}
          danger
          onConfirm={() => api.deleteMessage(message.channel_id, message.id).catch((e) => notify(describeError(t, e, "MANAGE_MESSAGES")))}
          onClose={() => setConfirmDelete(false)}
        />
      )}
    </div>
  );
}

/** The message's files; while it is being sent with files, their upload instead. */
function MessageFiles({ message }: { message: ChatMessage }) {
  const upload = useUpload(message.id);
  if (upload) return <UploadProgress job={upload} />;
  return <Attachments attachments={message.attachments} flags={message.flags} />;
}

function LocalStatus({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  const upload = useUpload(message.id);
  if (!message.local || upload) return null; // an upload shows its own state
  if (message.local === "sending") return <span className="local-status">{t("messages.sending")}</span>;
  if (message.local === "waiting") return <span className="local-status waiting">{t("messages.waiting")}</span>;
  return (
    <span className="local-status failed" role="alert">
      <Icon name="warning" size={14} /> {t("messages.failed", { reason: describeFailure(t, message.failure) })}{" "}
      <button type="button" className="link-button" onClick={() => actions.retry(message.channel_id, message.id)}>
        {t("messages.retry")}
      </button>{" "}
      <button type="button" className="link-button" onClick={() => actions.discard(message.channel_id, message.id)}>
        {t("messages.discard")}
      </button>
    </span>
  );
}

/** Discord's system messages (a pin, a new member, …) as a line of text, not as chat. */
const SYSTEM_KEYS: Record<number, string> = { 6: "pinned", 7: "joined", 8: "boosted" };

function SystemMessage({ message, name }: { message: ChatMessage; name: string }) {
  const { t } = useTranslation();
  const key = SYSTEM_KEYS[message.type] ?? "other";
  return (
    <article className="message system-message" tabIndex={-1} data-message-id={message.id} aria-label={t(`messages.system.${key}`, { name })}>
      <div className="message-row">
        <div className="message-gutter">
          <Icon name={message.type === 6 ? "pin" : "members"} size={16} />
        </div>
        <div className="message-main">
          <span>{t(`messages.system.${key}`, { name })}</span>{" "}
          {message.type === 6 && (
            <button type="button" className="link-button" onClick={() => setUi({ pins: true })}>
              {t("messages.system.see_pins")}
            </button>
          )}{" "}
          <time className="message-time" dateTime={message.timestamp}>
            {formatTime(new Date(message.timestamp))}
          </time>
        </div>
      </div>
    </article>
  );
}

function MessageItemInner({ message, continuation, editing, onEdit, onReply, onJump, highlighted }: Props) {
  const { t } = useTranslation();
  const guildId = message.guild_id ?? getState().channels[message.channel_id]?.guild_id ?? null;
  const name = useStore((s) => displayName(s, message.author.id, guildId));
  const color = useStore((s) => memberColor(s, guildId, message.author.id));
  const guest = useStore((s) => shownAsGuest(s, message.author.id, guildId, message.author));
  const mentioned = useStore((s) => {
    const me = s.me;
    if (!me || message.author.id === me.id) return false;
    const roles = guildId ? s.members[guildId]?.[me.id]?.roles ?? [] : [];
    return message.mentions.some((u) => u.id === me.id) || message.mention_everyone || message.mention_roles.some((r) => roles.includes(r));
  });
  // The toolbar's buttons exist only while the pointer or the focus is on the message: a screen of
  // messages renders without them (and their permission checks). Hooks come before any return.
  const [active, setActive] = useState(false);
  const date = new Date(message.timestamp);
  const isReply = message.type === 19;
  // An application's answer to a command (types 20, 23) reads as chat, headed by who ran it.
  const answer = isCommandAnswer(message.type);
  const ephemeral = ((message.flags ?? 0) & EPHEMERAL) !== 0;
  if (message.type === THREAD_CREATED || message.type === THREAD_STARTER_MESSAGE) return <ThreadLine message={message} name={name} />;
  if (message.type !== 0 && !isReply && !answer) return <SystemMessage message={message} name={name} />;
  const openProfile = (element: HTMLElement) => {
    const rect = element.getBoundingClientRect();
    setUi({ profile: { userId: message.author.id, guildId, x: rect.right + 8, y: rect.top } });
  };
  const classes = ["message", continuation && !isReply && !answer ? "continuation" : "", ephemeral ? "ephemeral" : "", mentioned ? "mentioned" : "", highlighted ? "highlighted" : "", message.local ? `local ${message.local}` : ""];
  return (
    <article
      className={classes.join(" ")}
      tabIndex={-1}
      aria-label={t("messages.message_label", { name, time: formatDateTime(date) })}
      data-message-id={message.id}
      onMouseEnter={() => setActive(true)}
      onMouseLeave={(e) => !e.currentTarget.contains(document.activeElement) && setActive(false)}
      onFocus={() => setActive(true)}
      onBlur={(e) => !e.currentTarget.contains(e.relatedTarget as Node | null) && setActive(false)}
      onTouchStart={() => setActive(true)}
    >
      {isReply && <ReplyPreview message={message} onJump={onJump} />}
      {answer && <InvocationLine message={message} />}
      <div className="message-row">
        <div className="message-gutter">
          {continuation && !isReply && !answer ? (
            <time className="hover-time" dateTime={message.timestamp}>
              {formatTime(date)}
            </time>
          ) : (
            <button type="button" className="avatar-button" aria-label={t("messages.open_profile", { name })} onClick={(e) => openProfile(e.currentTarget)}>
              <Avatar id={message.author.id} name={name} />
            </button>
          )}
        </div>
        <div className="message-main">
          {(!continuation || isReply || answer) && (
            <div className="message-head">
              <button type="button" className="author" style={colorStyle(color)} onClick={(e) => openProfile(e.currentTarget)}>
                {name}
              </button>
              {message.author.bot && <span className="bot-tag">{t("messages.bot")}</span>}
              {guest && <GuestBadge />}
              <time className="message-time" dateTime={message.timestamp} title={formatDateTime(date)}>
                {formatMessageTime(date)}
              </time>
            </div>
          )}
          {editing ? (
            <MessageEditor message={message} onDone={() => onEdit(null)} />
          ) : (
            <div className={`message-content ${isJumbo(message.content) ? "jumbo" : ""}`}>
              <Markdown source={message.content} />
              <Thinking message={message} name={name} />
              {message.edited_timestamp && (
                <span className="edited" title={formatDateTime(new Date(message.edited_timestamp))}>
                  {" "}
                  {t("messages.edited")}
                </span>
              )}
              {message.pinned && <span className="sr-only">{t("messages.pinned")}</span>}
            </div>
          )}
          {message.location && (
            <LocationCard location={message.location} messageId={message.id} channelId={message.channel_id} authorId={message.author.id} authorName={name} />
          )}
          <MessageFiles message={message} />
          <MessageComponents message={message} />
          <EphemeralNote message={message} />
          <LocalStatus message={message} />
          <Reactions message={message} />
          <ThreadSummary message={message} />
          <MustReadBar message={message} />
        </div>
        {active && !message.local && !editing && !ephemeral && <Toolbar message={message} onEdit={onEdit} onReply={onReply} />}
      </div>
    </article>
  );
}

export const MessageItem = memo(MessageItemInner);
