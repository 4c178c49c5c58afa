import { lazy, Suspense, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Channel } from "../../api/types";
import { P } from "../../lib/permissions";
import { actions, getState, useStore } from "../../state/store";
import { can, displayName, isTextChannel, privateChannelName } from "../../state/selectors";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { addFiles, AttachmentTray } from "./AttachmentTray";
import { draftFiles, sendWithFiles, takeDraft, useDraft } from "./AttachmentUpload";
import { searchEmoji } from "./emojiSearch";
import { FileIcon } from "./FileIcon";
import { LiveShareBar, LocationButton } from "./LocationShare";
import { canRecord, VoiceRecorder } from "./VoiceRecorder";
import { communityApi } from "../community/communityApi";
import { MustReadToggle } from "../community/MustReadToggle";
import { describeError } from "../../ui/errors";
import { useCommandPicker } from "../commands/CommandPicker";
import { CommandForm } from "../commands/CommandForm";
import type { CommandEntry } from "../commands/commandRules";
import { InteractionStatus } from "../commands/InteractionLines";
import { ModalHost } from "../commands/InteractionModal";

const EmojiPopover = lazy(() => import("./EmojiPopover"));

export const MAX_LENGTH = 2000;
const TYPING_EVERY_MS = 8000;

export interface Suggestion {
  key: string;
  label: string;
  detail?: string;
  insert: string;
}

