import { useEffect, useId } from "react";
import { useTranslation } from "react-i18next";
import type { Message } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { announcementsChannelOf, isAnnouncementsChannel, isMustRead, mustReadList } from "../../state/community";
import { actions, getState, useStore } from "../../state/store";
import { displayName } from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { Icon } from "../../ui/Icon";
import { channelPath, navigate } from "../app/router";
import { Markdown } from "../messages/Markdown";
import { maySeeReceipts, recentAnnouncements } from "./communityRules";
import { GotItButton } from "./MustRead";
import { ReceiptsLine } from "./Receipts";
import { ReplyPrivatelyButton } from "./ReplyPrivately";

function AnnouncementCard({ message, waiting }: { message: Message; waiting: boolean }) {
  const { t } = useTranslation();
  const headingId = useId();
  const guildId = useStore((s) => s.channels[message.channel_id]?.guild_id ?? null);
  const name = useStore((s) => displayName(s, message.author.id, guildId));
  const counts = useStore((s) => maySeeReceipts(s, message));
  // A group admin's must-read message says where it was posted.
  const elsewhere = useStore((s) => (isAnnouncementsChannel(s, message.channel_id) ? null : (s.channels[message.channel_id]?.name ?? null)));
  const date = new Date(message.timestamp);
  return (
    <li className={`announcement ${waiting ? "waiting" : ""}`} aria-labelledby={headingId} data-message-id={message.id}>
      <div className="announcement-head">
        <Avatar id={message.author.id} name={name} size={28} />
        <strong id={headingId} className="announcement-author">
          {name}
        </strong>
        <time dateTime={message.timestamp} className="muted small">
          {formatDateTime(date)}
        </time>
        {elsewhere && <span className="muted small">{t("community.posted_in", { name: elsewhere })}</span>}
        {isMustRead(message) && <span className="must-read-badge">{t("community.must_read")}</span>}
      </div>
      <div className="announcement-content">
        <Markdown source={message.content} />
      </div>
      <div className="announcement-actions">
        {waiting && <GotItButton message={message} />}
        <ReplyPrivatelyButton message={message} />
        {counts && <ReceiptsLine message={message} />}
      </div>
    </li>
  );
}

/** The top of the home: must-read announcements this person has not acknowledged, pinned
 * (newest first), then the latest others; live from the gateway. */
export function Announcements({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const titleId = useId();
  const channel = useStore((s) => announcementsChannelOf(s, guildId));
  const waiting = useStore((s) => mustReadList(s, guildId));
  const recent = useStore((s) => recentAnnouncements(s, guildId));
  const channelId = channel?.id;
  useEffect(() => {
    // The channel's latest page, in the store as when it is opened: its MESSAGE_CREATEs append.
    if (channelId && !getState().messages[channelId]) actions.loadLatest(channelId).catch(() => undefined);
  }, [channelId]);
  return (
    <section className="community-section" aria-labelledby={titleId}>
      <div className="community-section-head">
        <h2 id={titleId}>{t("community.announcements")}</h2>
        {channel && (
          <a
            href={channelPath(guildId, channel.id)}
            className="button secondary small"
            onClick={(e) => {
              e.preventDefault();
              navigate(channelPath(guildId, channel.id));
            }}
          >
            <Icon name="announce" size={16} /> {t("community.open_channel", { name: channel.name })}
          </a>
        )}
      </div>
      {waiting.length > 0 && (
        <ul className="announcement-list" aria-label={t("community.must_read_list")}>
          {waiting.map((message) => (
            <AnnouncementCard key={message.id} message={message} waiting />
          ))}
        </ul>
      )}
      {recent.length > 0 ? (
        <ul className="announcement-list" aria-label={t("community.recent_list")}>
          {recent.map((message) => (
            <AnnouncementCard key={message.id} message={message} waiting={false} />
          ))}
        </ul>
      ) : (
        !waiting.length && <p className="muted">{t("community.no_announcements")}</p>
      )}
    </section>
  );
}
