/** The REST calls of application commands and interactions (docs/interactions.md), through the
 * one API client: the command index the picker shows, and `POST /interactions` for commands,
 * component clicks, modal submits and autocomplete. Each interaction is noted in the store by
 * its nonce before it goes out (state/interactions.ts), so the gateway's INTERACTION_* events
 * find it. */

import { useEffect, useSyncExternalStore } from "react";
import type { TFunction } from "i18next";
import * as tus from "tus-js-client";
import { API_BASE, ApiError, api } from "../../api/client";
import type { operations } from "../../api/schema.gen";
import type { Channel, Message } from "../../api/types";
import { makeNonce } from "../../lib/snowflake";
import { closeModal, forgetInteraction, startInteraction, type InteractionKind, type ShownModal } from "../../state/interactions";
import { reduce } from "../../state/reducer";
import { getState, setState } from "../../state/store";
import { describeError } from "../../ui/errors";
import { TUS_CHUNK_BYTES, uploadIdFromUrl } from "../messages/attachmentRules";
import { applicationOfBot, autocompleteData, commandData, contextData, OptionType, withUploads, type Command, type CommandEntry, type CommandIndex, type GivenOption } from "./commandRules";
import { componentData, modalSubmission, type Button, type ModalValues, type Select } from "./componentRules";

type InteractionBody = operations["create_interaction_api_v10_interactions_post"]["requestBody"]["content"]["application/json"];

// -- the command index, per channel -------------------------------------------------------------

const indexes = new Map<string, CommandIndex>();
const loading = new Map<string, Promise<CommandIndex | undefined>>();
const listeners = new Set<() => void>();

function subscribeIndexes(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(): void {
  for (const listener of listeners) listener();
}

/** Fetches the index of a channel again (Discord's client does when the picker opens: commands
 * change without an event): a guild channel's, or, in a DM (no guild), what works in the DM
 * with an application's bot. Failures leave the last one. */
export function loadIndex(guildId: string | null | undefined, channelId: string): Promise<CommandIndex | undefined> {
  const running = loading.get(channelId);
  if (running) return running;
  const path = guildId ? `/guilds/${guildId}/application-command-index?channel_id=${channelId}` : `/channels/${channelId}/application-command-index`;
  const request = api
    .request<CommandIndex>("GET", path)
    .then(
      (index) => {
        indexes.set(channelId, index);
        changed();
        return index;
      },
      () => indexes.get(channelId),
    )
    .finally(() => loading.delete(channelId));
  loading.set(channelId, request);
  return request;
}

export function cachedIndex(channelId: string): CommandIndex | undefined {
  return indexes.get(channelId);
}

/** The channel's index, loaded when the channel (or `refresh`) changes, unless `load` is false
 * (then only what an earlier load brought). A channel without a guild is a DM. */
export function useCommandIndex(channel: Pick<Channel, "id" | "guild_id"> | null, refresh = 0, load = true): CommandIndex | undefined {
  const guildId = channel?.guild_id;
  const channelId = channel?.id;
  useEffect(() => {
    if (load && channelId) void loadIndex(guildId, channelId);
  }, [guildId, channelId, refresh, load]);
  const read = () => (channelId ? indexes.get(channelId) : undefined);
  return useSyncExternalStore(subscribeIndexes, read, read);
}

// -- invoking -----------------------------------------------------------------------------------

/** The command changed since the index was fetched (50035 on `data.version`): fetched again. */
export class StaleCommand extends Error {}

interface Invocation {
  kind: InteractionKind;
  type: 2 | 3 | 4 | 5;
  channelId: string;
  guildId: string | null;
  applicationId: string;
  name: string;
  data: Record<string, unknown>;
  messageId?: string;
  customId?: string;
}

async function invoke(what: Invocation): Promise<string> {
  const nonce = makeNonce();
  setState((s) =>
    startInteraction(s, {
      nonce,
      kind: what.kind,
      channelId: what.channelId,
      applicationId: what.applicationId,
      name: what.name,
      messageId: what.messageId ?? null,
      customId: what.customId ?? null,
    }),
  );
  const body: InteractionBody = {
    type: what.type,
    application_id: what.applicationId,
    guild_id: what.guildId,
    channel_id: what.channelId,
    session_id: getState().sessionId,
    nonce,
    data: what.data,
    ...(what.messageId ? { message_id: what.messageId } : {}),
  };
  try {
    await api.request<void>("POST", "/interactions", body);
  } catch (error) {
    setState((s) => forgetInteraction(s, nonce));
    if (error instanceof ApiError && Object.keys(error.fields).some((f) => f.endsWith("version"))) {
      void loadIndex(what.guildId, what.channelId);
      throw new StaleCommand();
    }
    throw error;
  }
  return nonce;
}

/** A file option's file failed to upload. */
export class UploadFailed extends Error {}

/** A file for a file option, uploaded resumably (tus, as a message's large files) before the
 * command goes: the upload's id, which `data.attachments` names. */
export function uploadFile(file: File, onProgress?: (sent: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(file, {
      endpoint: `${API_BASE}/uploads`,
      headers: api.token ? { Authorization: api.token } : {},
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
      chunkSize: TUS_CHUNK_BYTES,
      retryDelays: [0, 1000, 3000],
      onProgress: (sent) => onProgress?.(sent),
      onSuccess: () => resolve(uploadIdFromUrl(upload.url ?? "")),
      onError: (error) => reject(new UploadFailed(error.message)),
    });
    upload.start();
  });
}

