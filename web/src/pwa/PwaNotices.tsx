/** What the installable app tells the person about itself: that it is offline (or cannot reach
 * the server), and that a new version is ready. Mounted once, beside the app (main.tsx). */

import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { GatewayStatus } from "../gateway/client";
import { useStore } from "../state/store";
import { Icon } from "../ui/Icon";
import { gatewayFailed, networkNotice } from "./network";
import { updateOffer, type UpdateOffer } from "./updates";

function useOnline(): boolean {
  return useSyncExternalStore(
    (changed) => {
      window.addEventListener("online", changed);
      window.addEventListener("offline", changed);
      return () => {
        window.removeEventListener("online", changed);
        window.removeEventListener("offline", changed);
      };
    },
    () => navigator.onLine,
    () => true,
  );
}

function useGatewayFailed(status: GatewayStatus): boolean {
  const before = useRef(status);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setFailed((was) => gatewayFailed(was, before.current, status));
    before.current = status;
  }, [status]);
  return failed;
}

export function OfflineNotice() {
  const { t } = useTranslation();
  const online = useOnline();
  const gateway = useStore((s) => s.status);
  const hasSession = useStore((s) => !!s.me);
  const failed = useGatewayFailed(gateway);
  const notice = networkNotice({ online, signedIn: !!api.token, hasSession, gateway, gatewayFailed: failed });
  // The live region stays in the document, so that screen readers announce what appears in it.
  return (
    <div className="pwa-offline" role="status">
      {notice && (
        <div className="pwa-offline-text">
          <Icon name="warning" size={16} /> {notice === "offline" ? t("pwa.offline") : t("pwa.unreachable")}
        </div>
      )}
    </div>
  );
}

export function UpdatePrompt({ offer = updateOffer }: { offer?: UpdateOffer }) {
  const { t } = useTranslation();
  const state = useSyncExternalStore(offer.subscribe, offer.snapshot, offer.snapshot);
  if (!state.shown) return null;
  return (
    <div className="pwa-update" role="alert">
      <span className="pwa-update-text">{state.applying ? t("pwa.updating") : t("pwa.update_available")}</span>
      <div className="pwa-update-actions">
        <button type="button" className="button secondary" onClick={() => offer.dismiss()} disabled={state.applying}>
          {t("pwa.later")}
        </button>
        <button type="button" className="button primary" onClick={() => void offer.accept()} disabled={state.applying}>
          {t("pwa.reload")}
        </button>
      </div>
    </div>
  );
}

export function PwaNotices() {
  return (
    <>
      <OfflineNotice />
      <UpdatePrompt />
    </>
  );
}
