import { useTranslation } from "react-i18next";
import type { Attachment } from "../../api/types";
import { Dialog } from "../../ui/Dialog";
import { formatSize } from "./attachmentRules";
import { FileIcon } from "./FileIcon";

/** An image at full size over the app (a modal dialog: Esc closes it, the focus comes back to
 * the image in the message), with a link to download the file. */
export default function Lightbox({ attachment, onClose }: { attachment: Attachment; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <Dialog title={attachment.filename} onClose={onClose} className="lightbox">
      <div className="lightbox-image">
        <img src={attachment.url} alt={attachment.description || attachment.filename} width={attachment.width ?? undefined} height={attachment.height ?? undefined} />
      </div>
      {attachment.description && <p className="lightbox-description">{attachment.description}</p>}
      <div className="lightbox-actions">
        <span className="muted">{formatSize(attachment.size, i18n.language)}</span>
        <a className="button secondary" href={attachment.url} download={attachment.filename} rel="noopener noreferrer">
          <FileIcon name="download" size={16} /> {t("files.download_file")}
        </a>
      </div>
    </Dialog>
  );
}
