import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { voiceJoinBlock, voiceUserIds } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Icon } from "../../ui/Icon";
import { voice } from "../../voice/session";
import { setUi } from "../app/ui";
import { ChannelIcon } from "../channels/ChannelIcon";
import { MessagePane } from "../messages/MessagePane";
import { CallButtons, PushToTalkHint } from "./VoiceControls";
import { VoiceIcon } from "./VoiceIcon";
import { Tiles } from "./VoiceTiles";

/** The voice channel on screen: the call's tiles and controls when one is in it; who is there
 * and a join button (or why not) when one is not; its text chat on demand. */
export function VoiceChannelView({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const inCall = useStore((s) => s.voice?.channelId === channel.id);
  const block = useStore((s) => voiceJoinBlock(s, channel.id));
  const count = useStore((s) => voiceUserIds(s, channel.id).length);
  const [chat, setChat] = useState(false);
  if (chat) {
    return (
      <div className="voice-chat">
        <div className="voice-chat-back">
          <button type="button" className="button secondary" onClick={() => setChat(false)}>
            <VoiceIcon name="signal" size={16} /> {t("voice.back_to_call", { name: channel.name ?? "" })}
          </button>
        </div>
        <MessagePane key={channel.id} channel={channel} />
      </div>
    );
  }
  return (
    <section className="voice-view" aria-label={t("voice.view_label", { name: channel.name ?? "" })}>
      <header className="pane-head">
        <button type="button" className="icon-button phone-only" aria-label={t("nav.open_navigation")} onClick={() => setUi({ drawer: "nav" })}>
          <Icon name="menu" />
        </button>
        <ChannelIcon channel={channel} />
        <h1 className="pane-title">{channel.name}</h1>
        <div className="pane-actions">
          <button type="button" className="icon-button" aria-label={t("voice.chat")} onClick={() => setChat(true)}>
            <VoiceIcon name="chat" />
          </button>
          <button type="button" className="icon-button desktop-only" aria-label={t("members.toggle")} onClick={() => setUi((u) => ({ showMembers: !u.showMembers }))}>
            <Icon name="members" />
          </button>
        </div>
      </header>
      <div className="voice-stage">
        {inCall ? (
          <Tiles channel={channel} label={t("voice.in_channel", { channel: channel.name ?? "" })} />
        ) : (
          <div className="voice-lobby">
            <h2>{channel.name}</h2>
            <p className="muted">{count ? t("voice.people_here", { count }) : t("voice.empty")}</p>
            {count > 0 && <Tiles channel={channel} label={t("voice.in_channel", { channel: channel.name ?? "" })} />}
            {block ? (
              <p className="form-error" role="alert">
                {block === "full" ? t("voice.full") : t("voice.locked")}
              </p>
            ) : (
              <button type="button" className="button primary" onClick={() => voice.join(channel.id)}>
                {t("voice.join")}
              </button>
            )}
          </div>
        )}
      </div>
      {inCall && (
        <footer className="voice-control-bar">
          <PushToTalkHint />
          <CallButtons withMute />
        </footer>
      )}
    </section>
  );
}
