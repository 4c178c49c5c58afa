import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ChannelType } from "../../api/types";
import { callerOf, displayName, incomingCalls, privateChannelName } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Avatar } from "../../ui/Avatar";
import { describeError } from "../../ui/errors";
import { Ringtone } from "../../voice/ringtone";
import { voice } from "../../voice/session";
import { channelPath, navigate } from "../app/router";
import { notify, setUi } from "../app/ui";
import { VoiceIcon } from "../voice/VoiceIcon";

const ringtone = new Ringtone();

/** One call that rings for this person: who calls (and in which group), accept or decline. */
function IncomingCall({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const caller = useStore((s) => callerOf(s, channelId));
  const name = useStore((s) => (caller ? displayName(s, caller, null) : ""));
  const group = useStore((s) => {
    const channel = s.channels[channelId];
    return channel?.type === ChannelType.GROUP_DM ? privateChannelName(s, channel) : "";
  });
  const [pending, setPending] = useState(false);
  const acceptButton = useRef<HTMLButtonElement>(null);
  // Keyboard people reach it at once when nothing else has the focus (never while typing).
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body) acceptButton.current?.focus();
  }, []);
  const accept = () => {
    voice.join(channelId);
    navigate(channelPath(null, channelId));
    setUi({ drawer: "none" });
  };
  const decline = () => {
    setPending(true);
    // The prompt goes when the server's CALL_UPDATE says the call no longer rings here.
    api.stopRinging(channelId).catch((error) => {
      setPending(false);
      notify(describeError(t, error));
    });
  };
  const text = group ? t("calls.incoming_group", { name, group }) : t("calls.incoming", { name });
  return (
    <section className="incoming-call" role="dialog" aria-modal="false" aria-label={t("calls.incoming_label", { name })}>
      <span className="incoming-avatar" aria-hidden="true">
        <Avatar id={caller ?? channelId} name={name} size={48} />
      </span>
      <div className="incoming-text">
        <strong className="incoming-name">{name}</strong>
        <span role="alert">{text}</span>
      </div>
      <div className="incoming-actions">
        <button type="button" className="call-decline" disabled={pending} onClick={decline}>
          <VoiceIcon name="hangup" />
          <span>{t("calls.decline")}</span>
        </button>
        <button type="button" className="call-accept" ref={acceptButton} disabled={pending} onClick={accept}>
          <VoiceIcon name="phone" />
          <span>{t("calls.accept")}</span>
        </button>
      </div>
    </section>
  );
}

/** Incoming calls, over whatever is on screen (and first in the tab order), with a ringtone
 * while any rings. */
export function IncomingCalls() {
  const { t } = useTranslation();
  const ids = useStore(incomingCalls);
  const ringing = ids.length > 0;
  useEffect(() => {
    if (ringing) ringtone.start();
    else ringtone.stop();
  }, [ringing]);
  useEffect(() => () => ringtone.stop(), []);
  if (!ringing) return null;
  return (
    <div className="incoming-calls" role="region" aria-label={t("calls.incoming_region")}>
      {ids.map((id) => (
        <IncomingCall key={id} channelId={id} />
      ))}
    </div>
  );
}
