import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Channel } from "../../api/types";
import { Decision, GroupFlag, type GroupProposal } from "../../state/community";
import { getState, onDispatch, useStore } from "../../state/store";
import { Icon } from "../../ui/Icon";
import { setUi } from "../app/ui";
import { Announcements } from "./Announcements";
import { communityApi } from "./communityApi";
import { hasHome, mayManageGroups } from "./communityRules";
import { GroupForm } from "./GroupForm";
import { ModerationLogButton } from "./ModerationLog";
import { ThreadCommentsSwitch } from "./ThreadComments";
import { Groups } from "./Groups";
import { Proposals } from "./Proposals";
import "./community.css";

/** What the home fetches when it opens and after a new connection; the gateway keeps it. */
function useCommunityData(guildId: string, shown: boolean) {
  const status = useStore((s) => s.status);
  useEffect(() => {
    if (!shown || status !== "ready") return;
    communityApi.loadDirectory(guildId).catch(() => undefined);
    communityApi.loadMustRead(guildId).catch(() => undefined);
    communityApi.loadProposals(guildId).catch(() => undefined);
  }, [guildId, shown, status]);
  // A group that appears (a proposal approved, a group made, one of ours created) is not in the
  // directory yet: it is fetched again, once for a burst of events.
  useEffect(() => {
    if (!shown) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => communityApi.loadDirectory(guildId).catch(() => undefined), 150);
    };
    const stop = onDispatch((event) => {
      if (event.t === "GROUP_PROPOSAL_UPDATE") {
        const proposal = event.d as GroupProposal;
        if (proposal.guild_id === guildId && proposal.status === Decision.APPROVED) refresh();
      } else if (event.t === "CHANNEL_CREATE") {
        const channel = event.d as Channel;
        const known = getState().community.directory[guildId]?.some((g) => g.id === channel.id);
        if (channel.guild_id === guildId && ((channel.flags ?? 0) & GroupFlag.GROUP) !== 0 && !known) refresh();
      }
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [guildId, shown]);
}

/** A community's home (docs/communities.md): its announcements on top, must-read ones pinned
 * until acknowledged; the proposals to decide or one's own; one's groups and the others. */
export function CommunityHome({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const shown = useStore((s) => hasHome(s, guildId));
  const name = useStore((s) => s.guilds[guildId]?.name ?? "");
  const known = useStore((s) => !!s.guilds[guildId]);
  const manages = useStore((s) => mayManageGroups(s, guildId));
  const [form, setForm] = useState<"propose" | "create" | null>(null);
  useCommunityData(guildId, shown);
  return (
    <section className="community-home" aria-label={t("community.home_title", { name })}>
      <header className="pane-head">
        <button type="button" className="icon-button phone-only" aria-label={t("nav.open_navigation")} onClick={() => setUi({ drawer: "nav" })}>
          <Icon name="menu" />
        </button>
        <Icon name="home" />
        <h1 className="pane-title">{t("community.home_title", { name })}</h1>
      </header>
      {shown ? (
        <div className="community-scroll">
          <Announcements guildId={guildId} />
          <ThreadCommentsSwitch guildId={guildId} />
          <div className="community-toolbar">
            {manages ? (
              <button type="button" className="button primary" onClick={() => setForm("create")}>
                <Icon name="plus" size={16} /> {t("community.create_group")}
              </button>
            ) : (
              <button type="button" className="button primary" onClick={() => setForm("propose")}>
                <Icon name="plus" size={16} /> {t("community.propose_group")}
              </button>
            )}
            <ModerationLogButton guildId={guildId} />
          </div>
          <Proposals guildId={guildId} />
          <Groups guildId={guildId} />
        </div>
      ) : (
        <div className="empty-main">
          <p className="muted">{known ? t("community.not_a_community") : t("common.loading")}</p>
        </div>
      )}
      {form && <GroupForm guildId={guildId} mode={form} onClose={() => setForm(null)} />}
    </section>
  );
}
