import { forwardRef, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Virtuoso, type VirtuosoHandle } from "react-virtuoso";
import { formatDay } from "../../i18n";
import { compareIds } from "../../lib/snowflake";
import { actions, getState, useStore } from "../../state/store";
import type { ChannelMessages } from "../../state/reducer";
import { Icon } from "../../ui/Icon";
import { MessageItem } from "./MessageItem";

const GROUP_MS = 7 * 60 * 1000;
const START_INDEX = 1_000_000_000;

function sameDay(a: string, b: string) {
  return new Date(a).toDateString() === new Date(b).toDateString();
}

interface Props {
  channelId: string;
  window: ChannelMessages;
  unreadAfter: string | null;
  editing: string | null;
  onEdit: (id: string | null) => void;
  onReply: (id: string) => void;
  label: string;
  title: string;
}

const Scroller = forwardRef<HTMLDivElement, React.HTMLAttributes<HTMLDivElement>>(function Scroller(props, ref) {
  return <div {...props} ref={ref} tabIndex={0} />;
});

/** The history: virtualized (only what is on screen is in the DOM), grouped by author and time,
 * with day separators, a "new messages" line, older pages as you scroll up, and jump to present. */
export function MessageList({ channelId, window, unreadAfter, editing, onEdit, onReply, label, title }: Props) {
  const { t } = useTranslation();
  const list = useRef<VirtuosoHandle>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [highlight, setHighlight] = useState<string | null>(null);
  const loading = useRef(false);
  const first = useRef<{ id: string | undefined; index: number }>({ id: undefined, index: START_INDEX });
  const focused = useFocused();
  const ids = window.ids;

  // firstItemIndex goes down by the number of messages put before the first one we had.
  const firstItemIndex = useMemo(() => {
    const previous = first.current;
    if (previous.id === undefined || !ids.length) {
      first.current = { id: ids[0], index: START_INDEX };
    } else if (ids[0] !== previous.id) {
      const at = ids.indexOf(previous.id);
      first.current = { id: ids[0], index: at >= 0 ? previous.index - at : START_INDEX - ids.length };
    }
    return first.current.index;
  }, [ids]);

  useEffect(() => {
    first.current = { id: undefined, index: START_INDEX };
  }, [channelId]);

  const unreadIndex = useMemo(() => {
    if (!unreadAfter) return -1;
    const me = getState().me?.id;
    return ids.findIndex((id) => !window.byId[id]?.local && compareIds(id, unreadAfter) > 0 && window.byId[id]?.author.id !== me);
  }, [ids, unreadAfter, window.byId]);

  useEffect(() => {
    if (atBottom && focused && !window.hasMoreAfter) actions.markRead(channelId);
  }, [atBottom, focused, ids, channelId, window.hasMoreAfter]);

  const loadOlder = useCallback(async () => {
    if (loading.current || !window.hasMoreBefore) return;
    loading.current = true;
    try {
      await actions.loadOlder(channelId);
    } finally {
      loading.current = false;
    }
  }, [channelId, window.hasMoreBefore]);

  const loadNewer = useCallback(async () => {
    if (loading.current || !window.hasMoreAfter) return;
    loading.current = true;
    try {
      await actions.loadNewer(channelId);
    } finally {
      loading.current = false;
    }
  }, [channelId, window.hasMoreAfter]);

  const jump = useCallback(
    async (messageId: string) => {
      await actions.jumpTo(channelId, messageId);
      const index = getState().messages[channelId]?.ids.indexOf(messageId) ?? -1;
      if (index >= 0) {
        list.current?.scrollToIndex({ index, align: "center", behavior: "auto" });
        setHighlight(messageId);
        setTimeout(() => setHighlight((h) => (h === messageId ? null : h)), 2000);
      }
    },
    [channelId],
  );

  const jumpToPresent = async () => {
    if (window.hasMoreAfter) await actions.loadLatest(channelId);
    const count = getState().messages[channelId]?.ids.length ?? 0;
    list.current?.scrollToIndex({ index: count - 1, align: "end", behavior: "auto" });
  };

  const item = (index: number) => {
    const position = index - firstItemIndex;
    const id = ids[position];
    const message = window.byId[id];
    if (!message) return <div className="message-placeholder" />;
    const previous = position > 0 ? window.byId[ids[position - 1]] : undefined;
    const newDay = !previous || !sameDay(previous.timestamp, message.timestamp);
    const unreadLine = position === unreadIndex;
    const continuation =
      !!previous &&
      !newDay &&
      !unreadLine &&
      previous.author.id === message.author.id &&
      Date.parse(message.timestamp) - Date.parse(previous.timestamp) < GROUP_MS;
    return (
      <div className="message-slot">
        {newDay && (
          <div className="day-separator" role="separator" aria-label={formatDay(new Date(message.timestamp))}>
            <span>{formatDay(new Date(message.timestamp))}</span>
          </div>
        )}
        {unreadLine && (
          <div className="unread-separator" role="separator" aria-label={t("messages.new_messages")}>
            <span>{t("messages.new_messages")}</span>
          </div>
        )}
        <MessageItem
          message={message}
          continuation={continuation}
          editing={editing === id}
          onEdit={onEdit}
          onReply={onReply}
          onJump={jump}
          highlighted={highlight === id}
        />
      </div>
    );
  };

  const initial = unreadIndex > 0 ? unreadIndex : Math.max(0, ids.length - 1);
  return (
    <div className="message-list-wrap">
      {ids.length === 0 && !window.hasMoreBefore ? (
        <div className="channel-start" role="log" aria-label={label}>
          <h2>{t("messages.start_title", { name: title })}</h2>
          <p>{t("messages.start_body")}</p>
        </div>
      ) : (
        <Virtuoso
          key={channelId}
          ref={list}
          className="message-list"
          role="log"
          aria-label={label}
          aria-live="polite"
          aria-relevant="additions"
          components={{ Scroller, Header: () => (window.hasMoreBefore ? <div className="history-loading">{t("messages.loading_older")}</div> : <div className="history-top">{t("messages.history_start")}</div>) }}
          data={ids}
          firstItemIndex={firstItemIndex}
          initialTopMostItemIndex={{ index: initial, align: unreadIndex > 0 ? "start" : "end" }}
          computeItemKey={(index) => ids[index - firstItemIndex] ?? index}
          itemContent={(index) => item(index)}
          startReached={loadOlder}
          endReached={loadNewer}
          followOutput={(bottom) => (bottom && !window.hasMoreAfter ? "auto" : false)}
          atBottomStateChange={setAtBottom}
          atBottomThreshold={64}
          increaseViewportBy={{ top: 600, bottom: 300 }}
        />
      )}
      {(!atBottom || window.hasMoreAfter) && ids.length > 0 && (
        <button type="button" className="jump-present" onClick={jumpToPresent}>
          <Icon name="down" size={16} /> {t("messages.jump_to_present")}
        </button>
      )}
    </div>
  );
}

/** Is the tab in front and focused? (Read state moves only while the person can see it.) */
function useFocused(): boolean {
  const [focused, setFocused] = useState(() => typeof document === "undefined" || (document.visibilityState === "visible" && document.hasFocus()));
  useEffect(() => {
    const update = () => setFocused(document.visibilityState === "visible" && document.hasFocus());
    window.addEventListener("focus", update);
    window.addEventListener("blur", update);
    document.addEventListener("visibilitychange", update);
    update();
    return () => {
      window.removeEventListener("focus", update);
      window.removeEventListener("blur", update);
      document.removeEventListener("visibilitychange", update);
    };
  }, []);
  return focused;
}

export function useStoreWindow(channelId: string) {
  return useStore((s) => s.messages[channelId]);
}
