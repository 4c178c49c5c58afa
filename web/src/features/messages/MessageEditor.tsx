import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { ChatMessage } from "../../state/reducer";
import { describeError } from "../../ui/errors";
import { notify } from "../app/ui";

/** Editing a message in place: Enter saves, Esc cancels, an empty text offers deletion. */
export function MessageEditor({ message, onDone }: { message: ChatMessage; onDone: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(message.content);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const node = ref.current!;
    node.focus();
    node.setSelectionRange(node.value.length, node.value.length);
  }, []);
  const save = async () => {
    const content = text.trim();
    if (content === message.content || !content) {
      onDone();
      return;
    }
    try {
      await api.editMessage(message.channel_id, message.id, { content });
      onDone();
    } catch (error) {
      notify(describeError(t, error));
    }
  };
  return (
    <div className="message-editor">
      <textarea
        ref={ref}
        value={text}
        rows={Math.min(8, text.split("\n").length)}
        aria-label={t("messages.edit_label")}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            onDone();
          } else if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            void save();
          }
        }}
      />
      <p className="editor-hint">{t("messages.edit_hint")}</p>
    </div>
  );
}
