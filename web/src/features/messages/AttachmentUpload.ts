/** Files on their way into a message: the files chosen in a channel's composer (its draft), and
 * the uploads of messages sent with files. Each upload is a local message in the list (as a text
 * message being sent is), with the progress of each file: small files travel in the message's own
 * request (multipart), large ones resumably first (tus, with pause, resume and cancel), and then
 * the message names them. A failure keeps everything for "try again", with the same nonce, so a
 * message is never posted twice. */

import { useSyncExternalStore } from "react";
import * as tus from "tus-js-client";
import { API_BASE, ApiError, api, type FilePart, type MessagePayload } from "../../api/client";
import type { Message } from "../../api/types";
import { makeNonce } from "../../lib/snowflake";
import type { ChatMessage } from "../../state/reducer";
import { addLocalMessage, confirmLocalMessage, removeLocalMessage, setLocalState } from "../../state/reducer";
import { getState, setState } from "../../state/store";
import {
  chooseTransports,
  MAX_FILE_BYTES,
  MAX_FILES,
  TUS_CHUNK_BYTES,
  uploadIdFromUrl,
  type Transport,
} from "./attachmentRules";

// -- a small store ------------------------------------------------------------------------------

function createStore<T>(initial: T) {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(change: (current: T) => T) {
      const next = change(value);
      if (next === value) return;
      value = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

const PREVIEWABLE = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;
let counter = 0;
const nextKey = () => `f${++counter}`;

// -- drafts: the files chosen in a composer, before sending ------------------------------------

export interface DraftFile {
  key: string;
  file: File;
  description: string;
  /** An object URL of the file for a thumbnail (images only), revoked when the file goes. */
  preview: string | null;
}

const NO_FILES: DraftFile[] = [];
const drafts = createStore<Record<string, DraftFile[]>>({});

export function useDraft(channelId: string): DraftFile[] {
  return useSyncExternalStore(drafts.subscribe, () => drafts.get()[channelId] ?? NO_FILES);
}

export function draftFiles(channelId: string): DraftFile[] {
  return drafts.get()[channelId] ?? NO_FILES;
}

export interface AddResult {
  added: number;
  /** Files left out because the message already had MAX_FILES. */
  overCount: number;
  /** Names of files larger than MAX_FILE_BYTES. */
  tooLarge: string[];
}

/** A file made here (a recording) as a draft file, to be sent at once. */
export function asDraft(file: File): DraftFile {
  return { key: nextKey(), file, description: "", preview: null };
}

/** Adds files to a channel's draft (from the picker, a drop or the clipboard). */
export function addDraftFiles(channelId: string, files: readonly File[]): AddResult {
  const current = draftFiles(channelId);
  const tooLarge = files.filter((f) => f.size > MAX_FILE_BYTES).map((f) => f.name);
  const fitting = files.filter((f) => f.size <= MAX_FILE_BYTES);
  const room = Math.max(0, MAX_FILES - current.length);
  const taken = fitting.slice(0, room).map<DraftFile>((file) => ({
    key: nextKey(),
    file,
    description: "",
    preview: PREVIEWABLE.test(file.type) ? URL.createObjectURL(file) : null,
  }));
  if (taken.length) drafts.set((all) => ({ ...all, [channelId]: [...current, ...taken] }));
  return { added: taken.length, overCount: fitting.length - taken.length, tooLarge };
}

export function removeDraftFile(channelId: string, key: string): void {
  const file = draftFiles(channelId).find((f) => f.key === key);
  if (file?.preview) URL.revokeObjectURL(file.preview);
  drafts.set((all) => ({ ...all, [channelId]: (all[channelId] ?? []).filter((f) => f.key !== key) }));
}

export function describeDraftFile(channelId: string, key: string, description: string): void {
  drafts.set((all) => ({
    ...all,
    [channelId]: (all[channelId] ?? []).map((f) => (f.key === key ? { ...f, description } : f)),
  }));
}

/** Empties a channel's draft and hands its files over (their previews now belong to the taker). */
export function takeDraft(channelId: string): DraftFile[] {
  const files = draftFiles(channelId);
  if (files.length) drafts.set((all) => ({ ...all, [channelId]: [] }));
  return files;
}

// -- uploads: messages being sent with files ----------------------------------------------------

export type UploadStatus = "queued" | "uploading" | "paused" | "done" | "failed";

export interface UploadFile {
  key: string;
  file: File;
  description: string;
  preview: string | null;
  transport: Transport;
  loaded: number;
  status: UploadStatus;
  /** The resumable upload's id, once it is complete. */
  uploadId?: string;
}

export interface UploadJob {
  localId: string;
  channelId: string;
  files: UploadFile[];
  phase: "uploading" | "failed";
  /** Why it failed: the server's refusal, or a lost connection. */
  error: ApiError | null;
}

interface Control {
  content: string;
  nonce: string;
  flags: number;
  replyTo?: string;
  running: boolean;
  abort: AbortController | null;
  tus: Map<string, { upload: tus.Upload; settle: ((error?: unknown) => void) | null }>;
}

const jobs = createStore<Record<string, UploadJob>>({});
const controls = new Map<string, Control>();

export function useUpload(localId: string): UploadJob | undefined {
  return useSyncExternalStore(jobs.subscribe, () => jobs.get()[localId]);
}

function updateJob(localId: string, change: (job: UploadJob) => UploadJob): void {
  jobs.set((all) => (all[localId] ? { ...all, [localId]: change(all[localId]) } : all));
}

function updateFile(localId: string, key: string, patch: Partial<UploadFile>): void {
  updateJob(localId, (job) => ({ ...job, files: job.files.map((f) => (f.key === key ? { ...f, ...patch } : f)) }));
}

function endJob(localId: string): void {
  const job = jobs.get()[localId];
  for (const file of job?.files ?? []) if (file.preview) URL.revokeObjectURL(file.preview);
  controls.delete(localId);
  jobs.set((all) => {
    const rest = { ...all };
    delete rest[localId];
    return rest;
  });
}

export interface SendWithFiles {
  channelId: string;
  content: string;
  files: readonly DraftFile[];
  replyTo?: string;
  flags?: number;
}

/** Sends a message with files: a local message at once, then the uploads, then the message. */
export function sendWithFiles({ channelId, content, files, replyTo, flags = 0 }: SendWithFiles): string {
  const nonce = makeNonce();
  const localId = `local-${nonce}`;
  const state = getState();
  const reply = replyTo ? state.messages[channelId]?.byId[replyTo] : undefined;
  const local: ChatMessage = {
    id: localId,
    channel_id: channelId,
    author: state.me!,
    content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    pinned: false,
    type: replyTo ? 19 : 0,
    flags,
    nonce,
    referenced_message: reply ?? null,
    message_reference: replyTo ? { message_id: replyTo, channel_id: channelId } : undefined,
    local: "sending",
  };
  const transports = chooseTransports(files.map((f) => f.file.size));
  jobs.set((all) => ({
    ...all,
    [localId]: {
      localId,
      channelId,
      phase: "uploading",
      error: null,
      files: files.map((f, i) => ({ ...f, transport: transports[i], loaded: 0, status: "queued" })),
    },
  }));
  controls.set(localId, { content, nonce, flags, replyTo, running: false, abort: null, tus: new Map() });
  setState((s) => addLocalMessage(s, local));
  void run(localId);
  return localId;
}

/** Goes on from where it stopped: finished resumable uploads are not sent again. */
export function retryUpload(localId: string): void {
  void run(localId);
}

/** Stops and forgets an upload and its local message; resumable uploads are ended on the server. */
export function discardUpload(localId: string): void {
  const job = jobs.get()[localId];
  const control = controls.get(localId);
  if (!job || !control) return;
  control.abort?.abort();
  for (const { upload } of control.tus.values()) {
    if (upload.url) upload.abort(true).catch(() => undefined);
  }
  setState((s) => removeLocalMessage(s, job.channelId, localId));
  endJob(localId);
}

export function pauseFile(localId: string, key: string): void {
  const entry = controls.get(localId)?.tus.get(key);
  if (!entry) return;
  void entry.upload.abort(false);
  updateFile(localId, key, { status: "paused" });
}

export function resumeFile(localId: string, key: string): void {
  const entry = controls.get(localId)?.tus.get(key);
  if (!entry) return;
  updateFile(localId, key, { status: "uploading" });
  entry.upload.start();
}

/** Takes one file out of the message; the rest (or the text alone) is still sent. */
export function cancelFile(localId: string, key: string): void {
  const control = controls.get(localId);
  const job = jobs.get()[localId];
  if (!control || !job) return;
  const entry = control.tus.get(key);
  if (entry) {
    control.tus.delete(key);
    entry.upload.abort(true).catch(() => undefined);
    entry.settle?.();
  }
  const file = job.files.find((f) => f.key === key);
  if (file?.preview) URL.revokeObjectURL(file.preview);
  const files = job.files.filter((f) => f.key !== key);
  if (!files.length && !control.content.trim()) {
    discardUpload(localId);
    return;
  }
  updateJob(localId, (j) => ({ ...j, files }));
  if (file?.transport === "multipart" && control.abort) {
    // The request was on its way with this file: it goes again without it.
    const aborting = control.abort;
    control.abort = null;
    aborting.abort();
  }
}

function uploadResumable(localId: string, key: string): Promise<void> {
  const control = controls.get(localId)!;
  const file = jobs.get()[localId]!.files.find((f) => f.key === key)!;
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: unknown) => {
      const entry = control.tus.get(key);
      if (entry) entry.settle = null;
      if (error) reject(error);
      else resolve();
    };
    const known = control.tus.get(key);
    if (known) {
      // After a failure: the same upload goes on from the server's offset.
      known.settle = settle;
      updateFile(localId, key, { status: "uploading" });
      known.upload.start();
      return;
    }
    const upload = new tus.Upload(file.file, {
      endpoint: `${API_BASE}/uploads`,
      headers: api.token ? { Authorization: api.token } : {},
      metadata: { filename: file.file.name, filetype: file.file.type || "application/octet-stream" },
      chunkSize: TUS_CHUNK_BYTES,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      onProgress: (sent) => updateFile(localId, key, { loaded: sent }),
      onSuccess: () => {
        updateFile(localId, key, { status: "done", loaded: file.file.size, uploadId: uploadIdFromUrl(upload.url ?? "") });
        control.tus.get(key)?.settle?.();
      },
      onError: (error) => {
        updateFile(localId, key, { status: "failed" });
        control.tus.get(key)?.settle?.(tusFailure(error));
      },
    });
    control.tus.set(key, { upload, settle });
    updateFile(localId, key, { status: "uploading" });
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      })
      .catch(() => undefined)
      .finally(() => {
        if (control.tus.has(key)) upload.start();
      });
  });
}

