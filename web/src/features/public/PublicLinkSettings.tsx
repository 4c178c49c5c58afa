/** In a channel's settings: "Readable by anyone with the link", and the link to share. Turning it
 * on needs Manage Server as well as Manage Channels (the community opens itself to the world);
 * turning it off, Manage Channels. The link may carry one of the channel's invites (a guest link,
 * say), which the public view then offers to visitors. */

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError } from "../../api/client";
import { ChannelType, type Invite } from "../../api/types";
import { P } from "../../lib/permissions";
import { useStore } from "../../state/store";
import { can, canInGuild } from "../../state/selectors";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { isGuestLink } from "../guests/guestRules";
import { isWebPublic, publicLink, WEB_PUBLIC } from "./publicChannel";
import "./public.css";

export function PublicLinkSettings({ guildId, channelId }: { guildId: string; channelId: string }) {
  const { t } = useTranslation();
  const channel = useStore((s) => s.channels[channelId]);
  const mayManage = useStore((s) => can(s, channelId, P.MANAGE_CHANNELS));
  const mayOpen = useStore((s) => canInGuild(s, guildId, P.MANAGE_GUILD));
  const [invites, setInvites] = useState<Invite[]>([]);
  const [offered, setOffered] = useState("");
  const [copied, setCopied] = useState(false);
  const open = isWebPublic(channel);
  useEffect(() => {
    setCopied(false);
    setOffered("");
    if (!open || !mayOpen) return;
    let alive = true;
    api.guildInvites(guildId).then(
      (found) => alive && setInvites(found.filter((i) => i.channel.id === channelId)),
      () => alive && setInvites([]),
    );
    return () => {
      alive = false;
    };
  }, [guildId, channelId, open, mayOpen]);
  if (!channel || (channel.type !== ChannelType.GUILD_TEXT && channel.type !== ChannelType.GUILD_ANNOUNCEMENT)) return null;
  const toggle = (on: boolean) => {
    const flags = on ? (channel.flags ?? 0) | WEB_PUBLIC : (channel.flags ?? 0) & ~WEB_PUBLIC;
    api.modifyChannel(channelId, { flags }).catch((e: unknown) => {
      const reason = e instanceof ApiError ? e.fields.flags : undefined;
      notify(reason === "CHANNEL_NOT_READABLE_BY_EVERYONE" ? t("public.not_readable_by_everyone") : describeError(t, e, on ? "MANAGE_GUILD" : "MANAGE_CHANNELS"));
    });
  };
  const link = publicLink(location.origin, guildId, channelId, offered || null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section className="public-settings" aria-labelledby="public-settings-title">
      <h3 id="public-settings-title">{t("public.settings_title")}</h3>
      <label className="permission-row">
        <span className="permission-text">
          <span className="permission-name">{t("public.toggle", { name: channel.name ?? "" })}</span>
          <span className="permission-description">{t("public.toggle_help")}</span>
        </span>
        <input
          type="checkbox"
          role="switch"
          className="switch"
          checked={open}
          disabled={!mayManage || (!open && !mayOpen)}
          onChange={(e) => toggle(e.target.checked)}
        />
      </label>
      {!open && !mayOpen && <p className="muted">{t("public.needs_manage_guild")}</p>}
      {open && (
        <>
          {invites.length > 0 && (
            <label className="field">
              <span>{t("public.offer_invite")}</span>
              <select value={offered} onChange={(e) => setOffered(e.target.value)}>
                <option value="">{t("public.no_invite")}</option>
                {invites.map((invite) => (
                  <option key={invite.code} value={invite.code}>
                    {isGuestLink(invite) ? t("public.guest_invite", { code: invite.code }) : invite.code}
                  </option>
                ))}
              </select>
            </label>
          )}
          <div className="row">
            <input className="public-link" readOnly value={link} aria-label={t("public.link")} onFocus={(e) => e.target.select()} data-testid="public-link" />
            <button type="button" className="button primary" onClick={copy}>
              {copied ? t("public.copied") : t("public.copy")}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
