/** Turns a failure into a sentence a person understands (never raw JSON). */

import type { TFunction } from "i18next";
import { ApiError } from "../api/client";

/** `permission` is the i18n key of the permission the action needed, when the caller knows it. */
export function describeError(t: TFunction, error: unknown, permission?: string): string {
  if (!(error instanceof ApiError)) return t("errors.unexpected");
  switch (error.kind) {
    case "network":
      return t("errors.network");
    case "permission":
      return permission
        ? t("errors.missing_permission", { permission: t(`permissions.${permission}.name`) })
        : t("errors.missing_permission_unknown");
    case "access":
      return t("errors.no_access");
    case "not_found":
      return t("errors.not_found");
    case "rate_limited":
      return t("errors.rate_limited", { count: Math.max(1, Math.ceil(error.retryAfter ?? 1)) });
    case "too_long":
      return t("errors.too_long");
    case "unauthorized":
      return t("errors.unauthorized");
    case "server":
      return t("errors.server");
    default: {
      const field = Object.entries(error.fields)[0];
      if (field) return t("errors.invalid_field", { field: field[0] || "-" });
      if (error.code === 50006) return t("errors.empty_message");
      return t("errors.invalid");
    }
  }
}

/** A failure code stored on a local message (`network`, `rate_limited:3`, …) as a sentence. */
export function describeFailure(t: TFunction, failure: string | undefined): string {
  if (!failure) return t("errors.unexpected");
  const [kind, wait] = failure.split(":");
  if (kind === "rate_limited") return t("errors.rate_limited", { count: Math.max(1, Math.ceil(Number(wait) || 1)) });
  if (kind === "permission") return t("errors.missing_permission", { permission: t("permissions.SEND_MESSAGES.name") });
  if (kind === "too_long") return t("errors.too_long");
  if (kind === "network") return t("errors.network");
  if (kind === "access") return t("errors.no_access");
  return t("errors.unexpected");
}
