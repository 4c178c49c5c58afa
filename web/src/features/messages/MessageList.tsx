import { forwardRef, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Virtuoso, type VirtuosoHandle } from "react-virtuoso";
import { formatDay } from "../../i18n";
import { compareIds } from "../../lib/snowflake";
import { actions, getState } from "../../state/store";
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
  const first = useRef<{ ids: string[]; index: number }>({ ids: [], index: START_INDEX });
  const focused = useFocused();
  const ids = window.ids;

  // Virtuoso numbers items from firstItemIndex: it goes down by the messages put before the first
  // one, and up by those the bounded window dropped from the top.
  const droppedFromTop = useRef(false);
  const firstItemIndex = useMemo(() => {
    const previous = first.current;
    let index = previous.index;
    if (ids[0] !== previous.ids[0]) {
      const dropped = previous.ids.indexOf(ids[0]);
      const added = previous.ids.length ? ids.indexOf(previous.ids[0]) : -1;
      index = dropped > 0 ? previous.index + dropped : added > 0 ? previous.index - added : START_INDEX;
      droppedFromTop.current = dropped > 0;
    }
    first.current = { ids, index };
    return index;
  }, [ids]);

  // Virtuoso supports items put before the first (firstItemIndex going down), but when the window
  // drops a hundred of its oldest messages at once while new ones arrive, it can keep its old
  // measurements and leave the newest messages blank below (react-virtuoso#259; its author's advice
  // is to remount). The window drops from the top only while the person follows the present, so
  // the list starts again there, at the newest message.
  const [remounts, setRemounts] = useState({ channelId, count: 0 });
  const remount = remounts.channelId === channelId ? remounts.count : 0;
  useEffect(() => {
    if (!droppedFromTop.current) return;
    droppedFromTop.current = false;
    if (!window.detached && !window.hasMoreAfter) setRemounts({ channelId, count: remount + 1 });
  }, [firstItemIndex, channelId, remount, window.detached, window.hasMoreAfter]);

  const unreadIndex = useMemo(() => {
    if (!unreadAfter) return -1;
    const me = getState().me?.id;
    return ids.findIndex((id) => !window.byId[id]?.local && compareIds(id, unreadAfter) > 0 && window.byId[id]?.author.id !== me);
  }, [ids, unreadAfter, window.byId]);

  useEffect(() => {
    if (atBottom && focused && !window.hasMoreAfter) actions.markRead(channelId);
  }, [atBottom, focused, ids, channelId, window.hasMoreAfter]);

  const bottom = useRef(true);
  // When the person last scrolled by hand (wheel, touch, keys): only that takes the list away from
  // the present. A burst of new messages pushing the bottom out of view for a moment does not.
  const handScrolled = useRef(0);
  const byHand = () => Date.now() - handScrolled.current < 1500;
  // Whether the list has been at the newest message since it opened this channel (it may open at
  // the first unread one instead, and must stay there).
  const reachedBottom = useRef(false);
  useEffect(() => {
    reachedBottom.current = false;
  }, [channelId]);
  /** Scroll to the newest message the store holds for this channel now. */
  const scrollToNewest = useCallback(() => {
    const count = getState().messages[channelId]?.ids.length ?? 0;
    if (count > 0) list.current?.scrollToIndex({ index: count - 1, align: "end", behavior: "auto" });
  }, [channelId]);
  /** Messages arriving faster than Virtuoso follows them can push the bottom out of view; the
   * person did not move away, so the list goes back to the newest message, a few frames in a row
   * if need be (heights measured late move the bottom again). */
  const following = useRef(0);
  const followNewest = useCallback(() => {
    const current = getState().messages[channelId];
    if (!reachedBottom.current || !current || current.detached || current.hasMoreAfter || following.current) return;
    let frames = 0;
    const step = () => {
      following.current = 0;
      if (bottom.current || byHand() || ++frames > 10) return;
      scrollToNewest();
      following.current = requestAnimationFrame(step);
    };
    following.current = requestAnimationFrame(step);
  }, [channelId, scrollToNewest]);
  useEffect(() => () => cancelAnimationFrame(following.current), []);
  const onBottom = useCallback(
    (isAtBottom: boolean) => {
      bottom.current = isAtBottom;
      setAtBottom(isAtBottom);
      if (isAtBottom) reachedBottom.current = true;
      if (isAtBottom || byHand()) {
        actions.setDetached(channelId, !isAtBottom);
        return;
      }
      followNewest();
    },
    [channelId, followNewest],
  );
  // Each new message while the person follows the present: Virtuoso reports leaving the bottom
  // only once, so one correction that falls short (more messages came meanwhile) must not be the
  // last one.
  useEffect(() => {
    if (!bottom.current) followNewest();
  }, [ids, followNewest]);

  const loadOlder = useCallback(async () => {
    if (loading.current || !window.hasMoreBefore) return;
    // At the bottom of a full list the top is far out of sight: nothing to load yet.
    if (bottom.current && window.ids.length >= 50) return;
    loading.current = true;
    try {
      if (byHand()) actions.setDetached(channelId, true);
      await actions.loadOlder(channelId);
    } finally {
      loading.current = false;
    }
  }, [channelId, window.hasMoreBefore, window.ids.length]);

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
        // A jump is a move away from the present, as a scroll by hand is.
        handScrolled.current = Date.now();
        actions.setDetached(channelId, true);
        list.current?.scrollToIndex({ index, align: "center", behavior: "auto" });
        setHighlight(messageId);
        setTimeout(() => setHighlight((h) => (h === messageId ? null : h)), 2000);
      }
    },
    [channelId],
  );

  const jumpToPresent = async () => {
    if (window.hasMoreAfter) await actions.loadLatest(channelId);
    scrollToNewest();
  };

  const positions = useMemo(() => new Map(ids.map((id, i) => [id, i])), [ids]);
  const item = (id: string) => {
    const position = positions.get(id) ?? -1;
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
      (previous.type === 0 || previous.type === 19) &&
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

  const fromUnread = unreadIndex > 0 && remount === 0;
  const initial = fromUnread ? unreadIndex : Math.max(0, ids.length - 1);
  return (
    <div
      className="message-list-wrap"
      onWheel={() => (handScrolled.current = Date.now())}
      onTouchMove={() => (handScrolled.current = Date.now())}
      onPointerDown={() => (handScrolled.current = Date.now())}
      onKeyDown={(e) => {
        if (["ArrowUp", "PageUp", "Home"].includes(e.key)) handScrolled.current = Date.now();
      }}
    >
      {ids.length === 0 && !window.hasMoreBefore ? (
        <div className="channel-start" role="log" aria-label={label}>
          <h2>{t("messages.start_title", { name: title })}</h2>
          <p>{t("messages.start_body")}</p>
        </div>
      ) : (
        <Virtuoso
          key={`${channelId}:${remount}`}
          ref={list}
          className="message-list"
          role="log"
          aria-label={label}
          aria-live="polite"
          aria-relevant="additions"
          components={{ Scroller, Header: () => (window.hasMoreBefore ? <div className="history-loading">{t("messages.loading_older")}</div> : <div className="history-top">{t("messages.history_start")}</div>) }}
          data={ids}
          firstItemIndex={firstItemIndex}
          initialTopMostItemIndex={{ index: initial, align: fromUnread ? "start" : "end" }}
          computeItemKey={(_index, id) => id}
          itemContent={(_index, id) => item(id)}
          startReached={loadOlder}
          endReached={loadNewer}
          followOutput={() => (!window.detached && !window.hasMoreAfter ? "auto" : false)}
          atBottomStateChange={onBottom}
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
