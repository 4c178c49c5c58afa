/** A location in a message, without a map (the page loads nothing from other sites): where, how
 * precisely, and for a live one how long it still runs and when it last moved; links open it in
 * OpenStreetMap or, on a phone, in the map app. Its author can stop a live one, and resume
 * updating it from this tab after a reload. */

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Location } from "../../api/types";
import { useStore } from "../../state/store";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { stopSharing, useLiveShares, watchLocation } from "./LiveLocation";
import {
  formatAgo,
  formatCoordinates,
  formatDistance,
  formatTimeLeft,
  geoUri,
  isLiveNow,
  openStreetMapUrl,
  timeLeftMs,
} from "./locationRules";

/** A live card's "14 min left" and "updated 30 seconds ago" move on while it is live. */
const TICK_MS = 10_000;

export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [active]);
  return active ? now : Date.now();
}

export function PinIcon({ size = 20 }: { size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21Zm0-9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5Z" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
    </svg>
  );
}

/** The hemisphere letters of the person's language, for formatCoordinates. */
export function useHemispheres() {
  const { t } = useTranslation();
  return { north: t("location.north"), south: t("location.south"), east: t("location.east"), west: t("location.west") };
}

function Updated({ at, now }: { at: string; now: number }) {
  const { t, i18n } = useTranslation();
  const ago = formatAgo(at, now, i18n.language);
  return <time dateTime={at}>{ago === null ? t("location.updated_now") : t("location.updated", { ago })}</time>;
}

interface Props {
  location: Location;
  messageId: string;
  channelId: string;
  authorId: string;
  authorName: string;
}

export function LocationCard({ location, messageId, channelId, authorId, authorName }: Props) {
  const { t, i18n } = useTranslation();
  const letters = useHemispheres();
  const mine = useStore((s) => s.me?.id === authorId);
  const watching = !!useLiveShares().watching[messageId];
  const [stopping, setStopping] = useState(false);
  const sharedLive = location.live_until !== null;
  const now = useNow(sharedLive && !location.ended);
  const live = isLiveNow(location, now);
  const { latitude, longitude, accuracy } = location;
  const coordinates = formatCoordinates(latitude, longitude, i18n.language, letters);
  const label = sharedLive ? t("location.card_live", { name: authorName }) : t("location.card_once", { name: authorName });

  const stop = () => {
    setStopping(true);
    stopSharing(channelId, messageId)
      .catch((error) => notify(describeError(t, error)))
      .finally(() => setStopping(false));
  };

  return (
    <div className={`location-card ${live ? "live" : sharedLive ? "ended" : ""}`} role="group" aria-label={label}>
      <span className="location-icon">
        <PinIcon size={28} />
      </span>
      <div className="location-body">
        <div className="location-state">
          {live ? (
            <>
              <span className="live-badge">{t("location.live")}</span>{" "}
              <span>{t("location.time_left", { time: formatTimeLeft(timeLeftMs(location.live_until, now), i18n.language) })}</span>
            </>
          ) : sharedLive ? (
            <span>{t("location.ended")}</span>
          ) : (
            <span>{t("location.shared")}</span>
          )}
        </div>
        <div className="location-coordinates">{coordinates}</div>
        <div className="location-meta">
          {accuracy !== null && (
            <span>
              <span aria-hidden="true">{t("location.accuracy", { distance: formatDistance(accuracy, i18n.language) })}</span>
              <span className="sr-only">{t("location.accuracy_spoken", { distance: formatDistance(accuracy, i18n.language) })}</span>
            </span>
          )}
          {live && location.updated_at && <Updated at={location.updated_at} now={now} />}
        </div>
        <div className="location-actions">
          <a className="location-link" href={openStreetMapUrl(latitude, longitude)} target="_blank" rel="noopener noreferrer">
            {t("location.open_map")}
            <span className="sr-only"> {t("location.new_tab")}</span>
          </a>
          <a className="location-link geo-link" href={geoUri(latitude, longitude)}>
            {t("location.open_app")}
          </a>
          {live && mine && (
            <button type="button" className="button danger location-stop" onClick={stop} disabled={stopping}>
              {t("location.stop")}
            </button>
          )}
        </div>
        {live && mine && !watching && (
          <div className="location-resume">
            <span>{t("location.not_updating")}</span>{" "}
            <button type="button" className="link-button" onClick={() => watchLocation({ id: messageId, channel_id: channelId, location })}>
              {t("location.resume")}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
