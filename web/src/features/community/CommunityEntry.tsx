import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../i18n";
import { mustReadList } from "../../state/community";
import { useStore } from "../../state/store";
import { Icon } from "../../ui/Icon";
import { communityHomePath, navigate, usePath } from "../app/router";
import { setUi } from "../app/ui";
import { communityApi } from "./communityApi";
import { hasHome } from "./communityRules";
import "./community.css";

const loaded = new Set<string>();

/** "Home" at the top of a community's channel list: the announcements, one's groups and the
 * others. Its badge counts the must-read announcements waiting for this person's "Got it". */
export function CommunityEntry({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const shown = useStore((s) => hasHome(s, guildId));
  const waiting = useStore((s) => mustReadList(s, guildId).length);
  const session = useStore((s) => (s.status === "ready" ? s.sessionId : null));
  const path = communityHomePath(guildId);
  const active = usePath() === path;
  useEffect(() => {
    // Once per guild and gateway session: after that MESSAGE_CREATE and MESSAGE_ACKNOWLEDGE
    // keep it (a resumed session missed nothing).
    const key = `${guildId}:${session}`;
    if (!shown || !session || loaded.has(key)) return;
    loaded.add(key);
    communityApi.loadMustRead(guildId).catch(() => loaded.delete(key));
  }, [guildId, shown, session]);
  if (!shown) return null;
  return (
    <a
      href={path}
      className={`channel-link community-entry ${active ? "active" : ""} ${waiting ? "unread" : ""}`}
      aria-current={active ? "page" : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate(path);
        setUi({ drawer: "none" });
      }}
    >
      <Icon name="home" size={18} />
      <span className="channel-name">{t("community.home")}</span>
      {waiting > 0 && (
        <>
          <span className="badge" aria-hidden="true">
            {formatNumber(waiting)}
          </span>
          <span className="sr-only">{`, ${t("community.waiting", { count: waiting })}`}</span>
        </>
      )}
    </a>
  );
}
