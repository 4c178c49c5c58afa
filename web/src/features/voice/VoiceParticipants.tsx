import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { displayName, voiceStateOf, voiceUserIds } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Avatar } from "../../ui/Avatar";
import { setUi } from "../app/ui";
import { VoiceIcon } from "./VoiceIcon";

/** What a voice state shows beside a name: muted, deafened (by oneself or a moderator), camera,
 * live. Each icon is labelled, so the list reads "Alex, Muted". `scopeId` is the guild, or a DM
 * channel for its call. */
export function VoiceStateIcons({ scopeId, userId }: { scopeId: string; userId: string }) {
  const { t } = useTranslation();
  const flags = useStore((s) => {
    const v = voiceStateOf(s, scopeId, userId);
    return {
      mute: !!v?.mute,
      deaf: !!v?.deaf,
      selfMute: !!v?.self_mute,
      selfDeaf: !!v?.self_deaf,
      video: !!v?.self_video,
      stream: !!v?.self_stream,
    };
  });
  return (
    <span className="voice-state-icons">
      {flags.stream && <span className="live-tag">{t("voice.live")}</span>}
      {flags.video && (
        <span role="img" aria-label={t("voice.video_on")} title={t("voice.video_on")}>
          <VoiceIcon name="camera" size={14} />
        </span>
      )}
      {(flags.mute || (flags.selfMute && !flags.selfDeaf && !flags.deaf)) && (
        <span className={flags.mute ? "by-server" : ""} role="img" aria-label={flags.mute ? t("voice.server_muted") : t("voice.muted")} title={flags.mute ? t("voice.server_muted") : t("voice.muted")}>
          <VoiceIcon name="micOff" size={14} />
        </span>
      )}
      {(flags.deaf || flags.selfDeaf) && (
        <span className={flags.deaf ? "by-server" : ""} role="img" aria-label={flags.deaf ? t("voice.server_deafened") : t("voice.deafened")} title={flags.deaf ? t("voice.server_deafened") : t("voice.deafened")}>
          <VoiceIcon name="headphonesOff" size={14} />
        </span>
      )}
    </span>
  );
}

function Participant({ guildId, userId }: { guildId: string; userId: string }) {
  const { t } = useTranslation();
  const name = useStore((s) => displayName(s, userId, guildId));
  const speaking = useStore((s) => !!s.speaking[userId]);
  return (
    <li className="voice-participant">
      <button
        type="button"
        className={`voice-participant-button ${speaking ? "speaking" : ""}`}
        onClick={(e) => {
          const rect = e.currentTarget.getBoundingClientRect();
          setUi({ profile: { userId, guildId, x: rect.right + 8, y: rect.top } });
        }}
      >
        <span className={`speaking-ring ${speaking ? "on" : ""}`}>
          <Avatar id={userId} name={name} size={24} />
        </span>
        <span className="voice-participant-name">{name}</span>
        {speaking && <span className="sr-only">{`, ${t("voice.speaking")}`}</span>}
        <VoiceStateIcons scopeId={guildId} userId={userId} />
      </button>
    </li>
  );
}

/** Who is in a voice channel, under it in the sidebar. */
export function VoiceChannelMembers({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const ids = useStore((s) => voiceUserIds(s, channel.id));
  if (!ids.length || !channel.guild_id) return null;
  return (
    <ul className="voice-participants" aria-label={t("voice.in_channel", { channel: channel.name ?? "" })}>
      {ids.map((id) => (
        <Participant key={id} guildId={channel.guild_id!} userId={id} />
      ))}
    </ul>
  );
}
