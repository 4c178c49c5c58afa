import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ChannelType, type Channel, type Message } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { actions, getState, useStore } from "../../state/store";
import { P } from "../../lib/permissions";
import { can, displayName, lastReadId, privateChannelName } from "../../state/selectors";
import { Icon } from "../../ui/Icon";
import { describeError } from "../../ui/errors";
import { notify, setUi, useUi } from "../app/ui";
import { CallArea, StartCallButton } from "../calls/CallArea";
import { ChannelIcon } from "../channels/ChannelIcon";
import { addFiles } from "./AttachmentTray";
import { Composer } from "./Composer";
import { FileIcon } from "./FileIcon";
import { Markdown } from "./Markdown";
import { MessageList } from "./MessageList";
import { ThreadList } from "../threads/ThreadList";
import { ThreadPanel } from "../threads/ThreadPanel";
import { setThreadView, useThreadView } from "../threads/threadUi";

export function TypingIndicator({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const names = useStore((s) => {
    const typing = s.typing[channel.id] ?? {};
    return Object.keys(typing)
      .map((id) => displayName(s, id, channel.guild_id))
      .join("\u0000");
  });
  const list = names ? names.split("\u0000") : [];
  return (
    <div className="typing" aria-live="polite">
      {list.length > 0 && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {list.length > 3 ? t("typing.several") : t("typing.names", { count: list.length, names: new Intl.ListFormat(undefined, { type: "conjunction" }).format(list) })}
        </>
      )}
    </div>
  );
}

