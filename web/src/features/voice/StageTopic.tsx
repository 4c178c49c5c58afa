import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Channel } from "../../api/types";
import { mayRunStage } from "../../state/selectors";
import { useStore } from "../../state/store";
import { Confirm } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";

const TOPIC_MAX = 120;

function TopicForm({ initial, submit, onCancel, action }: { initial: string; submit: (topic: string) => Promise<unknown>; onCancel?: () => void; action: string }) {
  const { t } = useTranslation();
  const [topic, setTopic] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!topic.trim()) return;
    setBusy(true);
    setError("");
    submit(topic.trim()).then(
      () => setBusy(false),
      (failure) => {
        setBusy(false);
        setError(describeError(t, failure, "MANAGE_CHANNELS"));
      },
    );
  };
  return (
    <form className="stage-topic-form" onSubmit={onSubmit}>
      <label className="field">
        <span>{t("stage.topic")}</span>
        <input value={topic} maxLength={TOPIC_MAX} required onChange={(e) => setTopic(e.target.value)} placeholder={t("stage.topic_placeholder")} />
      </label>
      <div className="stage-topic-actions">
        {onCancel && (
          <button type="button" className="button secondary" onClick={onCancel}>
            {t("common.cancel")}
          </button>
        )}
        <button type="submit" className="button primary" disabled={busy || !topic.trim()}>
          {action}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** What a stage is about: its topic while it is live, else that it is not. Who may run the stage
 * (MANAGE_CHANNELS, MUTE_MEMBERS, MOVE_MEMBERS) starts it with a topic, changes it, ends it. */
export function StageTopic({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const stage = useStore((s) => s.stages[channel.id]);
  const runner = useStore((s) => mayRunStage(s, channel.id));
  const [editing, setEditing] = useState(false);
  const [ending, setEnding] = useState(false);
  const [error, setError] = useState("");
  if (!stage) {
    return (
      <div className="stage-topic">
        <p className="stage-off">{t("stage.not_live")}</p>
        {runner ? (
          <TopicForm key="start" initial="" action={t("stage.start")} submit={(topic) => api.createStage({ channel_id: channel.id, topic })} />
        ) : (
          <p className="muted">{t("stage.not_live_hint")}</p>
        )}
      </div>
    );
  }
  return (
    <div className="stage-topic">
      {editing ? (
        <TopicForm
          key="edit"
          initial={stage.topic}
          action={t("common.save")}
          onCancel={() => setEditing(false)}
          submit={(topic) => api.modifyStage(channel.id, { topic }).then(() => setEditing(false))}
        />
      ) : (
        <div className="stage-live">
          <span className="live-tag">{t("stage.live")}</span>
          <h2 className="stage-topic-text">{stage.topic}</h2>
          {runner && (
            <div className="stage-topic-actions">
              <button type="button" className="button secondary" onClick={() => setEditing(true)}>
                {t("stage.edit_topic")}
              </button>
              <button type="button" className="button danger" onClick={() => setEnding(true)}>
                {t("stage.end")}
              </button>
            </div>
          )}
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {ending && (
        <Confirm
          title={t("stage.end_title")}
          body={<p>{t("stage.end_body", { topic: stage.topic })}</p>}
          confirm={t("stage.end")}
          danger
          onConfirm={() => {
            setError("");
            api.deleteStage(channel.id).catch((failure) => setError(describeError(t, failure, "MANAGE_CHANNELS")));
          }}
          onClose={() => setEnding(false)}
        />
      )}
    </div>
  );
}
