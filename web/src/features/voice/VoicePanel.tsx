import { useTranslation } from "react-i18next";
import { privateChannelName } from "../../state/selectors";
import { useStore } from "../../state/store";
import { channelPath, navigate } from "../app/router";
import { setUi } from "../app/ui";
import { CallButtons, PushToTalkHint } from "./VoiceControls";
import { VoiceIcon } from "./VoiceIcon";

/** "Voice connected — General" (or "Call with Ann"): the call's state and controls, at the bottom of the channel
 * sidebar as on Discord (and, on a phone, as a bar over the conversation on screen). */
export function VoicePanel({ placement }: { placement: "sidebar" | "phone" }) {
  const { t } = useTranslation();
  const call = useStore((s) => {
    const voice = s.voice;
    if (!voice) return null;
    const channel = s.channels[voice.channelId];
    return {
      status: voice.status,
      guildId: voice.guildId,
      channelId: voice.channelId,
      channel: voice.guildId ? channel?.name ?? "" : channel ? privateChannelName(s, channel) : "",
      guild: voice.guildId ? s.guilds[voice.guildId]?.name ?? "" : "",
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
            {call.guildId ? t("voice.where", { channel: call.channel, guild: call.guild }) : t("calls.where", { name: call.channel })}
          </a>
        </div>
      </div>
      <CallButtons withMute={placement === "phone"} />
      <PushToTalkHint />
    </section>
  );
}
