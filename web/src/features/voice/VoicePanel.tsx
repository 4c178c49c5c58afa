import { useTranslation } from "react-i18next";
import { useStore } from "../../state/store";
import { channelPath, navigate } from "../app/router";
import { setUi } from "../app/ui";
import { CallButtons, PushToTalkHint } from "./VoiceControls";
import { VoiceIcon } from "./VoiceIcon";

/** "Voice connected — General": the call's state and controls, at the bottom of the channel
 * sidebar as on Discord (and, on a phone, as a bar over the conversation on screen). */
export function VoicePanel({ placement }: { placement: "sidebar" | "phone" }) {
  const { t } = useTranslation();
  const call = useStore((s) => {
    const voice = s.voice;
    if (!voice) return null;
    return {
      status: voice.status,
      guildId: voice.guildId,
      channelId: voice.channelId,
      channel: s.channels[voice.channelId]?.name ?? "",
      guild: s.guilds[voice.guildId]?.name ?? "",
    };
  });
  if (!call) return null;
  const status = t(`voice.status.${call.status}`);
  const path = channelPath(call.guildId, call.channelId);
  return (
    <section className={`voice-panel ${placement === "phone" ? "voice-panel-phone phone-only" : ""}`} aria-label={t("voice.panel")}>
      <div className="voice-panel-info">
        <span className={`voice-signal status-${call.status}`}>
          <VoiceIcon name="signal" size={16} />
        </span>
        <div className="voice-panel-text">
          <span className={`voice-status status-${call.status}`} role="status">
            {status}
          </span>
          <a
            className="voice-panel-channel"
            href={path}
            onClick={(e) => {
              e.preventDefault();
              navigate(path);
              setUi({ drawer: "none" });
            }}
          >
            {t("voice.where", { channel: call.channel, guild: call.guild })}
          </a>
        </div>
      </div>
      <CallButtons withMute={placement === "phone"} />
      <PushToTalkHint />
    </section>
  );
}
