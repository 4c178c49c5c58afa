import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ShownModal } from "../../state/interactions";
import { getState, useStore } from "../../state/store";
import { Dialog } from "../../ui/Dialog";
import { checkModal, initialModalValues, modalFields, selectBounds, type ModalField, type ModalValues } from "./componentRules";
import { commandsApi, describeInvokeError } from "./commandsApi";
import { entityChoices, kindsOfSelect } from "./entities";
import { optionErrorText } from "./OptionField";
import "./commands.css";

/** The modal an application opened for this tab (INTERACTION_MODAL_CREATE), one at a time. */
export function ModalHost() {
  const modal = useStore((s) => s.interactions.modals[0]);
  return modal ? <InteractionModal key={modal.id} modal={modal} /> : null;
}

/** Its title, its inputs (short or paragraph text, a select in a label, texts to read), checked
 * as the application asked (required, lengths) before it goes as a MODAL_SUBMIT. */
function InteractionModal({ modal }: { modal: ShownModal }) {
  const { t } = useTranslation();
  const fields = useMemo(() => modalFields(modal.components), [modal.components]);
  const [values, setValues] = useState<ModalValues>(() => initialModalValues(fields));
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const errors = checkModal(fields, values);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(errors).length || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      await commandsApi.submitModal(modal, values);
    } catch (error) {
      setFailure(describeInvokeError(t, error));
      setBusy(false);
    }
  };
  const set = (customId: string, value: string | string[]) => setValues((v) => ({ ...v, [customId]: value }));
  let focused = false;
  const autofocus = () => {
    if (focused) return false;
    focused = true;
    return true;
  };
  return (
    <Dialog title={modal.title} onClose={() => commandsApi.closeModal(modal)} className="interaction-modal">
      <form className="form" onSubmit={submit} noValidate>
        {modal.application.name && <p className="muted small">{t("commands.modal_from", { name: modal.application.name })}</p>}
        {fields.map((field, i) => (
          <ModalInput key={i} field={field} values={values} onChange={set} error={tried ? errors[fieldId(field)] : undefined} autoFocus={field.kind !== "display" && autofocus()} channelId={modal.channelId} />
        ))}
        {failure && (
          <p className="form-error" role="alert">
            {failure}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={() => commandsApi.closeModal(modal)}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="button primary" disabled={busy} aria-busy={busy || undefined}>
            {t("commands.submit")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function fieldId(field: ModalField): string {
  return field.kind === "text" ? field.input.custom_id : field.kind === "select" ? field.select.custom_id : "";
}

function ModalInput(props: {
  field: ModalField;
  values: ModalValues;
  onChange: (customId: string, value: string | string[]) => void;
  error: ReturnType<typeof checkModal>[string] | undefined;
  autoFocus: boolean;
  channelId: string;
}) {
  const { t } = useTranslation();
  const { field } = props;
  if (field.kind === "display") return <p className="modal-text">{field.content}</p>;
  const id = `modal-${fieldId(field).replace(/\W/g, "-")}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [field.description ? hintId : "", props.error ? errorId : ""].filter(Boolean).join(" ") || undefined;
  const required = field.kind === "text" ? field.input.required !== false : field.select.required !== false;
  let control: React.ReactNode;
  if (field.kind === "text") {
    const input = field.input;
    const value = String(props.values[input.custom_id] ?? "");
    const common = {
      id,
      value,
      placeholder: input.placeholder,
      autoFocus: props.autoFocus,
      "aria-describedby": describedBy,
      "aria-invalid": props.error ? true : undefined,
      "aria-required": required || undefined,
      onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => props.onChange(input.custom_id, e.target.value),
    };
    control = (
      <>
        {input.style === 2 ? <textarea {...common} rows={4} /> : <input {...common} autoComplete="off" />}
        {input.max_length && (
          <span className="muted small modal-count" aria-hidden="true">
            {[...value].length}/{input.max_length}
          </span>
        )}
      </>
    );
  } else {
    const select = field.select;
    const picked = props.values[select.custom_id];
    const list = Array.isArray(picked) ? picked : [];
    const { max } = selectBounds(select);
    const guildId = getState().channels[props.channelId]?.guild_id ?? "";
    const kinds = kindsOfSelect(select.type);
    const options = kinds.length
      ? entityChoices(getState(), guildId, kinds, "", { channelTypes: select.channel_types, limit: 100 }).map((c) => ({ value: c.id, label: c.label }))
      : (select.options ?? []).map((o) => ({ value: o.value, label: o.label }));
    control = (
      <select
        id={id}
        multiple={max > 1}
        value={max > 1 ? list : list[0] ?? ""}
        autoFocus={props.autoFocus}
        aria-describedby={describedBy}
        aria-invalid={props.error ? true : undefined}
        aria-required={required || undefined}
        onChange={(e) => props.onChange(select.custom_id, [...e.target.selectedOptions].map((o) => o.value).filter(Boolean))}
      >
        {max === 1 && <option value="">{select.placeholder || t("commands.choose")}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {field.label}
        {!required && <span className="muted"> {t("commands.optional")}</span>}
      </label>
      {field.description && (
        <span id={hintId} className="command-option-hint">
          {field.description}
        </span>
      )}
      {control}
      {props.error && (
        <span id={errorId} className="command-option-error">
          {optionErrorText(t, props.error)}
        </span>
      )}
    </div>
  );
}
