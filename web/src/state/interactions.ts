/** The interactions this tab started (docs/interactions.md), as pure functions the reducer calls.
 *
 * A person's client invokes with `POST /interactions` and a `nonce`; its own sessions then get
 * INTERACTION_CREATE `{id, nonce}`, and INTERACTION_SUCCESS or INTERACTION_FAILURE (no answer
 * within 3 seconds). A modal the application opens comes as INTERACTION_MODAL_CREATE, an
 * autocomplete's suggestions as APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE. Every session of the
 * person gets these; only the tab that knows the nonce acts on them (shows the modal, the
 * loading button, the failure), as Discord's client does. */

/** Message flags of interaction answers. */
export const EPHEMERAL = 1 << 6;
export const LOADING = 1 << 7;

export type InteractionKind = "command" | "component" | "modal" | "autocomplete";

export interface PendingInteraction {
  nonce: string;
  /** The interaction's id, once INTERACTION_CREATE named it. */
  id: string | null;
  kind: InteractionKind;
  channelId: string;
  applicationId: string;
  /** What the person acted on, as they read it: a command's name ("hello", "admin ban"), a
   * modal's title, a component's label. */
  name: string;
  /** A component's message and custom_id (its loading state). */
  messageId: string | null;
  customId: string | null;
  failed: boolean;
}

/** A modal an application opened for this tab (INTERACTION_MODAL_CREATE). */
export interface ShownModal {
  /** The interaction the modal answers: the submit's `data.id`. */
  id: string;
  nonce: string;
  channelId: string;
  customId: string;
  title: string;
  components: unknown[];
  application: { id: string; name: string; icon: string | null };
}

/** INTERACTION_MODAL_CREATE's data. */
export interface ModalEvent {
  id: string;
  nonce?: string | null;
  channel_id: string;
  custom_id: string;
  title: string;
  components?: unknown[];
  application?: { id: string; name: string; icon: string | null };
}

export function shownModal(d: ModalEvent): ShownModal {
  return {
    id: d.id,
    nonce: d.nonce ?? "",
    channelId: d.channel_id,
    customId: d.custom_id,
    title: d.title,
    components: d.components ?? [],
    application: d.application ?? { id: "", name: "", icon: null },
  };
}

export interface Suggestion {
  name: string;
  value: string | number;
  name_localizations?: Record<string, string>;
}

export interface InteractionsState {
  /** By nonce: what this tab is waiting for, or what failed (until dismissed). */
  pending: Record<string, PendingInteraction>;
  /** The modals to show, oldest first. */
  modals: ShownModal[];
  /** By nonce of the autocomplete interaction: the application's suggestions. */
  suggestions: Record<string, Suggestion[]>;
}

export const emptyInteractions: InteractionsState = { pending: {}, modals: [], suggestions: {} };

/** Autocomplete answers kept (one per keystroke pause): the fields read only the newest. */
const MAX_SUGGESTIONS = 10;

export interface InteractionsSlice {
  interactions: InteractionsState;
}

function withInteractions<S extends InteractionsSlice>(state: S, change: Partial<InteractionsState>): S {
  return { ...state, interactions: { ...state.interactions, ...change } };
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const rest = { ...record };
  delete rest[key];
  return rest;
}

/** The nonce of an event: by nonce, else by the interaction's id. */
function findNonce(state: InteractionsState, event: { id?: string | null; nonce?: string | null }): string | null {
  if (event.nonce && state.pending[event.nonce]) return event.nonce;
  if (!event.id) return null;
  return Object.values(state.pending).find((p) => p.id === event.id)?.nonce ?? null;
}

export function startInteraction<S extends InteractionsSlice>(state: S, pending: Omit<PendingInteraction, "id" | "failed">): S {
  const replaced = Object.values(state.interactions.pending).filter(
    // A component clicked again after it failed: the old failure goes.
    (p) => p.failed && p.kind === pending.kind && p.messageId === pending.messageId && p.customId === pending.customId && p.channelId === pending.channelId,
  );
  let rest = state.interactions.pending;
  for (const old of replaced) rest = withoutKey(rest, old.nonce);
  return withInteractions(state, { pending: { ...rest, [pending.nonce]: { ...pending, id: null, failed: false } } });
}

