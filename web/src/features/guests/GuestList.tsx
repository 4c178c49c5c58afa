import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { formatDateTime } from "../../i18n";
import { P } from "../../lib/permissions";
import { canInGuild } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Avatar } from "../../ui/Avatar";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";
import { EndGuestAccess } from "./EndGuestAccess";
import { listGuests, type CurrentGuest } from "./guestApi";
import { isGuestMember } from "./guestRules";
import "./guests.css";

/** In the community's settings, under the guest settings: the current guests, when each joined
 * and when each ends (the guest link's end, or the idle-days deadline, whichever comes first),
 * with "End guest access" for those who may kick. */
export function GuestList({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const titleId = useId();
  const [guests, setGuests] = useState<CurrentGuest[] | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const mayKick = useStore((s) => canInGuild(s, guildId, P.KICK_MEMBERS));
  // Guests joining or leaving while the settings are open: read the list again.
  const known = useStore((s) => Object.values(s.members[guildId] ?? {}).filter(isGuestMember).length);
  const load = useCallback(() => {
    let alive = true;
    listGuests(guildId).then(
      (found) => alive && setGuests(found),
      (e) => notify(describeError(t, e, "MANAGE_GUILD")),
    );
    return () => {
      alive = false;
    };
  }, [guildId, t]);
  useEffect(load, [load, known]);
  if (guests === null) return null;
  return (
    <section className="guest-list" aria-labelledby={titleId}>
      <h4 id={titleId} ref={heading} tabIndex={-1}>
        {t("guests.list_title")}
      </h4>
      {guests.length === 0 ? (
        <p className="muted">{t("guests.list_empty")}</p>
      ) : (
        <ul aria-labelledby={titleId}>
          {guests.map((guest) => {
            const name = guest.user.global_name || guest.user.username;
            const ends = new Date(guest.ends_at);
            return (
              <li key={guest.user.id} className="guest-row">
                <Avatar id={guest.user.id} name={name} size={32} />
                <div className="guest-row-text">
                  <span className="guest-name">{name}</span>
                  <span className="muted small">
                    {t("guests.joined_on", { when: formatDateTime(new Date(guest.joined_at)) })}
                  </span>
                  <span className="small">
                    <time dateTime={guest.ends_at}>
                      {t(guest.ends_by === "link" ? "guests.ends_link" : "guests.ends_idle", {
                        when: formatDateTime(ends),
                      })}
                    </time>
                  </span>
                </div>
                {mayKick && (
                  <EndGuestAccess
                    guildId={guildId}
                    userId={guest.user.id}
                    name={name}
                    label={t("guests.end_access_of", { name })}
                    onEnded={() => {
                      setGuests((all) => all?.filter((g) => g.user.id !== guest.user.id) ?? null);
                      heading.current?.focus(); // the row and its button are gone
                    }}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
