/** GUILD_SCHEDULED_EVENT_REMINDER (townhall's, for the interested shortly before the start): a
 * notice in the app, and a desktop notification when the tab is in the background and allowed. */

import type { ScheduledEvent } from "../../api/types";
import { i18n } from "../../i18n";
import { onDispatch } from "../../state/store";
import { navigate } from "../app/router";
import { notify } from "../app/ui";
import { eventTime } from "./eventRules";

export function reminderText(event: ScheduledEvent, guildName: string): string {
  return i18n.t("events.reminder", { name: event.name, time: eventTime(event), community: guildName });
}

onDispatch((dispatch, _before, after) => {
  if (dispatch.t !== "GUILD_SCHEDULED_EVENT_REMINDER") return;
  const event = dispatch.d as ScheduledEvent;
  const text = reminderText(event, after.guilds[event.guild_id]?.name ?? "");
  notify(text, "info");
  const background = document.visibilityState !== "visible" || !document.hasFocus();
  if (!background || typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const note = new Notification(event.name, { body: text, tag: `event-${event.id}` });
  note.onclick = () => {
    window.focus();
    navigate(`/channels/${event.guild_id}${event.channel_id ? `/${event.channel_id}` : ""}`);
  };
});
