import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { getState, useStore } from "../../state/store";
import { notify } from "../app/ui";
import { Combobox, type ComboItem } from "./Combobox";
import { choiceLabels, localized, OptionType, type CommandEntry, type CommandOption, type OptionError } from "./commandRules";
import { commandsApi, describeInvokeError } from "./commandsApi";
import { entityChoices, entityLabel, kindsOfOption } from "./entities";
import { formatSize } from "../messages/attachmentRules";
import { Icon } from "../../ui/Icon";

/** How long typing pauses before an autocomplete option asks the application. */
const AUTOCOMPLETE_PAUSE_MS = 250;

export function optionErrorText(t: (key: string, values?: Record<string, unknown>) => string, error: OptionError): string {
  return t(`commands.errors.${error.key}`, error.values ?? {});
}

interface FieldProps {
  channel: Channel;
  entry: CommandEntry;
  option: CommandOption;
  /** Every option's text so far (autocomplete sends them along). */
  values: Record<string, string>;
  onChange: (value: string) => void;
  error: OptionError | undefined;
  autoFocus: boolean;
  /** A file option's chosen file, and how it changes. */
  file?: File;
  onFile?: (file: File | null) => void;
}

/** One option of a command: its name and description in the person's language, the input its
 * type calls for, and what is wrong with it. */
export function OptionField(props: FieldProps) {
  const { t, i18n } = useTranslation();
  const { option, entry } = props;
  const id = `option-${entry.key.replace(/\W/g, "-")}-${option.name}`;
  const name = localized(option.name, option.name_localizations, i18n.language);
  const description = localized(option.description, option.description_localizations, i18n.language);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hintId, props.error ? errorId : ""].filter(Boolean).join(" ");
  const common = { id, describedBy, invalid: !!props.error, autoFocus: props.autoFocus };
  return (
    <div className={`command-option ${props.error ? "invalid" : ""}`}>
      <label htmlFor={id} className="command-option-name">
        {name}
        {!option.required && <span className="muted"> {t("commands.optional")}</span>}
      </label>
      <OptionInput {...props} {...common} />
      <span id={hintId} className="command-option-hint">
        {description}
      </span>
      {props.error && (
        <span id={errorId} className="command-option-error">
          {optionErrorText(t, props.error)}
        </span>
      )}
    </div>
  );
}

