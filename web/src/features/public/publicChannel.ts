/** What a visitor without an account sees of a public channel (docs/public-channels.md): the
 * channel, a window of its history, and what the gateway says happens to it. Pure: the screen
 * (PublicChannel.tsx) feeds it REST pages and gateway dispatches; vitest in web/tests/. */

import type { Channel, Message, Reaction } from "../../api/types";

/** townhall's channel flag: readable by anyone with the link (domain/channels.py). */
export const WEB_PUBLIC = 1 << 30;
/** A page of history, as the visitor scrolls back. */
export const PAGE = 50;
/** Messages kept on screen; past this the oldest go (and can be loaded again). */
export const WINDOW = 500;

export function isWebPublic(channel: Pick<Channel, "flags"> | null | undefined): boolean {
  return !!channel && ((channel.flags ?? 0) & WEB_PUBLIC) !== 0;
}

/** The link a member shares: the channel's own address, which opens the app for members and the
 * public view for anyone else; with an invite (a guest link, say) the view offers to join. */
export function publicLink(origin: string, guildId: string, channelId: string, invite?: string | null): string {
  const path = `${origin}/channels/${guildId}/${channelId}`;
  return invite ? `${path}?invite=${encodeURIComponent(invite)}` : path;
}

export interface PublicView {
  channel: Channel | null;
  /** Oldest first. */
  messages: Message[];
  /** Older messages exist than the first one here. */
  older: boolean;
  /** The channel is not (or no longer) readable without an account. */
  closed: boolean;
  /** A page of history has come. */
  loaded: boolean;
}

export const initialView: PublicView = { channel: null, messages: [], older: false, closed: false, loaded: false };

export type PublicAction =
  | { type: "channel"; channel: Channel }
  | { type: "closed" }
  /** A page from GET /channels/{id}/messages (newest first); `before` when it was scrolling back. */
  | { type: "page"; page: Message[]; before: boolean }
  | { type: "dispatch"; t: string; d: unknown };

const byId = (a: { id: string }, b: { id: string }) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0);

function merge(current: Message[], incoming: Message[]): Message[] {
  const found = new Map(current.map((m) => [m.id, m]));
  for (const message of incoming) found.set(message.id, { ...found.get(message.id), ...message });
  return [...found.values()].sort(byId);
}

function trimmed(view: PublicView, messages: Message[], keepOldest = false): PublicView {
  if (messages.length <= WINDOW) return { ...view, messages };
  if (keepOldest) return { ...view, messages: messages.slice(0, WINDOW) };
  return { ...view, messages: messages.slice(messages.length - WINDOW), older: true };
}

function react(reactions: Reaction[] | undefined, emoji: string, change: 1 | -1): Reaction[] {
  const list = reactions ?? [];
  const found = list.find((r) => r.emoji.name === emoji);
  if (!found) return change > 0 ? [...list, { count: 1, me: false, emoji: { id: null, name: emoji } } as Reaction] : list;
  return list
    .map((r) => (r === found ? { ...r, count: r.count + change } : r))
    .filter((r) => r.count > 0);
}

function withMessage(view: PublicView, id: string, change: (message: Message) => Message): PublicView {
  const index = view.messages.findIndex((m) => m.id === id);
  if (index < 0) return view;
  const messages = view.messages.slice();
  messages[index] = change(messages[index]);
  return { ...view, messages };
}

interface Data {
  id?: string;
  channel_id?: string;
  guild_id?: string;
  message_id?: string;
  ids?: string[];
  emoji?: { name: string | null };
}

export function publicReducer(view: PublicView, action: PublicAction): PublicView {
  switch (action.type) {
    case "channel":
      return { ...view, channel: action.channel, closed: !isWebPublic(action.channel) };
    case "closed":
      return { ...view, closed: true };
    case "page": {
      const page = action.page;
      const next = { ...view, loaded: true, older: action.before ? page.length >= PAGE : view.older || (!view.messages.length && page.length >= PAGE) };
      return trimmed(next, merge(view.messages, page), action.before);
    }
    case "dispatch":
      return applyDispatch(view, action.t, action.d);
  }
}

function applyDispatch(view: PublicView, t: string, raw: unknown): PublicView {
  const channel = view.channel;
  if (!channel) return view;
  const d = raw as Data;
  if (t === "GUILD_DELETE") return d.id === channel.guild_id ? { ...view, closed: true } : view;
  if (t === "CHANNEL_UPDATE" || t === "CHANNEL_CREATE") {
    if (d.id !== channel.id) return view;
    const updated = raw as Channel;
    return { ...view, channel: updated, closed: !isWebPublic(updated) };
  }
  if (t === "CHANNEL_DELETE") return d.id === channel.id ? { ...view, closed: true } : view;
  if (d.channel_id !== channel.id) return view;
  switch (t) {
    case "MESSAGE_CREATE":
      return trimmed(view, merge(view.messages, [raw as Message]));
    case "MESSAGE_UPDATE":
      return withMessage(view, d.id ?? "", (m) => ({ ...m, ...(raw as Partial<Message>) }));
    case "MESSAGE_DELETE":
      return { ...view, messages: view.messages.filter((m) => m.id !== d.id) };
    case "MESSAGE_DELETE_BULK": {
      const gone = new Set(d.ids ?? []);
      return { ...view, messages: view.messages.filter((m) => !gone.has(m.id)) };
    }
    case "MESSAGE_REACTION_ADD":
    case "MESSAGE_REACTION_REMOVE": {
      const emoji = d.emoji?.name;
      if (!emoji) return view;
      const change = t === "MESSAGE_REACTION_ADD" ? 1 : -1;
      return withMessage(view, d.message_id ?? "", (m) => ({ ...m, reactions: react(m.reactions, emoji, change) }));
    }
    case "MESSAGE_REACTION_REMOVE_ALL":
      return withMessage(view, d.message_id ?? "", (m) => ({ ...m, reactions: [] }));
    case "MESSAGE_REACTION_REMOVE_EMOJI":
      return withMessage(view, d.message_id ?? "", (m) => ({ ...m, reactions: (m.reactions ?? []).filter((r) => r.emoji.name !== d.emoji?.name) }));
    default:
      return view;
  }
}
