import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/gateway/client";

describe("gateway reconnects with backoff", () => {
  it("waits longer after each failure, up to 30 seconds, with jitter", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(1, () => 1)).toBe(2000);
    expect(backoffDelay(3, () => 0.5)).toBe(6000);
    expect(backoffDelay(50, () => 1)).toBe(30000);
  });
});