function OptionInput(props: FieldProps & { id: string; describedBy: string; invalid: boolean }) {
  const { t, i18n } = useTranslation();
  const { option, value, onChange } = { ...props, value: props.values[props.option.name] ?? "" };
  const aria = { id: props.id, "aria-describedby": props.describedBy, "aria-invalid": props.invalid || undefined, "aria-required": option.required || undefined };
  if (option.choices?.length) {
    return (
      <select {...aria} value={value} autoFocus={props.autoFocus} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t("commands.choose")}</option>
        {choiceLabels(option, i18n.language).map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    );
  }
  switch (option.type) {
    case OptionType.BOOLEAN:
      return (
        <select {...aria} value={value} autoFocus={props.autoFocus} onChange={(e) => onChange(e.target.value)}>
          <option value="">{t("commands.choose")}</option>
          <option value="true">{t("commands.true")}</option>
          <option value="false">{t("commands.false")}</option>
        </select>
      );
    case OptionType.ATTACHMENT:
      return <FileInput {...props} />;
    case OptionType.USER:
    case OptionType.CHANNEL:
    case OptionType.ROLE:
    case OptionType.MENTIONABLE:
      return <EntityInput {...props} />;
    default:
      if (option.autocomplete) return <AutocompleteInput {...props} />;
      return (
        <input
          {...aria}
          value={value}
          autoFocus={props.autoFocus}
          autoComplete="off"
          inputMode={option.type === OptionType.INTEGER ? "numeric" : option.type === OptionType.NUMBER ? "decimal" : undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

/** A file option: the browser's file chooser behind a button in the person's language (the
 * input keeps the option's label and takes the focus: Space or Enter opens the chooser), then
 * the chosen file's name and size with a way to take it back. */
function FileInput(props: FieldProps & { id: string; describedBy: string; invalid: boolean }) {
  const { t, i18n } = useTranslation();
  const { option, file } = props;
  const input = useRef<HTMLInputElement>(null);
  const choose = (chosen: File | null) => {
    props.onFile?.(chosen);
    props.onChange(chosen ? chosen.name : "");
  };
  return (
    <div className="command-file">
      <input
        ref={input}
        id={props.id}
        type="file"
        className="sr-only command-file-input"
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid || undefined}
        aria-required={option.required || undefined}
        autoFocus={props.autoFocus}
        onChange={(e) => choose(e.target.files?.[0] ?? null)}
      />
      <label htmlFor={props.id} className="button small command-file-button">
        {file ? t("commands.change_file") : t("commands.choose_file")}
      </label>
      {file ? (
        <span className="command-file-name">
          {file.name} <span className="muted">{formatSize(file.size, i18n.language)}</span>
          <button
            type="button"
            className="icon-button small"
            aria-label={t("commands.remove_file", { name: file.name })}
            onClick={() => {
              if (input.current) input.current.value = "";
              choose(null);
              input.current?.focus();
            }}
          >
            <Icon name="close" size={14} />
          </button>
        </span>
      ) : (
        <span className="muted">{t("commands.no_file")}</span>
      )}
    </div>
  );
}

/** A member, a role or a channel of the guild, found by typing part of its name. */
function EntityInput(props: FieldProps & { id: string; describedBy: string; invalid: boolean }) {
  const { t } = useTranslation();
  const guildId = props.channel.guild_id ?? "";
  const value = props.values[props.option.name] ?? "";
  const [text, setText] = useState(() => (value ? entityLabel(getState(), guildId, value) : ""));
  const members = useStore((s) => s.members[guildId]);
  const kinds = kindsOfOption(props.option.type);
  const items = useMemo<ComboItem[]>(
    () =>
      entityChoices(getState(), guildId, kinds, text, { channelTypes: props.option.channel_types, limit: 10 }).map((c) => ({ key: c.id, label: c.label, detail: c.detail })),
    [guildId, text, members, props.option.type],
  );
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (props.autoFocus) ref.current?.querySelector("input")?.focus();
  }, [props.autoFocus]);
  return (
    <div ref={ref}>
      <Combobox
        id={props.id}
        text={text}
        items={items}
        listLabel={t("commands.matches")}
        describedBy={props.describedBy}
        invalid={props.invalid}
        required={props.option.required}
        placeholder={t("commands.type_to_find")}
        onText={(typed) => {
          setText(typed);
          props.onChange(typed); // not an id until one is picked: "pick from the list"
        }}
        onPick={(item) => {
          setText(item.label);
          props.onChange(item.key);
        }}
      />
    </div>
  );
}

/** An option whose suggestions come from the application (type 4 interactions, answered
 * with APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE). */
function AutocompleteInput(props: FieldProps & { id: string; describedBy: string; invalid: boolean }) {
  const { t, i18n } = useTranslation();
  const { option } = props;
  const value = props.values[option.name] ?? "";
  const [text, setText] = useState(value);
  const [nonce, setNonce] = useState<string | null>(null);
  const suggestions = useStore((s) => (nonce ? s.interactions.suggestions[nonce] : undefined));
  const waiting = useStore((s) => !!nonce && !!s.interactions.pending[nonce]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(props.values);
  latest.current = { ...props.values };
  const ask = (typed: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      commandsApi
        .autocomplete(props.channel, props.entry, { ...latest.current, [option.name]: typed }, option.name)
        .then(setNonce, (error) => notify(describeInvokeError(t, error)));
    }, AUTOCOMPLETE_PAUSE_MS);
  };
  useEffect(() => () => clearTimeout(timer.current), []);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (props.autoFocus) ref.current?.querySelector("input")?.focus();
  }, [props.autoFocus]);
  const items: ComboItem[] = (suggestions ?? []).map((s, i) => ({
    key: `${i}:${s.value}`,
    label: localized(s.name, s.name_localizations, i18n.language),
  }));
  return (
    <div ref={ref}>
      <Combobox
        id={props.id}
        text={text}
        items={items}
        busy={waiting}
        listLabel={t("commands.suggestions")}
        describedBy={props.describedBy}
        invalid={props.invalid}
        required={option.required}
        inputMode={option.type === OptionType.INTEGER ? "numeric" : option.type === OptionType.NUMBER ? "decimal" : undefined}
        onFocus={() => {
          if (!nonce) ask(text);
        }}
        onText={(typed) => {
          setText(typed);
          props.onChange(typed);
          ask(typed);
        }}
        onPick={(item) => {
          const picked = suggestions?.[Number(item.key.split(":")[0])];
          if (!picked) return;
          setText(item.label);
          props.onChange(String(picked.value));
        }}
      />
    </div>
  );
}