/** A tus failure as the API's own errors are (Discord's `{code, message}` in the body). */
function tusFailure(error: Error): ApiError {
  const response = (error as tus.DetailedError).originalResponse;
  const status = response?.getStatus() ?? 0;
  if (!status) return new ApiError("network", 0, 0, "network");
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(response?.getBody() || "{}") as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  const code = Number(body.code ?? 0);
  const kind = status === 413 ? "too_long" : code === 50013 ? "permission" : status === 401 ? "unauthorized" : status >= 500 ? "server" : "invalid";
  return new ApiError(kind, status, code, String(body.message ?? ""));
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

async function run(localId: string): Promise<void> {
  const control = controls.get(localId);
  if (!control || control.running) return;
  control.running = true;
  const channelId = jobs.get()[localId]!.channelId;
  updateJob(localId, (j) => ({ ...j, phase: "uploading", error: null }));
  setState((s) => setLocalState(s, channelId, localId, "sending"));
  try {
    for (;;) {
      const next = jobs.get()[localId]?.files.find((f) => f.transport === "tus" && f.status !== "done");
      if (!next) break;
      await uploadResumable(localId, next.key);
    }
    const message = await postMessage(localId);
    if (!message) return;
    setState((s) => confirmLocalMessage(s, message));
    endJob(localId);
  } catch (error) {
    if (!jobs.get()[localId]) return;
    const failure = error instanceof ApiError ? error : new ApiError("server", 0, 0, "");
    updateJob(localId, (j) => ({
      ...j,
      phase: "failed",
      error: failure,
      files: j.files.map((f) => (f.status === "uploading" ? { ...f, status: "failed" } : f)),
    }));
    setState((s) => setLocalState(s, channelId, localId, "failed", failure.kind));
  } finally {
    control.running = false;
  }
}

/** The message itself, naming every file; the small ones travel in it. Null when it was called
 * off (discarded, or sent again without a file taken out on the way). */
async function postMessage(localId: string): Promise<Message | null> {
  for (;;) {
    const control = controls.get(localId);
    const job = jobs.get()[localId];
    if (!control || !job) return null;
    const payload: MessagePayload = {
      content: control.content,
      nonce: control.nonce,
      enforce_nonce: true,
      ...(control.flags ? { flags: control.flags } : {}),
      ...(control.replyTo ? { message_reference: { message_id: control.replyTo } } : {}),
      attachments: job.files.map((f, id) => ({
        id,
        filename: f.file.name,
        ...(f.description.trim() ? { description: f.description.trim() } : {}),
        ...(f.transport === "tus" ? { uploaded_filename: f.uploadId } : {}),
      })),
    };
    const parts: (FilePart & { key: string; size: number })[] = [];
    job.files.forEach((f, id) => {
      if (f.transport === "multipart") parts.push({ id, file: f.file, filename: f.file.name, key: f.key, size: f.file.size });
    });
    for (const part of parts) updateFile(localId, part.key, { status: "uploading", loaded: 0 });
    const abort = new AbortController();
    control.abort = abort;
    try {
      return await api.postMessage(job.channelId, payload, parts, (loaded) => {
        // The body is the JSON part and then the files in order: each file's share of it.
        let offset = 0;
        for (const part of parts) {
          updateFile(localId, part.key, { loaded: Math.min(part.size, Math.max(0, loaded - offset)) });
          offset += part.size;
        }
      }, abort.signal);
    } catch (error) {
      if (!isAbort(error)) throw error;
      if (control.abort === abort || !jobs.get()[localId]) return null; // discarded
      // A file was taken out while the request was on its way: send again without it.
    } finally {
      if (control.abort === abort) control.abort = null;
    }
  }
}

/** Whether uploads are still running (the page asks before it is closed). */
export function uploading(): boolean {
  return Object.values(jobs.get()).some((job) => job.phase === "uploading");
}

if (typeof window !== "undefined") {
  window.addEventListener("beforeunload", (event) => {
    if (uploading()) event.preventDefault();
  });
}
