import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Invite } from "../../api/types";
import { formatNumber } from "../../i18n";
import { useStore } from "../../state/store";
import { initials } from "../../ui/Avatar";
import { describeError } from "../../ui/errors";
import { navigate, channelPath } from "../app/router";
import { GuestJoinForm } from "../guests/GuestJoinForm";
import { isGuestLink } from "../guests/guestRules";

/** `/invite/{code}`: what the community is before joining it. */
export function InviteScreen({ code }: { code: string }) {
  const { t } = useTranslation();
  const [invite, setInvite] = useState<Invite | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState(false);
  const signedIn = useStore((s) => !!s.me) || !!api.token;
  const already = useStore((s) => (invite ? !!s.guilds[invite.guild.id] : false));
  useEffect(() => {
    api.invite(code).then(setInvite, (e) => setError(describeError(t, e)));
  }, [code, t]);
  const join = async () => {
    if (!invite) return;
    if (!signedIn) {
      sessionStorage.setItem("townhall.after-login", `/invite/${code}`);
      navigate("/register");
      return;
    }
    setJoining(true);
    try {
      if (!already) await api.acceptInvite(code);
      navigate(channelPath(invite.guild.id, invite.channel.id));
    } catch (e) {
      setError(describeError(t, e));
      setJoining(false);
    }
  };
  return (
    <main className="center-screen">
      <div className="card invite-card">
        {error ? (
          <>
            <h1>{t("invites.invalid_title")}</h1>
            <p role="alert">{error}</p>
            <button type="button" className="button primary" onClick={() => navigate("/channels/@me")}>
              {t("invites.go_home")}
            </button>
          </>
        ) : !invite ? (
          <p className="muted">{t("common.loading")}</p>
        ) : (
          <>
            <p className="muted">{invite.inviter ? t("invites.invited_by", { name: invite.inviter.global_name || invite.inviter.username }) : t("invites.invited")}</p>
            <div className="invite-guild">
              <span className="guild-icon-large initials" data-initials={initials(invite.guild.name)} aria-hidden="true" />
              <h1>{invite.guild.name}</h1>
            </div>
            {invite.guild.description && <p>{invite.guild.description}</p>}
            <p className="invite-counts">
              <span className="status-dot status-online inline" aria-hidden="true" />
              {t("invites.online", { count: invite.approximate_presence_count ?? 0, formatted: formatNumber(invite.approximate_presence_count ?? 0) })}
              <span className="status-dot status-offline inline" aria-hidden="true" />
              {t("invites.members", { count: invite.approximate_member_count ?? 0, formatted: formatNumber(invite.approximate_member_count ?? 0) })}
            </p>
            {!signedIn && isGuestLink(invite) && <GuestJoinForm invite={invite} />}
            {!signedIn && isGuestLink(invite) && <p className="muted guest-or">{t("guests.or")}</p>}
            <button type="button" className={`button ${!signedIn && isGuestLink(invite) ? "secondary" : "primary"} wide`} onClick={join} disabled={joining}>
              {already ? t("invites.open") : signedIn ? t("invites.accept") : t("invites.register_to_join")}
            </button>
          </>
        )}
      </div>
    </main>
  );
}
