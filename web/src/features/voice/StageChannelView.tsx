import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Channel } from "../../api/types";
import { formatNumber } from "../../i18n";
import { P } from "../../lib/permissions";
import {
  can,
  displayName,
  inVoiceChannel,
  isStageModerator,
  stageAudience,
  stageSpeakers,
  voiceJoinBlock,
  voiceStateOf,
} from "../../state/selectors";
import { useStore } from "../../state/store";
import { Avatar } from "../../ui/Avatar";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { voice } from "../../voice/session";
import { notify, setUi } from "../app/ui";
import { ChannelIcon } from "../channels/ChannelIcon";
import { MessagePane } from "../messages/MessagePane";
import { StageTopic } from "./StageTopic";
import { CallButtons, PushToTalkHint } from "./VoiceControls";
import { VoiceIcon } from "./VoiceIcon";
import { VoiceStateIcons } from "./VoiceParticipants";
import { Tiles } from "./VoiceTiles";

/** Calls the API for a stage change; a refusal is said in words. The VOICE_STATE_UPDATE that
 * follows shows the change. */
function useStageChange() {
  const { t } = useTranslation();
  return (change: Promise<unknown>, permission?: string) => void change.catch((error) => notify(describeError(t, error, permission)));
}

/** Someone in the audience: their hand when it is up, and for moderators "Invite to speak". */
function Listener({ channel, userId, moderator }: { channel: Channel; userId: string; moderator: boolean }) {
  const { t } = useTranslation();
  const nameId = useId();
  const guildId = channel.guild_id!;
  const name = useStore((s) => displayName(s, userId, guildId));
  const hand = useStore((s) => !!voiceStateOf(s, guildId, userId)?.request_to_speak_timestamp);
  const speaking = useStore((s) => !!s.speaking[userId]);
  const change = useStageChange();
  return (
    <li className={`stage-listener ${hand ? "hand" : ""}`}>
      <span className={`speaking-ring ${speaking ? "on" : ""}`}>
        <Avatar id={userId} name={name} size={40} />
      </span>
      <span className="stage-listener-name" id={nameId}>
        {name}
      </span>
      {hand && (
        <span className="stage-hand" role="img" aria-label={t("stage.hand_raised")} title={t("stage.hand_raised")}>
          <VoiceIcon name="hand" size={16} />
        </span>
      )}
      <VoiceStateIcons scopeId={guildId} userId={userId} />
      {moderator && (
        <button
          type="button"
          className="button secondary small"
          aria-describedby={nameId}
          onClick={() => change(api.modifyVoiceState(guildId, userId, { channel_id: channel.id, suppress: false }), "MUTE_MEMBERS")}
        >
          {t("stage.invite")}
        </button>
      )}
    </li>
  );
}

/** What one does about oneself on a stage: raise or lower a hand from the audience, speak (a
 * moderator), or step down to the audience; and, in the audience, that the microphone is off. */
