import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { P } from "../../lib/permissions";
import { announcementsChannelOf } from "../../state/community";
import { canInGuild } from "../../state/selectors";
import { useStore } from "../../state/store";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { commentsAllowed, communityApi } from "./communityApi";

/** Near the announcements, for those who may change a channel's overwrites (MANAGE_ROLES, as
 * Discord asks): whether members may comment on announcements in threads (the channel's
 * @everyone overwrite; writing in the channel itself stays denied). */
export function ThreadCommentsSwitch({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const nameId = useId();
  const hintId = useId();
  const channel = useStore((s) => announcementsChannelOf(s, guildId));
  const allowed = useStore((s) => canInGuild(s, guildId, P.MANAGE_ROLES));
  const [busy, setBusy] = useState(false);
  const [chosen, setChosen] = useState<boolean | null>(null);
  if (!allowed || !channel) return null;
  const on = commentsAllowed(channel, guildId);
  // Not disabled while saving: a disabled control would drop the keyboard focus.
  const toggle = async (next: boolean) => {
    if (busy) return;
    setBusy(true);
    setChosen(next);
    try {
      await communityApi.setComments(channel, guildId, next);
    } catch (error) {
      notify(describeError(t, error, "MANAGE_ROLES"));
    } finally {
      setBusy(false);
      setChosen(null);
    }
  };
  return (
    <label className="permission-row thread-comments">
      <span className="permission-text">
        <span className="permission-name" id={nameId}>
          {t("modlog.comments_switch")}
        </span>
        <span className="permission-description" id={hintId}>
          {t("modlog.comments_hint")}
        </span>
      </span>
      <input
        type="checkbox"
        role="switch"
        className="switch"
        checked={chosen ?? on}
        aria-busy={busy}
        aria-labelledby={nameId}
        aria-describedby={hintId}
        onChange={(e) => void toggle(e.target.checked)}
      />
    </label>
  );
}