/** The word being typed that starts with @, # or : (and where it starts). */
export function activeTrigger(text: string, caret: number): { kind: "@" | "#" | ":"; query: string; start: number } | null {
  const before = text.slice(0, caret);
  const match = /(?:^|\s)([@#:])([^\s@#:]*)$/.exec(before);
  if (!match) return null;
  const kind = match[1] as "@" | "#" | ":";
  if (kind === ":" && match[2].length < 2) return null;
  return { kind, query: match[2].toLowerCase(), start: caret - match[2].length - 1 };
}

function useSuggestions(channel: Channel, trigger: ReturnType<typeof activeTrigger>): Suggestion[] {
  const [emoji, setEmoji] = useState<Suggestion[]>([]);
  const kind = trigger?.kind;
  const query = trigger?.query ?? "";
  useEffect(() => {
    if (kind !== ":") return;
    let alive = true;
    void searchEmoji(query).then((found) => {
      if (alive) setEmoji(found.map((e) => ({ key: e.id, label: e.native, detail: `:${e.id}:`, insert: e.native })));
    });
    return () => {
      alive = false;
    };
  }, [kind, query]);
  return useMemo(() => {
    if (!kind) return [];
    if (kind === ":") return emoji;
    const s = getState();
    const guildId = channel.guild_id;
    if (kind === "#") {
      if (!guildId) return [];
      return (s.guilds[guildId]?.channelIds ?? [])
        .map((id) => s.channels[id])
        .filter((c) => isTextChannel(c) && (c.name ?? "").toLowerCase().includes(query))
        .slice(0, 8)
        .map((c) => ({ key: c.id, label: `#${c.name}`, insert: `<#${c.id}>` }));
    }
    const people = guildId
      ? Object.keys(s.members[guildId] ?? {})
      : [...(channel.recipients ?? []).map((u) => u.id), ...(s.me ? [s.me.id] : [])];
    const users = people
      .map((id) => ({ id, name: displayName(s, id, guildId), username: s.users[id]?.username ?? "" }))
      .filter((u) => u.name.toLowerCase().includes(query) || u.username.toLowerCase().includes(query))
      .slice(0, 8)
      .map((u) => ({ key: u.id, label: `@${u.name}`, detail: u.username, insert: `<@${u.id}>` }));
    const roles = guildId
      ? Object.values(s.guilds[guildId]?.roles ?? {})
          .filter((r) => r.id !== guildId && r.name.toLowerCase().includes(query))
          .slice(0, 4)
          .map((r) => ({ key: r.id, label: `@${r.name}`, insert: `<@&${r.id}>` }))
      : [];
    const everyone = guildId && "everyone".startsWith(query) ? [{ key: "everyone", label: "@everyone", insert: "@everyone" }] : [];
    return [...users, ...roles, ...everyone];
  }, [kind, query, emoji, channel]);
}

export function Composer({ channel, replyTo, onCancelReply, onEditLast }: { channel: Channel; replyTo: string | null; onCancelReply: () => void; onEditLast: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const [selected, setSelected] = useState(0);
  const [picker, setPicker] = useState(false);
  const [recording, setRecording] = useState(false);
  /** The next announcement is must-read (a community's announcement channel; MustReadToggle). */
  const [mustRead, setMustRead] = useState(false);
  /** The slash command picked from the picker: its options form replaces the text. */
  const [command, setCommand] = useState<CommandEntry | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const picked = useRef<HTMLInputElement>(null);
  const lastTyping = useRef(0);
  const maySend = useStore((s) => can(s, channel.id, P.SEND_MESSAGES));
  const mayAttach = useStore((s) => can(s, channel.id, P.ATTACH_FILES));
  const mayRecord = useStore((s) => can(s, channel.id, P.SEND_VOICE_MESSAGES)) && canRecord();
  const mayLocate = typeof navigator !== "undefined" && !!navigator.geolocation;
  const files = useDraft(channel.id);
  const replyName = useStore((s) => {
    const m = replyTo ? s.messages[channel.id]?.byId[replyTo] : undefined;
    return m ? displayName(s, m.author.id, channel.guild_id) : null;
  });
  const trigger = activeTrigger(text, caret);
  const suggestions = useSuggestions(channel, trigger);
  const slash = useCommandPicker(channel, text, (entry) => {
    setCommand(entry);
    setText("");
    setCaret(0);
  });
  const listId = slash.open ? slash.listId : `suggestions-${channel.id}`;
  const place = channel.guild_id ? `#${channel.name}` : privateChannelName(getState(), channel);

  useEffect(() => {
    setSelected(0);
  }, [trigger?.kind, trigger?.query]);
  useEffect(() => {
    ref.current?.focus();
  }, [channel.id, replyTo]);
  useEffect(() => setRecording(false), [channel.id]);
  useEffect(() => setMustRead(false), [channel.id]);
  useEffect(() => setCommand(null), [channel.id]);
  const backFromCommand = useRef(false);
  const commandDone = () => {
    backFromCommand.current = true;
    setCommand(null);
  };
  useEffect(() => {
    // The text field is back in place of the command's form: the focus goes back to it.
    if (command || !backFromCommand.current) return;
    backFromCommand.current = false;
    ref.current?.focus();
  }, [command]);
  const pendingCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    const position = pendingCaret.current;
    if (position === null) return;
    pendingCaret.current = null;
    ref.current?.setSelectionRange(position, position);
  }, [text]);

  const insert = (suggestion: Suggestion) => {
    if (!trigger) return;
    const next = `${text.slice(0, trigger.start)}${suggestion.insert} ${text.slice(caret)}`;
    const position = trigger.start + suggestion.insert.length + 1;
    setText(next);
    setCaret(position);
    // Placed when React has written the new text, in the same task (useLayoutEffect below): a
    // keystroke right after Tab or Enter must land after the inserted mention, not before it.
    pendingCaret.current = position;
  };

  const send = () => {
    const content = text.trim();
    const withFiles = draftFiles(channel.id).length > 0;
    if (!content && !withFiles) return;
    if (content.length > MAX_LENGTH) {
      notify(t("errors.too_long_count", { count: MAX_LENGTH }));
      return;
    }
    setText("");
    setCaret(0);
    lastTyping.current = 0; // the next keystroke says "typing" again, as after any message
    onCancelReply();
    if (mustRead && !withFiles) {
      setMustRead(false);
      communityApi.sendMustRead(channel.id, content, replyTo ?? undefined).catch((error) => {
        setText(content);
        setMustRead(true);
        notify(describeError(t, error, "MANAGE_MESSAGES"));
      });
    } else if (withFiles) sendWithFiles({ channelId: channel.id, content, files: takeDraft(channel.id), replyTo: replyTo ?? undefined });
    else void actions.send(channel.id, content, replyTo ?? undefined);
  };

  const onPaste = (event: React.ClipboardEvent<HTMLTextAreaElement>) => {
    const pasted = [...event.clipboardData.files];
    if (!pasted.length || !mayAttach) return;
    event.preventDefault();
    addFiles(t, channel.id, pasted);
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (slash.onKeyDown(event)) return;
    if (suggestions.length && trigger) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setSelected((selected + step + suggestions.length) % suggestions.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        insert(suggestions[selected]);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setCaret(-1);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === "ArrowUp" && !text && !event.altKey) {
      event.preventDefault();
      onEditLast();
    } else if (event.key === "Escape" && replyTo) {
      event.preventDefault();
      onCancelReply();
    }
  };

  const onChange = (value: string, position: number) => {
    setText(value);
    setCaret(position);
    const now = Date.now();
    if (value && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      api.typing(channel.id).catch(() => undefined);
    }
  };

  if (!maySend) {
    return (
      <div className="composer composer-disabled" role="note">
        <Icon name="lock" size={16} /> {t("composer.no_permission")}
        <ModalHost />
      </div>
    );
  }
  const over = text.length - MAX_LENGTH;
  const empty = !text.trim() && !files.length;
  return (
    <div className="composer-wrap">
      {replyTo && (
        <div className="reply-bar">
          <span>{t("composer.replying_to", { name: replyName ?? "" })}</span>
          <button type="button" className="icon-button" aria-label={t("composer.cancel_reply")} onClick={onCancelReply}>
            <Icon name="close" size={16} />
          </button>
        </div>
      )}
      <ModalHost />
      <InteractionStatus channelId={channel.id} />
      {slash.list}
      {!slash.open && trigger && suggestions.length > 0 && (
        <ul className="suggestions" role="listbox" id={listId} aria-label={t("composer.suggestions")}>
          {suggestions.map((s, i) => (
            <li
              key={s.key}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === selected}
              className={i === selected ? "selected" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(s);
              }}
            >
              <span className="suggestion-label">{s.label}</span>
              {s.detail && <span className="suggestion-detail">{s.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      <MustReadToggle channelId={channel.id} checked={mustRead} onChange={setMustRead} />
      <LiveShareBar channelId={channel.id} />
      {mayAttach && <AttachmentTray channelId={channel.id} />}
      {recording ? (
        <VoiceRecorder
          channelId={channel.id}
          replyTo={replyTo}
          onDone={(sent) => {
            setRecording(false);
            if (sent) onCancelReply();
            requestAnimationFrame(() => ref.current?.focus());
          }}
        />
      ) : command ? (
        <CommandForm channel={channel} entry={command} onCancel={commandDone} onSent={commandDone} />
      ) : (
        <div className="composer">
          {mayAttach && (
            <>
              <button type="button" className="icon-button attach-button" aria-label={t("files.attach")} onClick={() => picked.current?.click()}>
                <FileIcon name="attach" />
              </button>
              <input
                ref={picked}
                type="file"
                multiple
                hidden
                tabIndex={-1}
                onChange={(e) => {
                  addFiles(t, channel.id, [...(e.target.files ?? [])]);
                  e.target.value = "";
                  ref.current?.focus();
                }}
              />
            </>
          )}
          {mayLocate && (
            <LocationButton
              channelId={channel.id}
              replyTo={replyTo}
              onShared={() => {
                onCancelReply();
                ref.current?.focus();
              }}
            />
          )}
          <textarea
            ref={ref}
            value={text}
            rows={Math.min(10, text.split("\n").length)}
            placeholder={t("composer.placeholder", { place })}
            aria-label={t("composer.label", { place })}
            role="combobox"
            aria-expanded={slash.open || (!!trigger && suggestions.length > 0)}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={slash.open ? slash.activeId : trigger && suggestions.length ? `${listId}-${selected}` : undefined}
            onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
          />
          {over > -200 && <span className={`char-count ${over > 0 ? "over" : ""}`} aria-live="polite">{MAX_LENGTH - text.length}</span>}
          <button type="button" className="icon-button" aria-label={t("composer.emoji")} aria-expanded={picker} onClick={() => setPicker(!picker)}>
            <Icon name="smile" />
          </button>
          {empty && mayRecord ? (
            <button type="button" className="icon-button record-button" aria-label={t("files.record")} onClick={() => setRecording(true)}>
              <FileIcon name="mic" />
            </button>
          ) : (
            <button type="button" className="icon-button send-button" aria-label={t("composer.send")} onClick={send} disabled={empty}>
              <Icon name="send" />
            </button>
          )}
          {picker && (
            <Suspense fallback={null}>
              <EmojiPopover
                onPick={(emoji) => {
                  setPicker(false);
                  setText((v) => v + emoji);
                  ref.current?.focus();
                }}
                onClose={() => setPicker(false)}
              />
            </Suspense>
          )}
        </div>
      )}
    </div>
  );
}