function OwnStageControls({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const guildId = channel.guild_id!;
  const own = useStore((s) => {
    const v = s.me ? voiceStateOf(s, guildId, s.me.id) : undefined;
    return v?.channel_id === channel.id ? { suppress: v.suppress, hand: !!v.request_to_speak_timestamp } : null;
  });
  const moderator = useStore((s) => isStageModerator(s, channel.id));
  const mayAsk = useStore((s) => can(s, channel.id, P.REQUEST_TO_SPEAK));
  const change = useStageChange();
  if (!own) return null;
  const mine = (body: { suppress?: boolean; request_to_speak_timestamp?: string | null }, permission?: string) =>
    change(api.modifyMyVoiceState(guildId, { channel_id: channel.id, ...body }), permission);
  if (!own.suppress) {
    return (
      <div className="stage-own">
        <button type="button" className="button secondary" onClick={() => mine({ suppress: true })}>
          {t("stage.step_down")}
        </button>
      </div>
    );
  }
  return (
    <div className="stage-own">
      <p className="stage-note" role="status">
        <VoiceIcon name="micOff" size={16} /> {t("stage.audience_note")}
      </p>
      {moderator ? (
        <button type="button" className="button primary" onClick={() => mine({ suppress: false }, "MUTE_MEMBERS")}>
          {t("stage.speak")}
        </button>
      ) : (
        mayAsk && (
          <button
            type="button"
            className="button secondary"
            aria-pressed={own.hand}
            onClick={() => mine({ request_to_speak_timestamp: own.hand ? null : new Date().toISOString() }, "REQUEST_TO_SPEAK")}
          >
            <VoiceIcon name="hand" size={16} /> {own.hand ? t("stage.lower_hand") : t("stage.raise_hand")}
          </button>
        )
      )}
    </div>
  );
}

/** A stage channel on screen: its topic (and, for who may run it, starting, changing and ending
 * the stage), the speakers' tiles, the audience with raised hands first, and one's own place. */
export function StageChannelView({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const guildId = channel.guild_id!;
  const inStage = useStore((s) => inVoiceChannel(s, channel.id));
  const block = useStore((s) => voiceJoinBlock(s, channel.id));
  const speakers = useStore((s) => stageSpeakers(s, channel.id));
  const audience = useStore((s) => stageAudience(s, channel.id));
  const moderator = useStore((s) => isStageModerator(s, channel.id));
  const meId = useStore((s) => s.me?.id ?? "");
  const change = useStageChange();
  const [chat, setChat] = useState(false);
  const name = channel.name ?? "";
  if (chat) {
    return (
      <div className="voice-chat">
        <div className="voice-chat-back">
          <button type="button" className="button secondary" onClick={() => setChat(false)}>
            <VoiceIcon name="stage" size={16} /> {t("voice.back_to_call", { name })}
          </button>
        </div>
        <MessagePane key={channel.id} channel={channel} />
      </div>
    );
  }
  const moveDown = (userId: string) =>
    moderator && userId !== meId ? (
      <button
        type="button"
        className="button secondary small"
        onClick={() => change(api.modifyVoiceState(guildId, userId, { channel_id: channel.id, suppress: true }), "MUTE_MEMBERS")}
      >
        {t("stage.move_to_audience")}
      </button>
    ) : null;
  return (
    <section className="voice-view stage-view" aria-label={t("stage.view_label", { name })}>
      <header className="pane-head">
        <button type="button" className="icon-button phone-only" aria-label={t("nav.open_navigation")} onClick={() => setUi({ drawer: "nav" })}>
          <Icon name="menu" />
        </button>
        <ChannelIcon channel={channel} />
        <h1 className="pane-title">{name}</h1>
        <div className="pane-actions">
          <button type="button" className="icon-button" aria-label={t("voice.chat")} onClick={() => setChat(true)}>
            <VoiceIcon name="chat" />
          </button>
          <button type="button" className="icon-button desktop-only" aria-label={t("members.toggle")} onClick={() => setUi((u) => ({ showMembers: !u.showMembers }))}>
            <Icon name="members" />
          </button>
        </div>
      </header>
      <div className="stage-body">
        <StageTopic channel={channel} />
        <section className="stage-section">
          <h2 className="stage-heading">
            {t("stage.speakers_label")} — {formatNumber(speakers.length)}
          </h2>
          <Tiles channel={channel} only={speakers} label={t("stage.speakers_label")} empty={t("stage.no_speakers")} actions={moveDown} small />
        </section>
        <section className="stage-section">
          <h2 className="stage-heading">
            {t("stage.audience_label")} — {formatNumber(audience.length)}
          </h2>
          {audience.length ? (
            <ul className="stage-audience" aria-label={t("stage.audience_label")}>
              {audience.map((id) => (
                <Listener key={id} channel={channel} userId={id} moderator={moderator} />
              ))}
            </ul>
          ) : (
            <p className="muted">{t("stage.no_audience")}</p>
          )}
        </section>
      </div>
      <footer className="voice-control-bar">
        {inStage ? (
          <>
            <OwnStageControls channel={channel} />
            <PushToTalkHint />
            <CallButtons withMute />
          </>
        ) : block ? (
          <p className="form-error" role="alert">
            {block === "full" ? t("voice.full") : t("voice.locked")}
          </p>
        ) : (
          <button type="button" className="button primary" onClick={() => voice.join(channel.id)}>
            {t("stage.join")}
          </button>
        )}
      </footer>
    </section>
  );
}
