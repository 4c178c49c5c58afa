import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { disablePush, enablePush, pushState, type PushState } from "../../pwa/push";
import { P } from "../../lib/permissions";
import { canInGuild } from "../../state/selectors";
import { setState, useStore } from "../../state/store";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";

/** `notification_message_text` (the server's domain/push.py). */
const MESSAGE_TEXT = [
  { value: 0, key: "default" },
  { value: 1, key: "always" },
  { value: 2, key: "never" },
] as const;

/** The person's push settings: notifications on this device (asks the browser's permission
 * and subscribes), and whether notifications show message text, on every device. */
export function PushSettings() {
  const { t } = useTranslation();
  const [state, setPushState] = useState<PushState | "busy">("busy");
  const choice = useStore((s) => s.settings.notification_message_text ?? 0);

  useEffect(() => {
    let live = true;
    void pushState()
      .catch((): PushState => "off")
      .then((found) => live && setPushState(found));
    return () => {
      live = false;
    };
  }, []);

  const toggle = async (on: boolean) => {
    setPushState("busy");
    try {
      setPushState(on ? await enablePush() : await disablePush());
    } catch (err) {
      notify(describeError(t, err));
      setPushState(await pushState().catch((): PushState => "off"));
    }
  };
  const chooseText = (value: number) => {
    const before = choice;
    const show = (v: number) => setState((s) => ({ ...s, settings: { ...s.settings, notification_message_text: v } }));
    show(value); // at once; USER_SETTINGS_UPDATE confirms it
    api.modifySettings({ notification_message_text: value }).catch((err: unknown) => {
      show(before);
      notify(describeError(t, err));
    });
  };

  const unavailable = state === "unsupported" || state === "denied";
  return (
    <div className="form">
      <h3>{t("push.settings.title")}</h3>
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          className="switch"
          checked={state === "on"}
          disabled={state === "busy" || unavailable}
          aria-describedby="push-device-hint"
          onChange={(e) => void toggle(e.target.checked)}
        />
        <span>{t("push.settings.this_device")}</span>
      </label>
      <p id="push-device-hint" className="hint">
        {state === "unsupported" ? t("push.settings.unsupported") : state === "denied" ? t("push.settings.denied") : t("push.settings.this_device_hint")}
      </p>
      <fieldset className="radio-list">
        <legend>{t("push.settings.message_text")}</legend>
        {MESSAGE_TEXT.map(({ value, key }) => (
          <label key={value} className="radio-row">
            <input type="radio" name="notification-message-text" checked={choice === value} onChange={() => chooseText(value)} />
            <span>{t(`push.settings.message_text_${key}`)}</span>
          </label>
        ))}
      </fieldset>
    </div>
  );
}

/** A community's confidentiality: its pushes name nothing and show no text by default. */
export function GuildConfidentiality({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const mayManage = useStore((s) => canInGuild(s, guildId, P.MANAGE_GUILD));
  const [confidential, setConfidential] = useState<boolean | null>(null);

  useEffect(() => {
    let live = true;
    api
      .request<{ confidential: boolean }>("GET", `/guilds/${guildId}/privacy`)
      .then((found) => live && setConfidential(found.confidential))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [guildId]);

  const change = (value: boolean) => {
    setConfidential(value);
    api
      .request<{ confidential: boolean }>("PATCH", `/guilds/${guildId}/privacy`, { confidential: value })
      .then((found) => {
        setConfidential(found.confidential);
        notify(t("settings.saved"), "info");
      })
      .catch((err: unknown) => {
        setConfidential(!value);
        notify(describeError(t, err, "MANAGE_GUILD"));
      });
  };

  return (
    <div className="form">
      <label className="check">
        <input
          type="checkbox"
          role="switch"
          className="switch"
          checked={confidential === true}
          disabled={confidential === null || !mayManage}
          aria-describedby="guild-confidential-hint"
          onChange={(e) => change(e.target.checked)}
        />
        <span>{t("push.guild.confidential")}</span>
      </label>
      <p id="guild-confidential-hint" className="hint">
        {t("push.guild.confidential_hint")}
      </p>
    </div>
  );
}
