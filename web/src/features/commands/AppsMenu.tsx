import { useEffect, useRef, useState } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { getState } from "../../state/store";
import { Icon } from "../../ui/Icon";
import { parseRoute } from "../app/router";
import { notify } from "../app/ui";
import { contextCommands, type Command } from "./commandRules";
import { commandsApi, describeInvokeError, useCommandIndex } from "./commandsApi";
import "./commands.css";

type Context = { command: Command; label: string; application: { name: string } | undefined };

function run(t: TFunction, channel: { id: string; guild_id?: string | null }, item: Context, targetId: string) {
  commandsApi.runContextCommand(channel, item.command, item.label, targetId).catch((error) => notify(describeInvokeError(t, error)));
}

/** The message toolbar's "Apps": the message commands the person may use in this channel (or
 * in the DM with a bot). Shown once the channel's command index (loaded with the composer) has
 * any. */
export function MessageApps({ message }: { message: Message }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const guildId = message.guild_id ?? getState().channels[message.channel_id]?.guild_id;
  // The toolbar comes and goes with the pointer: it reads the index the composer loaded, and
  // loads it again only when the menu opens.
  const index = useCommandIndex({ id: message.channel_id, guild_id: guildId }, open ? 1 : 0, open);
  const items = contextCommands(index, 3, i18n.language);
  if (!items.length) return null;
  return (
    <div className="apps-anchor">
      <button type="button" className="icon-button" aria-label={t("commands.apps")} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="grip" />
      </button>
      {open && (
        <AppsList
          label={t("commands.apps_for_message")}
          items={items}
          onClose={() => setOpen(false)}
          onPick={(item) => run(t, { id: message.channel_id, guild_id: guildId }, item, message.id)}
        />
      )}
    </div>
  );
}

/** A person's card: the user commands of the channel on screen. */
export function UserApps({ guildId, userId }: { guildId: string; userId: string }) {
  const { t, i18n } = useTranslation();
  const route = typeof location !== "undefined" ? parseRoute(location.pathname) : null;
  const channelId = route?.name === "guild" && route.guildId === guildId ? route.channelId : null;
  const index = useCommandIndex(channelId ? { id: channelId, guild_id: guildId } : null);
  const items = contextCommands(index, 2, i18n.language);
  if (!channelId || !items.length) return null;
  return (
    <section className="user-apps" aria-label={t("commands.apps")}>
      <h3>{t("commands.apps")}</h3>
      <div className="chip-row">
        {items.map((item) => (
          <button key={item.command.id} type="button" className="chip" onClick={() => run(t, { id: channelId, guild_id: guildId }, item, userId)}>
            {item.label}
          </button>
        ))}
      </div>
    </section>
  );
}

function AppsList({ label, items, onClose, onPick }: { label: string; items: Context[]; onClose: () => void; onPick: (item: Context) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.parentElement?.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [onClose]);
  return (
    <div
      className="menu apps-menu"
      role="menu"
      aria-label={label}
      ref={ref}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          const all = [...ref.current!.querySelectorAll<HTMLElement>("[role=menuitem]")];
          const at = all.indexOf(document.activeElement as HTMLElement);
          all[(at + (e.key === "ArrowDown" ? 1 : -1) + all.length) % all.length]?.focus();
        }
      }}
    >
      {items.map((item) => (
        <button
          key={item.command.id}
          type="button"
          role="menuitem"
          className="menu-item"
          onClick={() => {
            onPick(item);
            onClose();
          }}
        >
          <span>{item.label}</span>
          {item.application && <span className="muted small">{item.application.name}</span>}
        </button>
      ))}
    </div>
  );
}
