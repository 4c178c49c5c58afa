import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ChannelType, type Channel } from "../../api/types";
import { Avatar } from "../../ui/Avatar";
import { filterEntries, slashEntries, slashQuery, type CommandEntry } from "./commandRules";
import { useCommandIndex } from "./commandsApi";
import "./commands.css";

export interface CommandPicker {
  /** The list is on screen (the composer's textarea points at it). */
  open: boolean;
  listId: string;
  activeId: string | undefined;
  list: ReactNode;
  /** The composer's keys while the list is open: true when the key was the picker's. */
  onKeyDown: (event: React.KeyboardEvent) => boolean;
}

/** The slash command picker: "/" at the start of the composer lists the commands the person
 * may use in this channel (fetched again each time it opens), filtered as they type; ↓/↑ and
 * Enter or Tab pick one, Esc closes the list. In a DM it lists what the bot there offers for
 * its DMs (nothing in a DM between people; group DMs have no picker). */
export function useCommandPicker(channel: Channel, text: string, onPick: (entry: CommandEntry) => void): CommandPicker {
  const { t, i18n } = useTranslation();
  const query = channel.guild_id || channel.type === ChannelType.DM ? slashQuery(text) : null;
  const opened = query !== null;
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    if (opened) setRefresh((n) => n + 1);
  }, [opened]);
  const index = useCommandIndex(channel, refresh);
  const entries = useMemo(() => (index ? slashEntries(index, i18n.language) : []), [index, i18n.language]);
  const shown = useMemo(() => (query === null ? [] : filterEntries(entries, query)), [entries, query]);
  const [selected, setSelected] = useState(0);
  const [closedFor, setClosedFor] = useState<string | null>(null);
  useEffect(() => setSelected(0), [query]);
  const open = shown.length > 0 && closedFor !== text;
  const listId = `commands-${channel.id}`;
  const at = Math.min(selected, shown.length - 1);

  const onKeyDown = (event: React.KeyboardEvent): boolean => {
    if (!open) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setSelected((at + step + shown.length) % shown.length);
      return true;
    }
    if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
      event.preventDefault();
      onPick(shown[at]);
      return true;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      setClosedFor(text);
      return true;
    }
    return false;
  };

  const list = open ? (
    <ul className="suggestions command-picker" role="listbox" id={listId} aria-label={t("commands.picker")}>
      {shown.map((entry, i) => (
        <li
          key={entry.key}
          id={`${listId}-${i}`}
          role="option"
          aria-selected={i === at}
          className={i === at ? "selected" : ""}
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(entry);
          }}
        >
          {entry.application && <Avatar id={entry.application.bot_id} name={entry.application.name} size={24} />}
          <span className="command-entry">
            <span className="command-name">/{entry.label}</span>
            <span className="command-description">{entry.description}</span>
          </span>
          {entry.application && <span className="suggestion-detail">{entry.application.name}</span>}
        </li>
      ))}
    </ul>
  ) : null;
  return { open, listId, activeId: open ? `${listId}-${at}` : undefined, list, onKeyDown };
}
