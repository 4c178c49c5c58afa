/** The composer's part of sharing a location: the "Share location" button with its menu (once,
 * or live for 15 minutes, 1 hour, 8 hours), and while a live share of this channel runs from this
 * tab, a bar that says so, with the time left and "stop". */

import type { TFunction } from "i18next";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { LocationError, reportWatchProblems, shareLocation, stopSharing, useLiveShares } from "./LiveLocation";
import { PinIcon, useNow } from "./LocationCard";
import { formatTimeLeft, LIVE_DURATIONS, timeLeftMs, type LiveDuration } from "./locationRules";

export function describeLocationError(t: TFunction, error: unknown): string {
  if (error instanceof LocationError) return t(`location.problem.${error.problem}`);
  return describeError(t, error, "SEND_MESSAGES");
}

const DURATION_KEYS: Record<LiveDuration, string> = { 900: "location.live_15m", 3600: "location.live_1h", 28800: "location.live_8h" };
const STEPS: Record<string, number | "first" | "last"> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, Home: "first", End: "last" };

/** "15 minutes", "1 Stunde", "8 heures": a duration to choose, in the language's words. */
function formatDurationChoice(seconds: LiveDuration, language: string): string {
  const [value, unit] = seconds < 3600 ? [seconds / 60, "minute"] : [seconds / 3600, "hour"];
  return new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "long" }).format(value);
}

export function LocationButton({ channelId, replyTo, onShared }: { channelId: string; replyTo: string | null; onShared: () => void }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const locating = !!useLiveShares().locating[channelId];
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => setOpen(false), [channelId]);
  useEffect(() => {
    reportWatchProblems((problem) => notify(t(`location.problem.${problem}`)));
  }, [t]);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const away = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [open]);

  const close = (focusButton: boolean) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };

  const share = (liveFor: LiveDuration | null) => {
    close(true);
    shareLocation(channelId, liveFor, replyTo ?? undefined).then(
      (message) => message && onShared(),
      (error) => notify(describeLocationError(t, error)),
    );
  };

  const item = (label: string, liveFor: LiveDuration | null, name?: string) => (
    <button key={liveFor ?? "once"} type="button" role="menuitem" className={`menu-item ${liveFor ? "duration-item" : ""}`} aria-label={name} onClick={() => share(liveFor)}>
      {label}
    </button>
  );
  const headingId = `live-for-${channelId}`;

  return (
    <>
      <button
        ref={button}
        type="button"
        className="icon-button location-button"
        aria-label={t("location.share")}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-disabled={locating}
        onClick={() => !locating && setOpen(!open)}
      >
        <PinIcon />
      </button>
      {open && (
        <div
          ref={menu}
          className="menu location-menu"
          role="menu"
          aria-label={t("location.share")}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              close(true);
            } else if (e.key === "Tab") {
              close(false);
            } else if (e.key in STEPS) {
              e.preventDefault();
              const items = [...menu.current!.querySelectorAll<HTMLElement>("[role=menuitem]")];
              const at = items.indexOf(document.activeElement as HTMLElement);
              const step = STEPS[e.key];
              const to = step === "first" ? 0 : step === "last" ? items.length - 1 : (at + step + items.length) % items.length;
              items[to]?.focus();
            }
          }}
        >
          {item(t("location.share_once"), null)}
          {/* The durations side by side under one heading; each item's name says it all. */}
          <div className="location-menu-heading" id={headingId} aria-hidden="true">
            {t("location.live_for")}
          </div>
          <div className="location-menu-durations" role="group" aria-labelledby={headingId}>
            {LIVE_DURATIONS.map((seconds) => item(formatDurationChoice(seconds, i18n.language), seconds, t(DURATION_KEYS[seconds])))}
          </div>
        </div>
      )}
    </>
  );
}

/** "Sharing live location · 14 min left · Stop", or "Finding your location…", above the field. */
export function LiveShareBar({ channelId }: { channelId: string }) {
  const { t, i18n } = useTranslation();
  const shares = useLiveShares();
  const here = Object.entries(shares.watching).filter(([, share]) => share.channelId === channelId);
  const now = useNow(here.length > 0);
  const locating = !!shares.locating[channelId];
  const spoken = locating ? t("location.locating") : here.length ? t("location.sharing") : "";
  return (
    <>
      {/* Said once when it changes; the bars below are not a live region (their time moves). */}
      <div className="sr-only" role="status">
        {spoken}
      </div>
      {locating && (
        <div className="live-share-bar">
          <span className="recording-dot" aria-hidden="true" />
          <span className="live-share-text">{t("location.locating")}</span>
        </div>
      )}
      {here.map(([messageId, share]) => (
        <div key={messageId} className="live-share-bar">
          <span className="recording-dot live" aria-hidden="true" />
          <span className="live-share-text">
            {t("location.sharing")}
            <span className="live-share-left"> · {t("location.time_left", { time: formatTimeLeft(timeLeftMs(share.liveUntil, now), i18n.language) })}</span>
          </span>
          <button
            type="button"
            className="link-button"
            aria-label={t("location.stop_live")}
            onClick={() => stopSharing(channelId, messageId).catch((error) => notify(describeError(t, error)))}
          >
            {t("location.stop")}
          </button>
        </div>
      ))}
    </>
  );
}
