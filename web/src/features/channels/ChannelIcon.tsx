import { useTranslation } from "react-i18next";
import { ChannelType, type Channel } from "../../api/types";
import { Icon, type IconName } from "../../ui/Icon";

const ICONS: Record<number, IconName> = {
  [ChannelType.GUILD_TEXT]: "hash",
  [ChannelType.GUILD_ANNOUNCEMENT]: "announce",
  [ChannelType.GUILD_VOICE]: "voice",
  [ChannelType.GUILD_STAGE_VOICE]: "stage",
  [ChannelType.GUILD_FORUM]: "forum",
  [ChannelType.DM]: "at",
  [ChannelType.GROUP_DM]: "members",
};

const KINDS: Record<number, string> = {
  [ChannelType.GUILD_TEXT]: "text",
  [ChannelType.GUILD_ANNOUNCEMENT]: "announcement",
  [ChannelType.GUILD_VOICE]: "voice",
  [ChannelType.GUILD_STAGE_VOICE]: "stage",
  [ChannelType.GUILD_FORUM]: "forum",
  [ChannelType.DM]: "dm",
  [ChannelType.GROUP_DM]: "group_dm",
};

export function channelKind(channel: Channel): string {
  return KINDS[channel.type] ?? "text";
}

export function ChannelIcon({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  return (
    <span className="channel-icon" role="img" aria-label={t(`channels.kind.${channelKind(channel)}`)}>
      <Icon name={ICONS[channel.type] ?? "hash"} size={18} />
    </span>
  );
}
