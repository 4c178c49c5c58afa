import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { P } from "../../lib/permissions";
import { can, moveTargets, voiceStateOf } from "../../state/selectors";
import { useStore } from "../../state/store";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";

/** A moderator's voice actions on someone in a voice channel (the member PATCH bots use):
 * server mute, server deafen, move, disconnect; each shown only with its permission in the
 * channel the person is in. */
export function VoiceModeration({ guildId, userId }: { guildId: string; userId: string }) {
  const { t } = useTranslation();
  const state = useStore((s) => {
    const v = voiceStateOf(s, guildId, userId);
    if (!v?.channel_id) return null;
    return {
      channelId: v.channel_id,
      channel: s.channels[v.channel_id]?.name ?? "",
      mute: v.mute,
      deaf: v.deaf,
      mayMute: can(s, v.channel_id, P.MUTE_MEMBERS),
      mayDeafen: can(s, v.channel_id, P.DEAFEN_MEMBERS),
      mayMove: can(s, v.channel_id, P.MOVE_MEMBERS),
    };
  });
  const targets = useStore((s) => moveTargets(s, guildId).map((c) => `${c.id}\u0000${c.name ?? ""}`));
  const [target, setTarget] = useState("");
  // A switch shows its new position at once; the VOICE_STATE_UPDATE that follows confirms it.
  const [pending, setPending] = useState<{ mute?: boolean; deaf?: boolean }>({});
  const mute = state?.mute;
  const deaf = state?.deaf;
  useEffect(() => setPending({}), [mute, deaf]);
  if (!state || !(state.mayMute || state.mayDeafen || state.mayMove)) return null;
  const change = (body: { mute?: boolean; deaf?: boolean; channel_id?: string | null }) => {
    if (body.mute !== undefined || body.deaf !== undefined) setPending((p) => ({ ...p, ...body }));
    return api.modifyMember(guildId, userId, body).catch((error) => {
      setPending({});
      notify(describeError(t, error, body.mute !== undefined ? "MUTE_MEMBERS" : body.deaf !== undefined ? "DEAFEN_MEMBERS" : "MOVE_MEMBERS"));
    });
  };
  const others = targets.map((entry) => entry.split("\u0000")).filter(([id]) => id !== state.channelId);
  return (
    <section className="voice-moderation" aria-label={t("voice.moderation.title")}>
      <h3>{t("voice.moderation.title")}</h3>
      <p className="muted small">{t("voice.moderation.in_channel", { channel: state.channel })}</p>
      {state.mayMute && (
        <label className="check">
          <input type="checkbox" className="switch" checked={pending.mute ?? state.mute} onChange={(e) => void change({ mute: e.target.checked })} />
          <span>{t("voice.moderation.server_mute")}</span>
        </label>
      )}
      {state.mayDeafen && (
        <label className="check">
          <input type="checkbox" className="switch" checked={pending.deaf ?? state.deaf} onChange={(e) => void change({ deaf: e.target.checked })} />
          <span>{t("voice.moderation.server_deafen")}</span>
        </label>
      )}
      {state.mayMove && others.length > 0 && (
        <div className="voice-move">
          <label className="field">
            <span>{t("voice.moderation.move_to")}</span>
            <select value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">{t("overwrites.choose")}</option>
              {others.map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button secondary" disabled={!target} onClick={() => void change({ channel_id: target }).then(() => setTarget(""))}>
            {t("voice.moderation.move")}
          </button>
        </div>
      )}
      {state.mayMove && (
        <button type="button" className="button danger wide" onClick={() => void change({ channel_id: null })}>
          {t("voice.moderation.disconnect")}
        </button>
      )}
    </section>
  );
}