function PinsPanel({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const [pins, setPins] = useState<{ pinned_at: string; message: Message }[] | null>(null);
  const lastPin = useStore((s) => s.channels[channel.id]?.last_pin_timestamp);
  useEffect(() => {
    api.pins(channel.id).then((r) => setPins(r.items), (e) => notify(describeError(t, e)));
  }, [channel.id, lastPin, t]);
  return (
    <aside className="side-panel pins-panel" aria-label={t("pins.title")}>
      <header className="panel-head">
        <h2>{t("pins.title")}</h2>
        <button type="button" className="icon-button" aria-label={t("common.close")} onClick={() => setUi({ pins: false })}>
          <Icon name="close" />
        </button>
      </header>
      {pins === null ? (
        <p className="muted">{t("common.loading")}</p>
      ) : pins.length === 0 ? (
        <p className="muted">{t("pins.empty")}</p>
      ) : (
        <ul className="pin-list">
          {pins.map(({ message }) => (
            <li key={message.id} className="pin">
              <div className="pin-head">
                <strong>{displayName(getState(), message.author.id, channel.guild_id)}</strong>
                <time dateTime={message.timestamp}>{formatDateTime(new Date(message.timestamp))}</time>
              </div>
              <div className="pin-content">
                <Markdown source={message.content} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}

function carriesFiles(event: React.DragEvent): boolean {
  return [...event.dataTransfer.types].includes("Files");
}

/** Files dragged over the pane go to the composer's tray when dropped there; while they hover, a
 * drop zone says so. A drop is never left to the browser, which would open the file instead. */
function useFileDrop(channel: Channel, place: string) {
  const { t } = useTranslation();
  const mayAttach = useStore((s) => can(s, channel.id, P.SEND_MESSAGES) && can(s, channel.id, P.ATTACH_FILES));
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  useEffect(() => {
    depth.current = 0;
    setOver(false);
  }, [channel.id]);
  const handlers = {
    onDragEnter: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current += 1;
      setOver(true);
    },
    onDragOver: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = mayAttach ? "copy" : "none";
    },
    onDragLeave: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    },
    onDrop: (e: React.DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      if (!mayAttach) notify(t("files.no_permission"));
      else addFiles(t, channel.id, [...e.dataTransfer.files]);
    },
  };
  const zone = over ? (
    <div className={`drop-zone ${mayAttach ? "" : "refused"}`} aria-hidden="true">
      <div className="drop-zone-inner">
        <FileIcon name="attach" size={40} />
        <span>{mayAttach ? t("files.drop", { place }) : t("files.no_permission")}</span>
      </div>
    </div>
  ) : null;
  return { handlers, zone };
}

export function MessagePane({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const window = useStore((s) => s.messages[channel.id]);
  const showPins = useUi((u) => u.pins);
  const threadView = useThreadView(channel.id);
  const hasThreads = channel.type === ChannelType.GUILD_TEXT || channel.type === ChannelType.GUILD_ANNOUNCEMENT;
  const [editing, setEditing] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const unreadAfter = useRef<{ channel: string; id: string } | null>(null);
  if (unreadAfter.current?.channel !== channel.id) {
    unreadAfter.current = { channel: channel.id, id: lastReadId(getState(), channel.id) };
  }

  useEffect(() => {
    setEditing(null);
    setReplyTo(null);
    setFailed(null);
    actions.openChannel(channel.id).catch((e) => setFailed(describeError(t, e, "READ_MESSAGE_HISTORY")));
    return () => actions.setCurrentChannel(null);
  }, [channel.id, t]);

  const editLast = () => {
    const s = getState();
    const w = s.messages[channel.id];
    const mine = w ? [...w.ids].reverse().find((id) => !w.byId[id].local && w.byId[id].author.id === s.me?.id) : undefined;
    if (mine) setEditing(mine);
  };

  const isGuild = !!channel.guild_id;
  const title = isGuild ? channel.name ?? "" : privateChannelName(getState(), channel);
  const label = isGuild ? t("messages.log_label", { name: title }) : t("messages.log_label_dm", { name: title });
  const voice = channel.type === ChannelType.GUILD_VOICE || channel.type === ChannelType.GUILD_STAGE_VOICE;
  const drop = useFileDrop(channel, isGuild ? `#${title}` : title);

  return (
    <section className="message-pane" aria-label={title}>
      <header className="pane-head">
        <button type="button" className="icon-button phone-only" aria-label={t("nav.open_navigation")} onClick={() => setUi({ drawer: "nav" })}>
          <Icon name="menu" />
        </button>
        <ChannelIcon channel={channel} />
        <h1 className="pane-title">{title}</h1>
        {channel.topic && (
          <span className="pane-topic" title={channel.topic}>
            {channel.topic}
          </span>
        )}
        <div className="pane-actions">
          {!isGuild && <StartCallButton channel={channel} />}
          {isGuild && (
            <button type="button" className="icon-button" aria-label={t("notifications.channel_button")} onClick={() => setUi({ notifications: { guildId: channel.guild_id!, channelId: channel.id } })}>
              <Icon name="bell" />
            </button>
          )}
          {isGuild && hasThreads && (
            <button type="button" className="icon-button" aria-label={t("threads.title")} aria-pressed={threadView !== null} onClick={() => setThreadView(threadView ? null : { kind: "list", parentId: channel.id })}>
              <Icon name="chat" />
            </button>
          )}
          <button type="button" className="icon-button" aria-label={t("pins.title")} aria-pressed={showPins} onClick={() => setUi({ pins: !showPins })}>
            <Icon name="pin" />
          </button>
          {isGuild && (
            <>
              <button type="button" className="icon-button desktop-only" aria-label={t("members.toggle")} onClick={() => setUi((u) => ({ showMembers: !u.showMembers }))}>
                <Icon name="members" />
              </button>
              <button type="button" className="icon-button phone-only" aria-label={t("members.open")} onClick={() => setUi({ drawer: "members" })}>
                <Icon name="members" />
              </button>
            </>
          )}
        </div>
      </header>
      {!isGuild && <CallArea channel={channel} />}
      <div className="pane-body">
        <div className="pane-main" {...drop.handlers}>
          {drop.zone}
          {voice && <div className="voice-note">{t("channels.voice_note")}</div>}
          {failed ? (
            <div className="pane-error" role="alert">
              {failed}
            </div>
          ) : window ? (
            <MessageList
              channelId={channel.id}
              window={window}
              unreadAfter={unreadAfter.current.id}
              editing={editing}
              onEdit={setEditing}
              onReply={setReplyTo}
              label={label}
              title={channel.guild_id ? `#${title}` : title}
            />
          ) : (
            <div className="message-list-wrap loading" role="log" aria-label={label} aria-busy="true">
              <p className="muted">{t("common.loading")}</p>
            </div>
          )}
          <Composer channel={channel} replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onEditLast={editLast} />
          <TypingIndicator channel={channel} />
        </div>
        {showPins && <PinsPanel channel={channel} />}
        {threadView?.kind === "thread" && <ThreadPanel key={threadView.threadId} parent={channel} threadId={threadView.threadId} />}
        {threadView?.kind === "list" && <ThreadList parent={channel} />}
      </div>
    </section>
  );
}
