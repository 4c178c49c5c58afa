import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Channel } from "../../api/types";
import { absentFromCall, callOngoing, displayName, inVoiceChannel, privateChannelName, ringingIn } from "../../state/selectors";
import { useStore } from "../../state/store";
import { describeError } from "../../ui/errors";
import { voice } from "../../voice/session";
import { notify } from "../app/ui";
import { CallButtons, PushToTalkHint } from "../voice/VoiceControls";
import { VoiceIcon } from "../voice/VoiceIcon";
import { Tiles } from "../voice/VoiceTiles";

/** The header button of a DM or group DM: one tap starts a call. (A call going on is joined
 * from the call above the messages.) */
export function StartCallButton({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const ongoing = useStore((s) => callOngoing(s, channel.id) || inVoiceChannel(s, channel.id));
  if (ongoing) return null;
  const label = t("calls.start");
  return (
    <button type="button" className="icon-button" aria-label={label} title={label} onClick={() => voice.join(channel.id)}>
      <VoiceIcon name="phone" />
    </button>
  );
}

function useNames(ids: string[]): string {
  const { i18n } = useTranslation();
  return useStore((s) => new Intl.ListFormat(i18n.language, { type: "conjunction" }).format(ids.map((id) => displayName(s, id, null))));
}

/** A DM's call, above its messages, while one goes on or this tab is in (or joining) it: who
 * is in it (the tiles of a voice channel), whom it rings, and joining, ringing again or the
 * call's controls. */
export function CallArea({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const ongoing = useStore((s) => callOngoing(s, channel.id));
  const inCall = useStore((s) => inVoiceChannel(s, channel.id));
  const ringing = useStore((s) => ringingIn(s, channel.id).filter((id) => id !== s.me?.id));
  const absent = useStore((s) => absentFromCall(s, channel.id));
  const title = useStore((s) => privateChannelName(s, channel));
  const ringingNames = useNames(ringing);
  const [ringPending, setRingPending] = useState(false);
  if (!ongoing && !inCall) return null;
  const ringAgain = () => {
    setRingPending(true);
    api
      .ringCall(channel.id)
      .catch((error) => notify(describeError(t, error)))
      .finally(() => setRingPending(false));
  };
  const allRinging = absent.every((id) => ringing.includes(id));
  return (
    <section className="call-area" aria-label={t("calls.area_label", { name: title })}>
      <Tiles channel={channel} label={t("calls.in_call")} small />
      <p className="call-ringing" role="status">
        {ringing.length > 0 ? t("calls.ringing", { names: ringingNames }) : ""}
      </p>
      <div className="call-area-actions">
        {inCall ? (
          <>
            {absent.length > 0 && (
              <button type="button" className="button secondary" disabled={ringPending || allRinging} onClick={ringAgain}>
                <VoiceIcon name="phone" size={16} /> {t("calls.ring_again")}
              </button>
            )}
            <CallButtons withMute />
          </>
        ) : (
          <button type="button" className="button primary call-join" onClick={() => voice.join(channel.id)}>
            <VoiceIcon name="phone" size={16} /> {t("calls.join")}
          </button>
        )}
      </div>
      <PushToTalkHint />
    </section>
  );
}