/** The POST was refused (the caller explains why), or the person dismissed a failure. */
export function forgetInteraction<S extends InteractionsSlice>(state: S, nonce: string): S {
  const c = state.interactions;
  if (!c.pending[nonce] && !c.suggestions[nonce]) return state;
  return withInteractions(state, { pending: withoutKey(c.pending, nonce), suggestions: withoutKey(c.suggestions, nonce) });
}

/** INTERACTION_CREATE as the invoker gets it: `{id, nonce}`. */
export function interactionCreated<S extends InteractionsSlice>(state: S, event: { id: string; nonce?: string | null }): S {
  const nonce = event.nonce ?? null;
  const pending = nonce ? state.interactions.pending[nonce] : undefined;
  if (!nonce || !pending || pending.id === event.id) return state;
  return withInteractions(state, { pending: { ...state.interactions.pending, [nonce]: { ...pending, id: event.id } } });
}

/** INTERACTION_SUCCESS: the application answered; what it answered arrives as its own event. */
export function interactionSucceeded<S extends InteractionsSlice>(state: S, event: { id?: string; nonce?: string | null }): S {
  const nonce = findNonce(state.interactions, event);
  if (!nonce) return state;
  return withInteractions(state, { pending: withoutKey(state.interactions.pending, nonce) });
}

/** INTERACTION_FAILURE: "The application did not respond" stays until dismissed (an
 * autocomplete's failure just leaves the field without suggestions). */
export function interactionFailed<S extends InteractionsSlice>(state: S, event: { id?: string; nonce?: string | null }): S {
  const nonce = findNonce(state.interactions, event);
  if (!nonce) return state;
  const pending = state.interactions.pending[nonce];
  if (pending.kind === "autocomplete") return forgetInteraction(state, nonce);
  return withInteractions(state, { pending: { ...state.interactions.pending, [nonce]: { ...pending, failed: true } } });
}

/** INTERACTION_MODAL_CREATE: shown by the tab that invoked (the others' nonce is unknown). */
export function modalShown<S extends InteractionsSlice>(state: S, modal: ShownModal): S {
  const c = state.interactions;
  if (!c.pending[modal.nonce] || c.modals.some((m) => m.id === modal.id)) return state;
  return withInteractions(state, { modals: [...c.modals, modal], pending: withoutKey(c.pending, modal.nonce) });
}

/** The person submitted or closed the modal. */
export function closeModal<S extends InteractionsSlice>(state: S, id: string): S {
  const modals = state.interactions.modals.filter((m) => m.id !== id);
  return modals.length === state.interactions.modals.length ? state : withInteractions(state, { modals });
}

/** APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE `{id, nonce, choices}`. */
export function suggestionsShown<S extends InteractionsSlice>(state: S, event: { id?: string; nonce?: string | null; choices?: Suggestion[] }): S {
  const nonce = findNonce(state.interactions, event);
  if (!nonce) return state;
  const kept = Object.keys(state.interactions.suggestions).slice(-(MAX_SUGGESTIONS - 1));
  const suggestions: Record<string, Suggestion[]> = {};
  for (const key of kept) suggestions[key] = state.interactions.suggestions[key];
  suggestions[nonce] = (event.choices ?? []).slice(0, 25);
  return withInteractions(state, { suggestions, pending: withoutKey(state.interactions.pending, nonce) });
}

// -- what the screens read ----------------------------------------------------------------------

/** The interaction of a component (its loading state, or its failure). */
export function componentInteraction(state: InteractionsState, messageId: string, customId: string): PendingInteraction | undefined {
  return Object.values(state.pending).find((p) => p.kind === "component" && p.messageId === messageId && p.customId === customId);
}

/** The failures of a message's components, newest last. */
export function componentFailures(state: InteractionsState, messageId: string): PendingInteraction[] {
  return Object.values(state.pending).filter((p) => p.kind === "component" && p.messageId === messageId && p.failed);
}

/** Commands and modal submits in a channel that wait for an answer or failed. */
export function channelInteractions(state: InteractionsState, channelId: string): PendingInteraction[] {
  return Object.values(state.pending).filter((p) => p.channelId === channelId && (p.kind === "command" || p.kind === "modal"));
}
