import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { JoinPolicy, pendingProposals, type GroupProposal } from "../../state/community";
import { useStore } from "../../state/store";
import { displayName } from "../../state/selectors";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { communityApi } from "./communityApi";
import { mayManageGroups } from "./communityRules";

function ProposalRow({ proposal, decides }: { proposal: GroupProposal; decides: boolean }) {
  const { t } = useTranslation();
  const headingId = useId();
  const by = useStore((s) => (s.users[proposal.user_id] ? displayName(s, proposal.user_id, proposal.guild_id) : (proposal.user?.global_name || proposal.user?.username || "…")));
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      notify(describeError(t, error, decides ? "MANAGE_CHANNELS" : undefined));
      setBusy(false);
    }
  };
  const closed = proposal.group_join_policy === JoinPolicy.REQUEST;
  return (
    <li className="group-row" aria-labelledby={headingId} data-proposal-id={proposal.id}>
      <div className="group-text">
        <h3 id={headingId} className="group-name">
          {proposal.name}
        </h3>
        {proposal.topic && <p className="group-topic">{proposal.topic}</p>}
        <p className="muted small group-facts">
          {t("community.proposed_by", { name: by })}
          {" · "}
          {closed ? t("community.closed") : t("community.open")}
        </p>
      </div>
      <div className="group-actions">
        {decides ? (
          <>
            <button type="button" className="button primary small" disabled={busy} onClick={() => void run(() => communityApi.decideProposal(proposal.guild_id, proposal.id, true))}>
              {t("community.approve")}
            </button>
            <button type="button" className="button secondary small" disabled={busy} onClick={() => void run(() => communityApi.decideProposal(proposal.guild_id, proposal.id, false))}>
              {t("community.decline")}
            </button>
          </>
        ) : (
          <button type="button" className="button secondary small" disabled={busy} onClick={() => void run(() => communityApi.withdrawProposal(proposal.guild_id, proposal.id))}>
            {t("community.withdraw")}
          </button>
        )}
      </div>
    </li>
  );
}

/** Pending group proposals: the community's admins decide them; a member sees their own. */
export function Proposals({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const titleId = useId();
  const decides = useStore((s) => mayManageGroups(s, guildId));
  const proposals = useStore((s) => pendingProposals(s, guildId));
  if (!proposals.length && !decides) return null;
  return (
    <section className="community-section" aria-labelledby={titleId}>
      <h2 id={titleId}>{decides ? t("community.proposals") : t("community.my_proposals")}</h2>
      {proposals.length ? (
        <ul className="group-list">
          {proposals.map((proposal) => (
            <ProposalRow key={proposal.id} proposal={proposal} decides={decides} />
          ))}
        </ul>
      ) : (
        <p className="muted">{t("community.no_proposals")}</p>
      )}
    </section>
  );
}
