import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { formatSize } from "./attachmentRules";
import { cancelFile, discardUpload, pauseFile, resumeFile, retryUpload, type UploadFile, type UploadJob } from "./AttachmentUpload";
import { FileIcon, kindIcon } from "./FileIcon";

/** The server's words for "too large" when it has nothing more to say. */
const GENERIC_TOO_LARGE = "Request entity too large";

/** Why an upload failed, in words: the size and permission refusals in the person's language,
 * else the server's own message (a full storage quota says whose and how full), else the usual
 * sentence. */
export function uploadError(t: TFunction, error: ApiError | null): string {
  if (!error) return t("errors.unexpected");
  if (error.code === 40005 || error.status === 413) {
    return error.message && error.message !== GENERIC_TOO_LARGE ? error.message : t("files.too_large");
  }
  if (error.code === 50013) return t("files.no_permission");
  // A form error's message is only "Invalid Form Body": the usual sentence names the field.
  const own = error.status >= 400 && error.status < 500 && ![401, 429].includes(error.status) && error.code !== 50035;
  if (own && error.message) return error.message;
  return describeError(t, error, "ATTACH_FILES");
}

function FileProgress({ job, file }: { job: UploadJob; file: UploadFile }) {
  const { t, i18n } = useTranslation();
  const name = file.file.name;
  const size = file.file.size;
  const resumable = file.transport === "tus" && file.status !== "done" && job.phase === "uploading";
  const state =
    file.status === "paused"
      ? t("files.status_paused")
      : file.status === "done"
        ? t("files.status_done")
        : file.status === "failed"
          ? t("files.status_failed")
          : file.status === "queued"
            ? t("files.status_queued")
            : t("files.progress", { loaded: formatSize(file.loaded, i18n.language), total: formatSize(size, i18n.language) });
  return (
    <li className={`upload-file upload-${file.status}`}>
      <span className="upload-thumb">{file.preview ? <img src={file.preview} alt="" /> : <FileIcon name={kindIcon(file.file.type, name)} size={24} />}</span>
      <span className="upload-body">
        <span className="upload-name" title={name}>
          {name}
        </span>
        <progress className="upload-bar" max={size || 1} value={file.status === "done" ? size || 1 : file.loaded} aria-label={t("files.progress_label", { name })} />
        <span className="upload-state">{state}</span>
      </span>
      {resumable && file.status === "paused" && (
        <button type="button" className="icon-button small" aria-label={t("files.resume", { name })} onClick={() => resumeFile(job.localId, file.key)}>
          <FileIcon name="resume" size={16} />
        </button>
      )}
      {resumable && file.status === "uploading" && (
        <button type="button" className="icon-button small" aria-label={t("files.pause_upload", { name })} onClick={() => pauseFile(job.localId, file.key)}>
          <FileIcon name="pause" size={16} />
        </button>
      )}
      {job.files.length > 1 && file.status !== "done" && (
        <button type="button" className="icon-button small danger" aria-label={t("files.cancel_file", { name })} onClick={() => cancelFile(job.localId, file.key)}>
          <Icon name="close" size={16} />
        </button>
      )}
    </li>
  );
}

/** A message being sent with files, in place of its files: each one's progress, pause and resume
 * for large ones, and on failure the reason with "try again" and "discard". */
export function UploadProgress({ job }: { job: UploadJob }) {
  const { t } = useTranslation();
  return (
    <div className="upload-progress">
      <ul className="upload-files" aria-label={t("files.uploading")}>
        {job.files.map((file) => (
          <FileProgress key={file.key} job={job} file={file} />
        ))}
      </ul>
      {job.phase === "failed" ? (
        <span className="local-status failed" role="alert">
          <Icon name="warning" size={14} /> {t("messages.failed", { reason: uploadError(t, job.error) })}{" "}
          <button type="button" className="link-button" onClick={() => retryUpload(job.localId)}>
            {t("messages.retry")}
          </button>{" "}
          <button type="button" className="link-button" onClick={() => discardUpload(job.localId)}>
            {t("messages.discard")}
          </button>
        </span>
      ) : (
        <button type="button" className="link-button upload-cancel" onClick={() => discardUpload(job.localId)}>
          {t("files.cancel_upload")}
        </button>
      )}
    </div>
  );
}
