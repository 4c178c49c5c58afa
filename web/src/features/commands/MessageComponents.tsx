import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { componentFailures, componentInteraction } from "../../state/interactions";
import { getState, useStore } from "../../state/store";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { commandsApi, describeInvokeError } from "./commandsApi";
import {
  actionRows,
  buttonClass,
  checkSelection,
  emojiText,
  isSelect,
  linkHref,
  selectBounds,
  type Button,
  type Select,
} from "./componentRules";
import { entityChoices, entityLabel, kindsOfSelect } from "./entities";
import { optionErrorText } from "./OptionField";
import "./commands.css";

/** A message's action rows: buttons and select menus of the application that sent it. Using
 * one sends a MESSAGE_COMPONENT interaction; the component shows that it waits until the
 * application answers (often by editing this message: MESSAGE_UPDATE), or that it did not. */
export function MessageComponents({ message }: { message: Message }) {
  const { t } = useTranslation();
  const rows = useMemo(() => actionRows(message.components), [message.components]);
  const failures = useStore((s) => componentFailures(s.interactions, message.id));
  if (!rows.length) return null;
  return (
    <div className="message-components">
      {rows.map((row, r) => (
        <div key={r} className="component-row" role="group">
          {row.components.map((component, c) =>
            isSelect(component) ? (
              <SelectMenu key={component.custom_id} message={message} select={component} />
            ) : (
              <ComponentButton key={component.custom_id ?? `${r}-${c}`} message={message} button={component} />
            ),
          )}
        </div>
      ))}
      {failures.map((failure) => (
        <p key={failure.nonce} className="interaction-failed" role="alert">
          <Icon name="warning" size={14} /> {t("commands.did_not_respond")}{" "}
          <button type="button" className="link-button" onClick={() => commandsApi.dismissFailure(failure.nonce)}>
            {t("common.dismiss")}
          </button>
        </p>
      ))}
    </div>
  );
}

function useWaiting(message: Message, customId: string | undefined): boolean {
  return useStore((s) => {
    const found = customId ? componentInteraction(s.interactions, message.id, customId) : undefined;
    return !!found && !found.failed;
  });
}

function ComponentButton({ message, button }: { message: Message; button: Button }) {
  const { t } = useTranslation();
  const waiting = useWaiting(message, button.custom_id);
  const emoji = emojiText(button.emoji);
  const label = button.label || emoji;
  const content = (
    <>
      {emoji && <span className="component-emoji" aria-hidden={button.label ? true : undefined}>{emoji}</span>}
      {button.label && <span>{button.label}</span>}
    </>
  );
  if (button.url !== undefined) {
    const href = linkHref(button.url);
    if (!href || button.disabled) {
      return (
        <button type="button" className={buttonClass(5)} disabled>
          {content}
        </button>
      );
    }
    return (
      <a className={buttonClass(5)} href={href} target="_blank" rel="noopener noreferrer nofollow" aria-label={t("commands.link_label", { label })}>
        {content}
        <Icon name="link" size={14} />
      </a>
    );
  }
  const press = () =>
    commandsApi.click(message, button, label).catch((error) => notify(describeInvokeError(t, error)));
  return (
    <button
      type="button"
      className={`${buttonClass(button.style)} ${waiting ? "waiting" : ""}`}
      disabled={button.disabled}
      aria-disabled={waiting || undefined}
      aria-busy={waiting || undefined}
      onClick={() => !waiting && void press()}
    >
      {waiting && <span className="component-spinner" aria-hidden="true" />}
      {content}
    </button>
  );
}

interface MenuChoice {
  value: string;
  label: string;
  description?: string;
}

/** A select menu: a button that opens a list (one pick sends at once; several are picked,
 * then sent with "Send"). Member, role and channel selects list the guild's, with a search. */
