import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { navigate } from "../app/router";
import { setUi } from "../app/ui";

export function CreateGuildDialog() {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [invite, setInvite] = useState("");
  const [error, setError] = useState<string | null>(null);
  const close = () => setUi({ createGuild: false });
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const guild = await api.createGuild({ name: name.trim() });
      close();
      navigate(`/channels/${guild.id}`);
    } catch (err) {
      setError(describeError(t, err));
    }
  };
  const join = (e: React.FormEvent) => {
    e.preventDefault();
    const code = invite.trim().split("/").filter(Boolean).pop();
    if (!code) return;
    close();
    navigate(`/invite/${code}`);
  };
  return (
    <Dialog title={t("guild.create")} onClose={close}>
      <form className="form" onSubmit={create}>
        <p className="muted">{t("guild.create_hint")}</p>
        <label className="field">
          <span>{t("guild.name")}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
        </label>
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="dialog-actions">
          <button type="submit" className="button primary" disabled={!name.trim()}>
            {t("common.create")}
          </button>
        </div>
      </form>
      <form className="form separated" onSubmit={join}>
        <h3>{t("guild.join_title")}</h3>
        <label className="field">
          <span>{t("guild.invite_field")}</span>
          <input value={invite} onChange={(e) => setInvite(e.target.value)} placeholder={t("guild.invite_placeholder")} />
        </label>
        <div className="dialog-actions">
          <button type="submit" className="button secondary" disabled={!invite.trim()}>
            {t("guild.join")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
