import type { TFunction } from "i18next";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Invite } from "../../api/types";
import { Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { setUi } from "../app/ui";
import { GuestLinkOption } from "../guests/GuestLinkOption";
import { GUEST_LINK_EXPIRY, IS_GUEST_INVITE } from "../guests/guestRules";
import { useStore } from "../../state/store";

export const EXPIRY = [1800, 3600, 21600, 43200, 86400, 604800, 0];
export const MAX_USES = [0, 1, 5, 10, 25, 50, 100];

export function inviteUrl(code: string): string {
  return `${location.origin}/invite/${code}`;
}

export function expiryLabel(t: TFunction, seconds: number): string {
  if (seconds === 0) return t("invites.never");
  if (seconds < 3600) return t("invites.minutes", { count: seconds / 60 });
  if (seconds < 86400) return t("invites.hours", { count: seconds / 3600 });
  return t("invites.days", { count: seconds / 86400 });
}

export function InviteDialog({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const [maxAge, setMaxAge] = useState(604800);
  const [maxUses, setMaxUses] = useState(0);
  const [invite, setInvite] = useState<Invite | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const guildId = useStore((s) => s.channels[channelId]?.guild_id ?? undefined);
  const [guest, setGuest] = useState(false);
  const expiry = guest ? GUEST_LINK_EXPIRY : EXPIRY;
  const age = expiry.includes(maxAge) ? maxAge : guest ? 86400 : 604800;
  useEffect(() => {
    let alive = true;
    setError(null);
    const flags = guest ? { flags: IS_GUEST_INVITE } : {};
    api.createInvite(channelId, { max_age: age, max_uses: maxUses, unique: true, ...flags }).then(
      (found) => alive && setInvite(found),
      (e) => alive && setError(describeError(t, e, "CREATE_INSTANT_INVITE")),
    );
    return () => {
      alive = false;
    };
  }, [channelId, age, maxUses, guest, t]);
  const url = invite ? inviteUrl(invite.code) : "";
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <Dialog title={t("invites.title")} onClose={() => setUi({ invite: null })}>
      <div className="form">
        <label className="field">
          <span>{t("invites.link")}</span>
          <div className="copy-row">
            <input readOnly value={url} aria-describedby="invite-copied" onFocus={(e) => e.target.select()} data-testid="invite-link" />
            <button type="button" className="button primary" onClick={copy} disabled={!invite}>
              {copied ? t("invites.copied") : t("invites.copy")}
            </button>
          </div>
        </label>
        <span id="invite-copied" className="sr-only" aria-live="polite">
          {copied ? t("invites.copied") : ""}
        </span>
        <div className="field-row">
          <label className="field">
            <span>{t("invites.expire_after")}</span>
            <select value={age} onChange={(e) => setMaxAge(Number(e.target.value))}>
              {expiry.map((s) => (
                <option key={s} value={s}>
                  {expiryLabel(t, s)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t("invites.max_uses")}</span>
            <select value={maxUses} onChange={(e) => setMaxUses(Number(e.target.value))}>
              {MAX_USES.map((n) => (
                <option key={n} value={n}>
                  {n === 0 ? t("invites.no_limit") : t("invites.uses", { count: n })}
                </option>
              ))}
            </select>
          </label>
        </div>
        <GuestLinkOption guildId={guildId} guest={guest} onChange={setGuest} />
        {error && <p className="form-error" role="alert">{error}</p>}
      </div>
    </Dialog>
  );
}
