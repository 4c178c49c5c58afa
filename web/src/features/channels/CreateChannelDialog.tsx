import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ChannelType } from "../../api/types";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { navigate, channelPath } from "../app/router";
import { setUi } from "../app/ui";

const TYPES = [
  [ChannelType.GUILD_TEXT, "text"],
  [ChannelType.GUILD_ANNOUNCEMENT, "announcement"],
  [ChannelType.GUILD_VOICE, "voice"],
  [ChannelType.GUILD_STAGE_VOICE, "stage"],
  [ChannelType.GUILD_CATEGORY, "category"],
] as const;

export function CreateChannelDialog({ guildId, parentId }: { guildId: string; parentId?: string }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [type, setType] = useState<number>(ChannelType.GUILD_TEXT);
  const [privateChannel, setPrivate] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => setUi({ createChannel: null });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const channel = await api.createChannel(guildId, {
        name: type === ChannelType.GUILD_CATEGORY ? name : name.trim().toLowerCase().replace(/\s+/g, "-"),
        type,
        parent_id: type === ChannelType.GUILD_CATEGORY ? undefined : parentId,
        permission_overwrites: privateChannel ? [{ id: guildId, type: 0, deny: String(1n << 10n), allow: "0" }] : undefined,
      });
      close();
      if (type !== ChannelType.GUILD_CATEGORY) navigate(channelPath(guildId, channel.id));
    } catch (err) {
      setError(describeError(t, err, "MANAGE_CHANNELS"));
    }
  };
  return (
    <Dialog title={t("channels.create")} onClose={close}>
      <form onSubmit={submit} className="form">
        <fieldset className="radio-cards">
          <legend>{t("channels.type")}</legend>
          {TYPES.map(([value, key]) => (
            <label key={value} className={`radio-card ${type === value ? "checked" : ""}`}>
              <input type="radio" name="type" value={value} checked={type === value} onChange={() => setType(value)} />
              <span>{t(`channels.kind.${key}`)}</span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t("channels.name")}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
        </label>
        {type !== ChannelType.GUILD_CATEGORY && (
          <label className="check">
            <input type="checkbox" checked={privateChannel} onChange={(e) => setPrivate(e.target.checked)} />
            <span>{t("channels.private")}</span>
          </label>
        )}
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={close}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="button primary" disabled={!name.trim()}>
            {t("common.create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
