import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ScheduledEvent } from "../../api/types";
import { formatNumber } from "../../i18n";
import { EntityType, EventStatus, markInterested, setInterests, upcomingEvents } from "../../state/scheduledEvents";
import { setState, useStore } from "../../state/store";
import { Confirm, Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { EventForm } from "./EventForm";
import { eventTime, mayCreateAny, mayManage } from "./eventRules";
import { downloadCalendar, eventsApi } from "./eventsApi";

function EventPlace({ event }: { event: ScheduledEvent }) {
  const { t } = useTranslation();
  const channelName = useStore((s) => (event.channel_id ? s.channels[event.channel_id]?.name ?? null : null));
  if (event.entity_type === EntityType.EXTERNAL) {
    return (
      <span className="event-place">
        <Icon name="pin" size={16} /> {event.entity_metadata?.location}
      </span>
    );
  }
  const stage = event.entity_type === EntityType.STAGE_INSTANCE;
  return (
    <span className="event-place">
      <Icon name={stage ? "stage" : "voice"} size={16} />{" "}
      {stage ? t("events.place_stage", { name: channelName ?? "…" }) : t("events.place_voice", { name: channelName ?? "…" })}
    </span>
  );
}

function EventCard({ event, onEdit }: { event: ScheduledEvent; onEdit: () => void }) {
  const { t } = useTranslation();
  const interested = useStore((s) => !!s.interestedIn[event.id]);
  const manages = useStore((s) => mayManage(s, event));
  const [busy, setBusy] = useState(false);
  const [canceling, setCanceling] = useState(false);
  const live = event.status === EventStatus.ACTIVE;
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      notify(describeError(t, error));
    } finally {
      setBusy(false);
    }
  };
  const toggle = () =>
    run(async () => {
      if (interested) await eventsApi.unmarkInterested(event.guild_id, event.id);
      else await eventsApi.markInterested(event.guild_id, event.id);
      setState((s) => markInterested(s, event.id, !interested));
    });
  const setStatus = (status: number) => run(() => eventsApi.modify(event.guild_id, event.id, { status: status as 1 | 2 | 3 | 4 }));
  const headingId = `event-${event.id}-name`;
  const count = event.user_count ?? 0;
  return (
    <li className={`event-card ${live ? "live" : ""}`} aria-labelledby={headingId} data-event-id={event.id}>
      <div className="event-when">
        {live && <span className="event-live">{t("events.live")}</span>}
        <time dateTime={event.scheduled_start_time}>{eventTime(event)}</time>
      </div>
      <h3 id={headingId} className="event-name">
        {event.name}
      </h3>
      <EventPlace event={event} />
      {event.description && <p className="event-description">{event.description}</p>}
      <div className="event-actions">
        <button type="button" className={`button ${interested ? "primary" : "secondary"}`} aria-pressed={interested} aria-busy={busy} onClick={() => !busy && toggle()}>
          <Icon name="bell" size={16} /> {t("events.interested")}
        </button>
        <span className="event-count" aria-live="polite">
          {t("events.interested_count", { count, formatted: formatNumber(count) })}
        </span>
        <button type="button" className="button secondary" onClick={() => run(() => downloadCalendar(event.guild_id, event.id))}>
          {t("events.add_to_calendar")}
        </button>
      </div>
      {manages && (
        <div className="event-actions event-manage">
          <button type="button" className="button secondary" onClick={onEdit} disabled={busy}>
            <Icon name="edit" size={16} /> {t("events.edit")}
          </button>
          {event.status === EventStatus.SCHEDULED && (
            <>
              <button type="button" className="button primary" disabled={busy} onClick={() => setStatus(EventStatus.ACTIVE)}>
                {t("events.start")}
              </button>
              <button type="button" className="button secondary" disabled={busy} onClick={() => setCanceling(true)}>
                {t("events.cancel")}
              </button>
            </>
          )}
          {live && (
            <button type="button" className="button danger" disabled={busy} onClick={() => setStatus(EventStatus.COMPLETED)}>
              {t("events.end")}
            </button>
          )}
        </div>
      )}
      {canceling && (
        <Confirm
          title={t("events.cancel_title")}
          body={<p>{t("events.cancel_body", { name: event.name })}</p>}
          confirm={t("events.cancel")}
          danger
          onConfirm={() => setStatus(EventStatus.CANCELED)}
          onClose={() => setCanceling(false)}
        />
      )}
    </li>
  );
}

/** A community's events, what is on now first: interest, calendar files, and for who may,
 * planning, changing, starting, ending and canceling. */
export function EventsDialog({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const events = useStore((s) => upcomingEvents(s, guildId));
  const guildName = useStore((s) => s.guilds[guildId]?.name ?? "");
  const mayCreate = useStore((s) => mayCreateAny(s, guildId));
  const [form, setForm] = useState<{ event?: ScheduledEvent } | null>(null);
  useEffect(() => {
    let alive = true;
    eventsApi.myInterests(guildId).then(
      (found) => alive && setState((s) => setInterests(s, guildId, found.map((i) => i.guild_scheduled_event_id))),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [guildId]);
  if (form) {
    return <EventForm guildId={guildId} event={form.event} onClose={() => setForm(null)} />;
  }
  return (
    <Dialog title={t("events.title", { name: guildName })} onClose={onClose} className="events-dialog">
      {mayCreate && (
        <div className="events-toolbar">
          <button type="button" className="button primary" onClick={() => setForm({})}>
            <Icon name="plus" size={16} /> {t("events.create")}
          </button>
        </div>
      )}
      {events.length ? (
        <ul className="event-list" aria-label={t("events.list_label")}>
          {events.map((event) => (
            <EventCard key={event.id} event={event} onEdit={() => setForm({ event })} />
          ))}
        </ul>
      ) : (
        <p className="muted events-empty">{t("events.none")}</p>
      )}
    </Dialog>
  );
}
