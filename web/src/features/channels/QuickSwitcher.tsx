import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { getState } from "../../state/store";
import { channelBadge, isTextChannel, privateChannelName } from "../../state/selectors";
import { Dialog } from "../../ui/Dialog";
import { navigate, channelPath } from "../app/router";
import { setUi } from "../app/ui";

interface Entry {
  id: string;
  guildId: string | null;
  label: string;
  detail: string;
  unread: boolean;
}

/** Ctrl/Cmd+K: jump to any channel or DM by typing part of its name. */
export function QuickSwitcher() {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [selected, setSelected] = useState(0);
  const entries = useMemo<Entry[]>(() => {
    const s = getState();
    const all: Entry[] = [];
    for (const id of s.privateChannelIds) {
      const c = s.channels[id];
      if (c) all.push({ id, guildId: null, label: privateChannelName(s, c), detail: t("dms.title"), unread: channelBadge(s, id).unread });
    }
    for (const guildId of s.guildIds) {
      const guild = s.guilds[guildId];
      for (const id of guild?.channelIds ?? []) {
        const c = s.channels[id];
        if (isTextChannel(c)) all.push({ id, guildId, label: `#${c.name}`, detail: guild.name, unread: channelBadge(s, id).unread });
      }
    }
    return all;
  }, [t]);
  const q = query.trim().toLowerCase().replace(/^[#@]/, "");
  const found = (q ? entries.filter((e) => e.label.toLowerCase().includes(q)) : entries.filter((e) => e.unread).concat(entries.filter((e) => !e.unread))).slice(0, 12);
  const go = (entry: Entry | undefined) => {
    if (!entry) return;
    setUi({ quickSwitcher: false, drawer: "none" });
    navigate(channelPath(entry.guildId, entry.id));
  };
  return (
    <Dialog title={t("switcher.title")} onClose={() => setUi({ quickSwitcher: false })} className="switcher">
      <input
        className="switcher-input"
        value={query}
        autoFocus
        role="combobox"
        aria-expanded="true"
        aria-controls="switcher-list"
        aria-activedescendant={found[selected] ? `switch-${found[selected].id}` : undefined}
        aria-label={t("switcher.placeholder")}
        placeholder={t("switcher.placeholder")}
        onChange={(e) => {
          setQuery(e.target.value);
          setSelected(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setSelected((selected + 1) % Math.max(1, found.length));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setSelected((selected - 1 + found.length) % Math.max(1, found.length));
          } else if (e.key === "Enter") {
            e.preventDefault();
            go(found[selected]);
          }
        }}
      />
      <ul id="switcher-list" role="listbox" className="switcher-list" aria-label={t("switcher.results")}>
        {found.map((entry, i) => (
          <li
            key={entry.id}
            id={`switch-${entry.id}`}
            role="option"
            aria-selected={i === selected}
            className={`${i === selected ? "selected" : ""} ${entry.unread ? "unread" : ""}`}
            onMouseDown={(e) => {
              e.preventDefault();
              go(entry);
            }}
          >
            <span>{entry.label}</span>
            <span className="muted">{entry.detail}</span>
          </li>
        ))}
        {found.length === 0 && <li className="muted">{t("switcher.nothing")}</li>}
      </ul>
    </Dialog>
  );
}
