/** Translations (i18next): every string a person reads comes from `src/locales/<language>.json`.
 * A community adds a language by adding a file there (same keys as en.json); the browser's
 * language is the default, and a choice made in settings is stored on the server. */

import i18next from "i18next";
import { initReactI18next } from "react-i18next";

type Messages = Record<string, unknown>;
const files = import.meta.glob<Messages>("../locales/*.json", { eager: true, import: "default" });

export const resources: Record<string, { translation: Messages }> = {};
for (const [path, messages] of Object.entries(files)) {
  const language = path.split("/").pop()!.replace(/\.json$/, "");
  resources[language] = { translation: messages };
}

export const LANGUAGES = Object.keys(resources).sort();
const STORED = "townhall.locale";

/** The supported language closest to a locale tag (`de-AT` → `de`, `en-US` → `en`). */
export function matchLanguage(tag: string | null | undefined): string | null {
  if (!tag) return null;
  const lower = tag.toLowerCase();
  if (resources[lower]) return lower;
  const base = lower.split("-")[0];
  return resources[base] ? base : null;
}

export function browserLanguage(): string {
  const stored = typeof localStorage !== "undefined" ? matchLanguage(localStorage.getItem(STORED)) : null;
  if (stored) return stored;
  for (const tag of typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : []) {
    const found = matchLanguage(tag);
    if (found) return found;
  }
  return "en";
}

/** The locale tag stored on the server for a language (Discord's spellings). */
export function localeTag(language: string): string {
  return language === "en" ? "en-US" : language;
}

export async function setLanguage(language: string): Promise<void> {
  const found = matchLanguage(language) ?? "en";
  if (typeof localStorage !== "undefined") localStorage.setItem(STORED, found);
  if (i18next.language !== found) await i18next.changeLanguage(found);
  if (typeof document !== "undefined") document.documentElement.lang = found;
}

export const i18n = i18next;

void i18next.use(initReactI18next).init({
  resources,
  lng: browserLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes; nothing becomes HTML
  returnNull: false,
});
if (typeof document !== "undefined") document.documentElement.lang = i18next.language;

// -- dates, times and numbers in the person's locale --------------------------------------------

const cache = new Map<string, Intl.DateTimeFormat>();
function format(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = i18next.language + JSON.stringify(options);
  let found = cache.get(key);
  if (!found) cache.set(key, (found = new Intl.DateTimeFormat(i18next.language, options)));
  return found;
}

export const formatTime = (date: Date) => format({ hour: "numeric", minute: "2-digit" }).format(date);
export const formatDay = (date: Date) => format({ dateStyle: "long" }).format(date);
export const formatDateTime = (date: Date) => format({ dateStyle: "medium", timeStyle: "short" }).format(date);
/** "Today at 10:47", "Yesterday at 18:02", else the date and time (as chat apps write it). */
export function formatMessageTime(date: Date, now = new Date()): string {
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((day(now) - day(date)) / 86_400_000);
  if (days === 0) return i18next.t("time.today_at", { time: formatTime(date) });
  if (days === 1) return i18next.t("time.yesterday_at", { time: formatTime(date) });
  return formatDateTime(date);
}

export const formatNumber = (value: number) => new Intl.NumberFormat(i18next.language).format(value);
export function formatRelative(date: Date, now = Date.now()): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(i18next.language, { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, "second");
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86400), "day");
}