function SelectMenu({ message, select }: { message: Message; select: Select }) {
  const { t } = useTranslation();
  const waiting = useWaiting(message, select.custom_id);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const defaults = useMemo(() => select.options?.filter((o) => o.default).map((o) => o.value) ?? select.default_values?.map((d) => d.id) ?? [], [select]);
  const [picked, setPicked] = useState<string[]>(defaults);
  useEffect(() => setPicked(defaults), [defaults]);
  const ref = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const guildId = message.guild_id ?? getState().channels[message.channel_id]?.guild_id ?? "";
  const kinds = kindsOfSelect(select.type);
  const members = useStore((s) => (kinds.length ? s.members[guildId] : undefined));
  const choices = useMemo<MenuChoice[]>(() => {
    if (!kinds.length) {
      const q = query.trim().toLowerCase();
      return (select.options ?? [])
        .filter((o) => !q || o.label.toLowerCase().includes(q))
        .map((o) => ({ value: o.value, label: [emojiText(o.emoji), o.label].filter(Boolean).join(" "), description: o.description }));
    }
    return entityChoices(getState(), guildId, kinds, query, { channelTypes: select.channel_types }).map((c) => ({ value: c.id, label: c.label, description: c.detail }));
    // `members` is a dependency: the list follows the guild's members as they arrive.
  }, [select, query, guildId, members]);
  const { max } = selectBounds(select);
  const multiple = max > 1;
  const searchable = kinds.length > 0 || (select.options?.length ?? 0) > 10;
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [open]);
  useEffect(() => {
    if (open && !searchable) listRef.current?.focus();
  }, [open, searchable]);

  const labelOf = (value: string) =>
    kinds.length ? entityLabel(getState(), guildId, value) : select.options?.find((o) => o.value === value)?.label ?? value;
  const summary = picked.length ? picked.map(labelOf).join(", ") : select.placeholder || t("commands.select_placeholder");
  const close = () => {
    setOpen(false);
    setQuery("");
    trigger.current?.focus();
  };
  const send = (values: string[]) => {
    close();
    commandsApi.click(message, select, summary, values).catch((error) => notify(describeInvokeError(t, error)));
    setPicked(defaults);
  };
  const choose = (value: string) => {
    if (!multiple) return send([value]);
    setPicked((now) => (now.includes(value) ? now.filter((v) => v !== value) : now.length < max ? [...now, value] : now));
  };
  const error = multiple ? checkSelection(select, picked) : null;
  const listId = `select-${message.id}-${select.custom_id.replace(/\W/g, "-")}`;

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!choices.length) return;
      setActive((active + (e.key === "ArrowDown" ? 1 : -1) + choices.length) % choices.length);
    } else if ((e.key === "Enter" || (e.key === " " && e.target === listRef.current)) && choices[active]) {
      e.preventDefault();
      choose(choices[active].value);
    }
  };

  return (
    <div className="select-menu" ref={ref}>
      <button
        ref={trigger}
        type="button"
        className={`select-trigger ${waiting ? "waiting" : ""}`}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-busy={waiting || undefined}
        disabled={select.disabled}
        onClick={() => !waiting && setOpen(!open)}
      >
        {waiting && <span className="component-spinner" aria-hidden="true" />}
        <span className={picked.length ? "" : "muted"}>{summary}</span>
        <Icon name="category" size={14} />
      </button>
      {open && (
        <div className="select-popover" onKeyDown={onKeyDown}>
          {searchable && (
            <input
              className="select-search"
              value={query}
              autoFocus
              role="combobox"
              aria-label={t("commands.search")}
              aria-controls={listId}
              aria-expanded="true"
              aria-activedescendant={choices[active] ? `${listId}-${active}` : undefined}
              onChange={(e) => {
                setQuery(e.target.value);
                setActive(0);
              }}
            />
          )}
          <ul
            ref={listRef}
            id={listId}
            className="select-options"
            role="listbox"
            tabIndex={searchable ? -1 : 0}
            aria-label={select.placeholder || t("commands.select_placeholder")}
            aria-multiselectable={multiple || undefined}
            aria-activedescendant={!searchable && choices[active] ? `${listId}-${active}` : undefined}
          >
            {choices.map((choice, i) => {
              const chosen = picked.includes(choice.value);
              return (
                <li
                  key={choice.value}
                  id={`${listId}-${i}`}
                  role="option"
                  aria-selected={chosen}
                  className={`${i === active ? "active" : ""} ${chosen ? "chosen" : ""}`}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    choose(choice.value);
                  }}
                >
                  <span className="select-check" aria-hidden="true">{chosen ? "✓" : ""}</span>
                  <span className="select-option-text">
                    <span>{choice.label}</span>
                    {choice.description && <span className="muted small">{choice.description}</span>}
                  </span>
                </li>
              );
            })}
          </ul>
          {!choices.length && <p className="muted select-empty">{t("commands.no_matches")}</p>}
          {multiple && (
            <div className="select-footer">
              {error && <span className="command-option-error">{optionErrorText(t, error)}</span>}
              <button type="button" className="button primary small" disabled={!!error} onClick={() => send(picked)}>
                {t("commands.select_send")}
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
