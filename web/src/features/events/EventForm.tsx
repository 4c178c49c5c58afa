import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ScheduledEvent } from "../../api/types";
import { getState, useStore } from "../../state/store";
import { EntityType } from "../../state/scheduledEvents";
import { isStageChannel } from "../../state/selectors";
import { Dialog, FormActions } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { eventChannels, localInput, mayCreateIn } from "./eventRules";
import { eventsApi, type CreateEventBody, type ModifyEventBody } from "./eventsApi";

const ELSEWHERE = "elsewhere";

function inAnHour(): Date {
  const date = new Date(Date.now() + 3_600_000);
  date.setMinutes(0, 0, 0);
  return date;
}

function iso(local: string): string | null {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Plan a new event, or change one: its name, where (a voice or stage channel, or somewhere
 * else), when, and what it is about. Only what changed is sent on a change. */
export function EventForm({ guildId, event, onClose }: { guildId: string; event?: ScheduledEvent; onClose: () => void }) {
  const { t } = useTranslation();
  const channels = useStore((s) => eventChannels(s, guildId));
  const mayElsewhere = useStore((s) => mayCreateIn(s, guildId, null));
  const initialPlace = event ? (event.channel_id ?? ELSEWHERE) : mayElsewhere || !channels.length ? ELSEWHERE : channels[0].id;
  const initialStart = localInput(event ? new Date(event.scheduled_start_time) : inAnHour());
  const initialEnd = event?.scheduled_end_time ? localInput(new Date(event.scheduled_end_time)) : "";
  const [name, setName] = useState(event?.name ?? "");
  const [description, setDescription] = useState(event?.description ?? "");
  const [place, setPlace] = useState(initialPlace);
  const [location, setLocation] = useState(event?.entity_metadata?.location ?? "");
  const [start, setStart] = useState(initialStart);
  const [end, setEnd] = useState(initialEnd);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const elsewhere = place === ELSEWHERE;
  const started = !!event && event.status !== 1;
  const placeOptions = [...channels];
  if (event?.channel_id && !placeOptions.some((c) => c.id === event.channel_id)) {
    const current = getState().channels[event.channel_id];
    if (current) placeOptions.push(current);
  }

  const entityType = () => {
    if (elsewhere) return EntityType.EXTERNAL;
    return isStageChannel(getState().channels[place]) ? EntityType.STAGE_INSTANCE : EntityType.VOICE;
  };

  const createBody = (): CreateEventBody => ({
    name: name.trim(),
    description: description.trim() || undefined,
    privacy_level: 2,
    entity_type: entityType() as 1 | 2 | 3,
    scheduled_start_time: iso(start) ?? "",
    scheduled_end_time: iso(end) ?? undefined,
    ...(elsewhere ? { entity_metadata: { location: location.trim() } } : { channel_id: place }),
  });

  const changes = (known: ScheduledEvent): ModifyEventBody => {
    const body: ModifyEventBody = {};
    if (name.trim() !== known.name) body.name = name.trim();
    if ((description.trim() || null) !== (known.description ?? null)) body.description = description.trim() || null;
    if (place !== initialPlace) {
      body.entity_type = entityType() as 1 | 2 | 3;
      body.channel_id = elsewhere ? null : place;
    }
    if (elsewhere && (place !== initialPlace || location.trim() !== (known.entity_metadata?.location ?? ""))) {
      body.entity_metadata = { location: location.trim() };
    }
    if (start !== initialStart) body.scheduled_start_time = iso(start) ?? "";
    if (end !== initialEnd || (elsewhere && place !== initialPlace)) body.scheduled_end_time = iso(end);
    return body;
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (event) await eventsApi.modify(guildId, event.id, changes(event));
      else await eventsApi.create(guildId, createBody());
      onClose();
    } catch (err) {
      setError(describeError(t, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={event ? t("events.edit_title") : t("events.create_title")} onClose={onClose}>
      <form className="form event-form" onSubmit={submit}>
        <label className="field">
          <span>{t("events.name")}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
        </label>
        <label className="field">
          <span>{t("events.where")}</span>
          <select value={place} onChange={(e) => setPlace(e.target.value)} disabled={started}>
            {placeOptions.map((c) => (
              <option key={c.id} value={c.id}>
                {isStageChannel(c) ? t("events.place_stage", { name: c.name }) : t("events.place_voice", { name: c.name })}
              </option>
            ))}
            {(mayElsewhere || initialPlace === ELSEWHERE) && <option value={ELSEWHERE}>{t("events.place_elsewhere")}</option>}
          </select>
        </label>
        {elsewhere && (
          <label className="field">
            <span>{t("events.location")}</span>
            <input value={location} onChange={(e) => setLocation(e.target.value)} maxLength={100} required placeholder={t("events.location_placeholder")} />
          </label>
        )}
        <div className="field-row">
          <label className="field">
            <span>{t("events.starts")}</span>
            <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required disabled={started} />
          </label>
          <label className="field">
            <span>{elsewhere ? t("events.ends") : t("events.ends_optional")}</span>
            <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} required={elsewhere} />
          </label>
        </div>
        <label className="field">
          <span>{t("events.description")}</span>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1000} rows={3} />
        </label>
        <FormActions error={error} submit={event ? t("common.save") : t("events.create")} disabled={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
