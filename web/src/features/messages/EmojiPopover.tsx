/** The emoji picker (emoji-mart), loaded on first use with its data. */

import { useEffect, useRef } from "react";
import { i18n } from "../../i18n";

export default function EmojiPopover({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let alive = true;
    let picker: HTMLElement | null = null;
    const language = i18n.language;
    const strings =
      language === "de"
        ? import("@emoji-mart/data/i18n/de.json")
        : language === "fr"
          ? import("@emoji-mart/data/i18n/fr.json")
          : import("@emoji-mart/data/i18n/en.json");
    void Promise.all([import("emoji-mart"), import("@emoji-mart/data"), strings]).then(([{ Picker }, data, translations]) => {
      if (!alive || !host.current) return;
      const dark = document.documentElement.dataset.theme === "dark";
      picker = new Picker({
        data: data.default,
        i18n: translations.default,
        set: "native",
        theme: dark ? "dark" : "light",
        previewPosition: "none",
        skinTonePosition: "search",
        autoFocus: true,
        onEmojiSelect: (emoji: { native: string }) => onPick(emoji.native),
        onClickOutside: () => onClose(),
      }) as unknown as HTMLElement;
      host.current.appendChild(picker);
    });
    return () => {
      alive = false;
      picker?.remove();
    };
  }, [onPick, onClose]);
  return (
    <div
      className="emoji-popover"
      ref={host}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    />
  );
}
