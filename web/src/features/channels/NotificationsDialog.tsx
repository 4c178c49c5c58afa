import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { NotificationLevel } from "../../api/types";
import { useStore } from "../../state/store";
import { channelOverride, guildSettings } from "../../state/selectors";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { setUi } from "../app/ui";

/** Minutes of each mute choice (Discord's `selected_time_window` is in seconds; -1: until on). */
export const MUTE_CHOICES = [15, 60, 480, 1440, -1];

export function muteConfig(minutes: number, now = Date.now()) {
  if (minutes < 0) return { end_time: null, selected_time_window: -1 };
  return { end_time: new Date(now + minutes * 60_000).toISOString(), selected_time_window: minutes * 60 };
}

/** Per-community and per-channel notifications, stored on the server in Discord's shape. */
export function NotificationsDialog({ guildId, channelId }: { guildId: string; channelId?: string }) {
  const { t } = useTranslation();
  const settings = useStore((s) => guildSettings(s, guildId));
  const channel = useStore((s) => (channelId ? s.channels[channelId] : undefined));
  const override = useStore((s) => (channel ? channelOverride(s, channel) : undefined));
  const guildName = useStore((s) => s.guilds[guildId]?.name ?? "");
  const [error, setError] = useState<string | null>(null);
  const current = channel ? override : settings;
  const level: NotificationLevel = (channel ? override?.message_notifications ?? 3 : settings?.message_notifications ?? 0) as NotificationLevel;
  const muted = !!current?.muted && (!current.mute_config?.end_time || Date.parse(current.mute_config.end_time) > Date.now());

  const save = async (patch: Record<string, unknown>) => {
    setError(null);
    try {
      const body = channelId ? { channel_overrides: { [channelId]: patch } } : patch;
      await api.modifyGuildSettings(guildId, body);
    } catch (e) {
      setError(describeError(t, e));
    }
  };
  const levels: NotificationLevel[] = channel ? [3, 0, 1, 2] : [0, 1, 2];
  const title = channel ? t("notifications.channel_title", { name: channel.name }) : t("notifications.guild_title", { name: guildName });
  return (
    <Dialog title={title} onClose={() => setUi({ notifications: null })}>
      <div className="form">
        <fieldset className="radio-list">
          <legend>{t("notifications.level")}</legend>
          {levels.map((value) => (
            <label key={value} className="radio-row">
              <input type="radio" name="level" checked={level === value} onChange={() => save({ message_notifications: value })} />
              <span>{t(`notifications.levels.${value}`)}</span>
            </label>
          ))}
        </fieldset>
        <fieldset className="radio-list">
          <legend>{muted ? t("notifications.muted_until", { until: current?.mute_config?.end_time ? new Date(current.mute_config.end_time).toLocaleString() : t("notifications.until_on") }) : t("notifications.mute")}</legend>
          <div className="chip-row">
            {MUTE_CHOICES.map((minutes) => (
              <button key={minutes} type="button" className="chip" onClick={() => save({ muted: true, mute_config: muteConfig(minutes) })}>
                {t(`notifications.mute_for.${minutes < 0 ? "forever" : minutes}`)}
              </button>
            ))}
            {muted && (
              <button type="button" className="chip primary" onClick={() => save({ muted: false, mute_config: null })}>
                {t("notifications.unmute")}
              </button>
            )}
          </div>
        </fieldset>
        {!channel && (
          <>
            <label className="check">
              <input type="checkbox" checked={!!settings?.suppress_everyone} onChange={(e) => save({ suppress_everyone: e.target.checked })} />
              <span>{t("notifications.suppress_everyone")}</span>
            </label>
            <label className="check">
              <input type="checkbox" checked={!!settings?.suppress_roles} onChange={(e) => save({ suppress_roles: e.target.checked })} />
              <span>{t("notifications.suppress_roles")}</span>
            </label>
          </>
        )}
        {error && <p className="form-error" role="alert">{error}</p>}
      </div>
    </Dialog>
  );
}
