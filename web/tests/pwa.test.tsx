/** The installable app's notices: when the app says it is offline (and when it leaves that to the
 * shell's own banner), and the update prompt's offer, "Later" and "Reload". */

import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { i18n } from "../src/i18n";
import type { GatewayStatus } from "../src/gateway/client";
import { gatewayFailed, networkNotice, type NetworkFacts } from "../src/pwa/network";
import { UpdateOffer } from "../src/pwa/updates";
import { UpdatePrompt } from "../src/pwa/PwaNotices";

afterEach(cleanup);

const facts = (change: Partial<NetworkFacts>): NetworkFacts => ({
  online: true,
  signedIn: true,
  hasSession: false,
  gateway: "connecting",
  gatewayFailed: false,
  ...change,
});

describe("the offline notice", () => {
  it("says offline whenever the browser knows it is, before any session", () => {
    expect(networkNotice(facts({ online: false }))).toBe("offline");
    expect(networkNotice(facts({ online: false, signedIn: false, gateway: "offline" }))).toBe("offline");
  });

  it("says nothing while the gateway is connected, whatever navigator.onLine says", () => {
    // A server on the local network or loopback works without internet; a real drop shows soon
    // as the shell's reconnecting banner.
    expect(networkNotice(facts({ online: false, hasSession: true, gateway: "ready" }))).toBeNull();
    expect(networkNotice(facts({ online: false, gateway: "ready" }))).toBeNull();
  });

  it("leaves a dropped session to the shell's reconnecting banner", () => {
    for (const gateway of ["connecting", "offline"] as GatewayStatus[]) {
      expect(networkNotice(facts({ online: false, hasSession: true, gateway, gatewayFailed: true }))).toBeNull();
    }
  });

  it("says the server is unreachable when online but the gateway failed before any session", () => {
    expect(networkNotice(facts({ gateway: "offline", gatewayFailed: true }))).toBe("unreachable");
    expect(networkNotice(facts({ gateway: "connecting", gatewayFailed: true }))).toBe("unreachable");
    expect(networkNotice(facts({ gateway: "connecting" }))).toBeNull(); // still the first try
    expect(networkNotice(facts({ signedIn: false, gateway: "offline", gatewayFailed: true }))).toBeNull();
  });

  it("counts a failure from a connection attempt that ended, and forgets it at READY", () => {
    const run = (statuses: GatewayStatus[]) => {
      let failed = false;
      let before: GatewayStatus = "offline"; // the store's first status: not started
      for (const status of statuses) {
        failed = gatewayFailed(failed, before, status);
        before = status;
      }
      return failed;
    };
    expect(run(["connecting"])).toBe(false);
    expect(run(["connecting", "offline"])).toBe(true);
    expect(run(["connecting", "offline", "connecting"])).toBe(true); // no flicker while retrying
    expect(run(["connecting", "offline", "connecting", "ready"])).toBe(false);
    expect(run(["offline"])).toBe(false); // stopped, never tried
  });
});

describe("the update offer", () => {
  it("shows once a worker waits, and hides on Later until the next worker", () => {
    const offer = new UpdateOffer();
    expect(offer.snapshot()).toEqual({ shown: false, applying: false });
    offer.offer(async () => undefined);
    expect(offer.snapshot()).toEqual({ shown: true, applying: false });
    offer.dismiss();
    expect(offer.snapshot().shown).toBe(false);
    offer.offer(async () => undefined);
    expect(offer.snapshot().shown).toBe(true);
  });

  it("activates the waiting worker once however often Reload is pressed", async () => {
    const offer = new UpdateOffer();
    let finish = () => {};
    const apply = vi.fn(() => new Promise<void>((done) => (finish = done)));
    offer.offer(apply);
    const first = offer.accept();
    void offer.accept();
    offer.dismiss(); // too late: the new version is starting
    expect(apply).toHaveBeenCalledTimes(1);
    expect(offer.snapshot()).toEqual({ shown: true, applying: true });
    finish();
    await first;
  });

  it("can be tried again when activating fails", async () => {
    const offer = new UpdateOffer();
    const apply = vi.fn().mockRejectedValueOnce(new Error("gone")).mockResolvedValueOnce(undefined);
    offer.offer(apply);
    await offer.accept();
    expect(offer.snapshot()).toEqual({ shown: true, applying: false });
    await offer.accept();
    expect(apply).toHaveBeenCalledTimes(2);
  });
});

describe("the update prompt", () => {
  it("is an alert with Later and Reload buttons, in every language", async () => {
    const offer = new UpdateOffer();
    const apply = vi.fn(async () => undefined);
    render(<UpdatePrompt offer={offer} />);
    expect(screen.queryByRole("alert")).toBeNull();
    act(() => offer.offer(apply));
    expect(screen.getByRole("alert").textContent).toContain("Update available");
    fireEvent.click(screen.getByRole("button", { name: "Later" }));
    expect(screen.queryByRole("alert")).toBeNull();

    act(() => offer.offer(apply));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Reload" }));
    });
    expect(apply).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("alert").textContent).toContain("Updating");
    expect((screen.getByRole("button", { name: "Reload" }) as HTMLButtonElement).disabled).toBe(true);

    await act(async () => {
      await i18n.changeLanguage("de");
    });
    expect(screen.getByRole("button", { name: "Neu laden" })).toBeTruthy();
    await act(async () => {
      await i18n.changeLanguage("en");
    });
  });
});