export const commandsApi = {
  /** A slash command (or subcommand) with its checked options; the files of its file options
   * (by option name) are uploaded first. */
  async runCommand(channel: Channel, entry: CommandEntry, leaf: GivenOption[], files: Record<string, File> = {}, onProgress?: (sent: number, total: number) => void) {
    const chosen = leaf.filter((o) => o.type === OptionType.ATTACHMENT && files[o.name]).map((o) => files[o.name]);
    const total = chosen.reduce((sum, file) => sum + file.size, 0);
    const uploads: Record<string, { filename: string; uploadId: string }> = {};
    let done = 0;
    for (const option of leaf) {
      const file = option.type === OptionType.ATTACHMENT ? files[option.name] : undefined;
      if (!file) continue;
      const uploadId = await uploadFile(file, (sent) => onProgress?.(done + sent, total));
      done += file.size;
      uploads[option.name] = { filename: file.name, uploadId };
    }
    const named = withUploads(leaf, uploads);
    return invoke({
      kind: "command",
      type: 2,
      channelId: channel.id,
      guildId: channel.guild_id ?? null,
      applicationId: entry.command.application_id,
      name: `/${entry.label}`,
      data: { ...commandData(entry, named.leaf, named.attachments) },
    });
  },

  /** A user or message command on its target. */
  runContextCommand: (channel: Pick<Channel, "id" | "guild_id">, command: Command, label: string, targetId: string) =>
    invoke({
      kind: "command",
      type: 2,
      channelId: channel.id,
      guildId: channel.guild_id ?? null,
      applicationId: command.application_id,
      name: label,
      data: { ...contextData(command, targetId) },
    }),

  /** The text of an autocomplete option, sent to the application for suggestions; the nonce
   * finds them in the store. */
  autocomplete: (channel: Channel, entry: CommandEntry, values: Record<string, string>, focused: string) =>
    invoke({
      kind: "autocomplete",
      type: 4,
      channelId: channel.id,
      guildId: channel.guild_id ?? null,
      applicationId: entry.command.application_id,
      name: entry.label,
      data: { ...autocompleteData(entry, values, focused) },
    }),

  /** A button pressed or a select's values picked, on a message of the application's bot. */
  async click(message: Message, component: Button | Select, label: string, values?: readonly string[]) {
    const applicationId = message.application_id ?? (await applicationOf(message));
    if (!applicationId) throw new ApiError("not_found", 404, 10002, "unknown application");
    return invoke({
      kind: "component",
      type: 3,
      channelId: message.channel_id,
      guildId: message.guild_id ?? getState().channels[message.channel_id]?.guild_id ?? null,
      applicationId,
      name: label,
      data: { ...componentData(component, values) },
      messageId: message.id,
      customId: component.custom_id,
    });
  },

  /** The answers of a modal the application opened; it closes once they went out. */
  async submitModal(modal: ShownModal, values: ModalValues) {
    const channel = getState().channels[modal.channelId];
    await invoke({
      kind: "modal",
      type: 5,
      channelId: modal.channelId,
      guildId: channel?.guild_id ?? null,
      applicationId: modal.application.id,
      name: modal.title,
      data: { id: modal.id, custom_id: modal.customId, components: modalSubmission(modal.components, values) },
    });
    setState((s) => closeModal(s, modal.id));
  },

  closeModal: (modal: ShownModal) => setState((s) => closeModal(s, modal.id)),

  dismissFailure: (nonce: string) => setState((s) => forgetInteraction(s, nonce)),

  /** An ephemeral message goes from this tab only (it was never in the channel's history). */
  dismissEphemeral: (message: Message) => setState((s) => reduce(s, { t: "MESSAGE_DELETE", d: { id: message.id, channel_id: message.channel_id } })),
};

/** The application of a bot's ordinary message (sent with `channel.send(view=…)`): the index
 * names each application's bot. */
async function applicationOf(message: Message): Promise<string | undefined> {
  const known = applicationOfBot(cachedIndex(message.channel_id), message.author.id);
  if (known) return known.id;
  const guildId = message.guild_id ?? getState().channels[message.channel_id]?.guild_id;
  return applicationOfBot(await loadIndex(guildId, message.channel_id), message.author.id)?.id;
}

/** A refused interaction as a sentence. */
export function describeInvokeError(t: TFunction, error: unknown): string {
  if (error instanceof StaleCommand) return t("commands.errors.changed");
  if (error instanceof UploadFailed) return t("commands.errors.attachment");
  if (error instanceof ApiError) {
    if (error.code === 10062) return t("commands.errors.expired");
    if (error.kind === "permission" || error.kind === "access") return t("commands.errors.not_allowed");
    if (error.kind === "not_found") return t("commands.errors.gone");
  }
  return describeError(t, error);
}
