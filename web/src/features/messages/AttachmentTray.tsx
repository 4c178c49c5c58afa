import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { i18n } from "../../i18n";
import { Icon } from "../../ui/Icon";
import { notify } from "../app/ui";
import { formatSize, MAX_FILE_BYTES, MAX_FILES } from "./attachmentRules";
import { addDraftFiles, describeDraftFile, removeDraftFile, useDraft } from "./AttachmentUpload";
import { FileIcon, kindIcon } from "./FileIcon";

/** Adds chosen, dropped or pasted files to the composer's tray, and says which did not fit. */
export function addFiles(t: TFunction, channelId: string, files: readonly File[]): void {
  const result = addDraftFiles(channelId, files);
  if (result.overCount) notify(t("files.too_many", { count: MAX_FILES }));
  for (const name of result.tooLarge) notify(t("files.too_large_file", { name, limit: formatSize(MAX_FILE_BYTES, i18n.language) }));
}

/** The files chosen for the next message of a channel, before it is sent: a thumbnail or icon,
 * name and size, a description for people who cannot see the image, and a way to take it out. */
export function AttachmentTray({ channelId }: { channelId: string }) {
  const { t, i18n } = useTranslation();
  const files = useDraft(channelId);
  if (!files.length) return null;
  return (
    <ul className="attachment-tray" aria-label={t("files.tray")}>
      {files.map(({ key, file, preview, description }) => (
        <li key={key} className="tray-file">
          <div className="tray-thumb">
            {preview ? <img src={preview} alt="" /> : <FileIcon name={kindIcon(file.type, file.name)} size={32} />}
          </div>
          <div className="tray-meta">
            <div className="tray-text">
              <div className="tray-name" title={file.name}>
                {file.name}
              </div>
              <div className="tray-size">{formatSize(file.size, i18n.language)}</div>
            </div>
            <button type="button" className="icon-button small tray-remove" aria-label={t("files.remove", { name: file.name })} onClick={() => removeDraftFile(channelId, key)}>
              <Icon name="close" size={16} />
            </button>
          </div>
          <input
            className="tray-description"
            value={description}
            maxLength={1024}
            placeholder={t("files.description")}
            aria-label={t("files.description_label", { name: file.name })}
            onChange={(e) => describeDraftFile(channelId, key, e.target.value)}
          />
        </li>
      ))}
    </ul>
  );
}
