/** The files of a message as people expect to see them: images and videos inline (their space
 * reserved, so the list does not jump when they arrive), audio with a player, voice messages with
 * their waveform, anything else as a card to download. Spoilers stay blurred and animations still
 * (for people who ask for less motion) until clicked. The uploader alone sees files that the
 * malware scan has not cleared: "checking" or "blocked". */

import { lazy, Suspense, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import type { Attachment } from "../../api/types";
import { Icon } from "../../ui/Icon";
import { AttachmentFlag, attachmentKind, fileUrl, fitWithin, formatSize, MessageFlag } from "./attachmentRules";
import { FileIcon, kindIcon } from "./FileIcon";
import { VoicePlayer } from "./VoicePlayer";

const Lightbox = lazy(() => import("./Lightbox"));

const MAX_WIDTH = 400;
const MAX_HEIGHT = 300;

const REDUCED = "(prefers-reduced-motion: reduce)";
function subscribeMotion(listener: () => void) {
  const query = window.matchMedia?.(REDUCED);
  query?.addEventListener("change", listener);
  return () => query?.removeEventListener("change", listener);
}
function useReducedMotion(): boolean {
  return useSyncExternalStore(subscribeMotion, () => !!window.matchMedia?.(REDUCED).matches, () => false);
}

function FileCard({ attachment, status }: { attachment: Attachment; status?: React.ReactNode }) {
  const { t, i18n } = useTranslation();
  const usable = !attachment.scan_status && !!attachment.url;
  return (
    <div className={`file-card ${attachment.scan_status ? `scan-${attachment.scan_status}` : ""}`}>
      <span className="file-card-icon">
        <FileIcon name={attachment.scan_status === "blocked" ? "shield" : kindIcon(attachment.content_type, attachment.filename)} size={28} />
      </span>
      <span className="file-card-text">
        {usable ? (
          <a className="file-card-name" href={attachment.url} download={attachment.filename} rel="noopener noreferrer">
            {attachment.filename}
          </a>
        ) : (
          <span className="file-card-name">{attachment.filename}</span>
        )}
        <span className="file-card-size">{status ?? formatSize(attachment.size, i18n.language)}</span>
      </span>
      {usable && (
        <a className="icon-button" href={attachment.url} download={attachment.filename} rel="noopener noreferrer" aria-label={t("files.download", { name: attachment.filename })}>
          <FileIcon name="download" />
        </a>
      )}
    </div>
  );
}

function Spoiler({ name, children }: { name: string; children: React.ReactNode }) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  if (shown) return <>{children}</>;
  return (
    <div className="spoiler-media">
      <div className="spoiler-blur" aria-hidden="true" inert>
        {children}
      </div>
      <button type="button" className="spoiler-reveal" onClick={() => setShown(true)} aria-label={t("files.spoiler_reveal", { name })}>
        {t("files.spoiler")}
      </button>
    </div>
  );
}

function ImageAttachment({ attachment }: { attachment: Attachment }) {
  const { t } = useTranslation();
  const reduced = useReducedMotion();
  const [open, setOpen] = useState(false);
  const [playing, setPlaying] = useState(false);
  const animated = ((attachment.flags ?? 0) & AttachmentFlag.IS_ANIMATED) !== 0;
  const size = fitWithin(attachment.width ?? 0, attachment.height ?? 0, MAX_WIDTH, MAX_HEIGHT);
  const still = animated && reduced && !playing;
  // An animation is shown from the file itself (the preview is a still frame of it).
  const src = animated && !still ? attachment.url : attachment.proxy_url || attachment.url;
  const alt = attachment.description || attachment.filename;
  return (
    <div className="attachment-image">
      <button
        type="button"
        className="image-button"
        aria-label={still ? t("files.play_animation", { name: attachment.filename }) : t("files.open_image", { name: attachment.filename })}
        onClick={() => (still ? setPlaying(true) : setOpen(true))}
      >
        <img src={src} alt={alt} width={size.width} height={size.height} loading="lazy" decoding="async" />
        {animated && <span className="gif-badge">{t("files.gif")}</span>}
      </button>
      {open && (
        <Suspense fallback={null}>
          <Lightbox attachment={attachment} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </div>
  );
}

function VideoAttachment({ attachment }: { attachment: Attachment }) {
  const size = fitWithin(attachment.width ?? 0, attachment.height ?? 0, MAX_WIDTH, MAX_HEIGHT);
  const poster = attachment.proxy_url && attachment.proxy_url !== attachment.url ? attachment.proxy_url : undefined;
  return (
    <figure className="attachment-video">
      <video src={attachment.url} poster={poster} controls preload="metadata" width={size.width} height={size.height} aria-label={attachment.description || attachment.filename} />
    </figure>
  );
}

function AudioAttachment({ attachment }: { attachment: Attachment }) {
  return (
    <div className="attachment-audio">
      <FileCard attachment={attachment} />
      <audio src={attachment.url} controls preload="metadata" aria-label={attachment.description || attachment.filename} />
    </div>
  );
}

function OneAttachment({ attachment, voice }: { attachment: Attachment; voice: boolean }) {
  const { t } = useTranslation();
  if (attachment.scan_status === "blocked") {
    const status = attachment.scan_signature ? t("files.blocked", { signature: attachment.scan_signature }) : t("files.blocked_unnamed");
    return (
      <div role="status" className="attachment-status">
        <FileCard
          attachment={attachment}
          status={
            <span className="scan-blocked-text">
              <Icon name="warning" size={14} />
              {status}
            </span>
          }
        />
      </div>
    );
  }
  if (attachment.scan_status === "pending") {
    return (
      <div role="status" className="attachment-status">
        <FileCard attachment={attachment} status={<span className="scan-pending-text">{t("files.pending")}</span>} />
      </div>
    );
  }
  if (!attachment.url) return <FileCard attachment={attachment} />;
  const kind = attachmentKind(attachment.content_type, attachment.filename);
  if (voice && kind === "audio") return <VoicePlayer attachment={attachment} />;
  const spoiler = ((attachment.flags ?? 0) & AttachmentFlag.IS_SPOILER) !== 0 || attachment.filename.startsWith("SPOILER_");
  const body =
    kind === "image" ? (
      <ImageAttachment attachment={attachment} />
    ) : kind === "video" ? (
      <VideoAttachment attachment={attachment} />
    ) : kind === "audio" ? (
      <AudioAttachment attachment={attachment} />
    ) : (
      <FileCard attachment={attachment} />
    );
  return spoiler && (kind === "image" || kind === "video") ? <Spoiler name={attachment.filename}>{body}</Spoiler> : body;
}

export function Attachments({ attachments, flags }: { attachments: readonly Attachment[] | undefined; flags: number }) {
  if (!attachments?.length) return null;
  const voice = (flags & MessageFlag.IS_VOICE_MESSAGE) !== 0;
  return (
    <div className="attachments">
      {attachments.map((attachment) => (
        <OneAttachment key={attachment.id} attachment={{ ...attachment, url: fileUrl(attachment.url), proxy_url: fileUrl(attachment.proxy_url) }} voice={voice} />
      ))}
    </div>
  );
}
