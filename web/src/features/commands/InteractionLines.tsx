import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { channelInteractions, EPHEMERAL, LOADING } from "../../state/interactions";
import { useStore } from "../../state/store";
import { displayName } from "../../state/selectors";
import { Icon } from "../../ui/Icon";
import { commandsApi } from "./commandsApi";
import { invocationOf, localizedCommandName } from "./commandRules";
import { useCommandIndex } from "./commandsApi";
import "./commands.css";

/** "Ann used /hello" above an application's answer to a command (its `interaction_metadata`;
 * the deprecated `interaction` of older messages). */
export function InvocationLine({ message }: { message: Message }) {
  const { t, i18n } = useTranslation();
  const invoked = invocationOf(message);
  const guildId = message.guild_id ?? null;
  const index = useCommandIndex({ id: message.channel_id, guild_id: guildId }, 0, false);
  const name = useStore((s) => (invoked ? (s.users[invoked.user.id] ? displayName(s, invoked.user.id, guildId) : invoked.user.global_name || invoked.user.username) : ""));
  if (!invoked) return null;
  const command = localizedCommandName(index, invoked.name, invoked.slash, i18n.language);
  return (
    <div className="invocation-line">
      <Icon name="reply" size={14} />
      <span>{invoked.slash ? t("commands.used_command", { name, command }) : t("commands.used_app", { name, command })}</span>
    </div>
  );
}

/** A deferred answer (flag LOADING) until the application fills it in. */
export function Thinking({ message, name }: { message: Message; name: string }) {
  const { t } = useTranslation();
  if (!((message.flags ?? 0) & LOADING)) return null;
  return (
    <div className="thinking" role="status">
      <span className="typing-dots" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>{" "}
      {t("commands.thinking", { name })}
    </div>
  );
}

/** "Only you can see this · Dismiss" under an ephemeral answer (flag EPHEMERAL). */
export function EphemeralNote({ message }: { message: Message }) {
  const { t } = useTranslation();
  if (!((message.flags ?? 0) & EPHEMERAL)) return null;
  return (
    <div className="ephemeral-note">
      <Icon name="lock" size={14} /> <span>{t("commands.only_you")}</span> ·{" "}
      <button type="button" className="link-button" onClick={() => commandsApi.dismissEphemeral(message)}>
        {t("commands.dismiss")}
      </button>
    </div>
  );
}

/** Above the composer: the commands sent from here that wait for their application, and
 * those it did not answer ("The application did not respond"). */
export function InteractionStatus({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const items = useStore((s) => channelInteractions(s.interactions, channelId));
  const waiting = items.filter((i) => !i.failed);
  const failed = items.filter((i) => i.failed);
  return (
    <div className="interaction-status">
      <div role="status" className="interaction-waiting">
        {waiting.map((item) => (
          <p key={item.nonce} className="muted small">
            {item.kind === "modal" ? t("commands.sending_form", { name: item.name }) : t("commands.sending", { name: item.name })}
          </p>
        ))}
      </div>
      {failed.map((item) => (
        <p key={item.nonce} className="interaction-failed" role="alert">
          <Icon name="warning" size={14} />{" "}
          {t("commands.failed_named", { name: item.name })}{" "}
          <button type="button" className="link-button" onClick={() => commandsApi.dismissFailure(item.nonce)}>
            {t("common.dismiss")}
          </button>
        </p>
      ))}
    </div>
  );
}
