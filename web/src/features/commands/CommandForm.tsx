import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { Avatar } from "../../ui/Avatar";
import { Icon } from "../../ui/Icon";
import { checkOptions, type CommandEntry } from "./commandRules";
import { commandsApi, describeInvokeError } from "./commandsApi";
import { OptionField } from "./OptionField";
import "./commands.css";

/** The composer while a command is picked: the command, a field per option (required first),
 * and Send. Each field says what is wrong with it before anything is sent; Enter sends, Esc
 * (outside an open list) goes back to the text. */
export function CommandForm({ channel, entry, onCancel, onSent }: { channel: Channel; entry: CommandEntry; onCancel: () => void; onSent: () => void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState<Record<string, true>>({});
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [files, setFiles] = useState<Record<string, File>>({});
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const sendRef = useRef<HTMLButtonElement>(null);
  const { given, errors } = checkOptions(entry.options, values);
  useEffect(() => {
    if (!entry.options.length) sendRef.current?.focus();
  }, [entry.options.length]);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(errors).length || busy) {
      const first = entry.options.find((o) => errors[o.name]);
      if (first) document.getElementById(`option-${entry.key.replace(/\W/g, "-")}-${first.name}`)?.focus();
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await commandsApi.runCommand(channel, entry, given, files, (sent, total) => setProgress({ sent, total }));
      onSent();
    } catch (error) {
      setFailure(describeInvokeError(t, error));
      setBusy(false);
      setProgress(null);
    }
  };
  const app = entry.application;
  return (
    <form
      className="command-form"
      aria-label={t("commands.form_label", { name: entry.label })}
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === "Escape" && !e.defaultPrevented) {
          e.preventDefault();
          onCancel();
        }
      }}
      noValidate
    >
      <div className="command-head">
        {app && <Avatar id={app.bot_id} name={app.name} size={20} />}
        <span className="command-chip">/{entry.label}</span>
        <span className="command-head-text">
          {entry.description}
          {app && <span className="muted"> · {app.name}</span>}
        </span>
        <button type="button" className="icon-button small" aria-label={t("commands.cancel")} onClick={onCancel}>
          <Icon name="close" size={16} />
        </button>
      </div>
      {entry.options.length > 0 && (
        <div className="command-options">
          {entry.options.map((option, i) => (
            <div
              key={option.name}
              onBlur={() => values[option.name] && setTouched((seen) => ({ ...seen, [option.name]: true }))}
            >
              <OptionField
                channel={channel}
                entry={entry}
                option={option}
                values={values}
                autoFocus={i === 0}
                onChange={(value) => setValues((v) => ({ ...v, [option.name]: value }))}
                file={files[option.name]}
                onFile={(file) =>
                  setFiles((chosen) => {
                    const { [option.name]: _gone, ...rest } = chosen;
                    return file ? { ...rest, [option.name]: file } : rest;
                  })
                }
                error={tried || touched[option.name] ? errors[option.name] : undefined}
              />
            </div>
          ))}
        </div>
      )}
      <div className="command-actions">
        {progress && progress.total > 0 && (
          <p className="command-progress" role="status">
            {t("commands.uploading", { percent: Math.floor((100 * progress.sent) / progress.total) })}
          </p>
        )}
        {failure && (
          <p className="form-error" role="alert">
            {failure}
          </p>
        )}
        <button ref={sendRef} type="submit" className="button primary small" disabled={busy} aria-busy={busy || undefined}>
          <Icon name="send" size={16} /> {t("commands.send")}
        </button>
      </div>
    </form>
  );
}
