import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ChannelType, type Ban, type Invite, type Overwrite, type Role } from "../../api/types";
import { formatDateTime } from "../../i18n";
import { P, channelPermissions, EDITABLE_PERMISSIONS, has, type PermissionName } from "../../lib/permissions";
import { getState, useStore } from "../../state/store";
import { canInGuild, displayName, myGuildPermissions } from "../../state/selectors";
import { Avatar } from "../../ui/Avatar";
import { Confirm, Dialog } from "../../ui/Dialog";
import { describeError } from "../../ui/errors";
import { Icon } from "../../ui/Icon";
import { expiryLabel, inviteUrl } from "../channels/InviteDialog";
import { PublicLinkSettings } from "../public/PublicLinkSettings";
import { EndGuestAccess } from "../guests/EndGuestAccess";
import { GuestBadge } from "../guests/GuestBadge";
import { GuestSettings } from "../guests/GuestSettings";
import { isGuestMember } from "../guests/guestRules";
import { notify, setUi, type SettingsTab } from "../app/ui";
import { GuildConfidentiality } from "./PushSettings";
import { CommunitySettings } from "../community/CommunitySettings";

const hex = (color: number) => `#${color.toString(16).padStart(6, "0")}`;

function useFail(permission?: PermissionName) {
  const { t } = useTranslation();
  return (e: unknown) => notify(describeError(t, e, permission));
}

function PermissionHelp({ name }: { name: PermissionName }) {
  const { t } = useTranslation();
  return (
    <span className="permission-text">
      <span className="permission-name">{t(`permissions.${name}.name`)}</span>
      <span className="permission-description">{t(`permissions.${name}.description`)}</span>
    </span>
  );
}

// -- overview ---------------------------------------------------------------------------------

function Overview({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const guild = useStore((s) => s.guilds[guildId]);
  const [name, setName] = useState(guild?.name ?? "");
  const [description, setDescription] = useState(guild?.description ?? "");
  const fail = useFail("MANAGE_GUILD");
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    api.modifyGuild(guildId, { name: name.trim(), description: description.trim() || null }).then(() => notify(t("settings.saved"), "info"), fail);
  };
  return (
    <form className="form" onSubmit={save}>
      <label className="field">
        <span>{t("guild.name")}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
      </label>
      <label className="field">
        <span>{t("guild.description")}</span>
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} maxLength={300} rows={3} />
      </label>
      <button type="submit" className="button primary">
        {t("common.save")}
      </button>
    </form>
  );
}

function OverviewWithGuests({ guildId }: { guildId: string }) {
  return (
    <>
      <Overview guildId={guildId} />
      <CommunitySettings guildId={guildId} />
      <GuestSettings guildId={guildId} />
      <GuildConfidentiality guildId={guildId} />
    </>
  );
}

// -- roles ------------------------------------------------------------------------------------

function RoleEditor({ guildId, role }: { guildId: string; role: Role }) {
  const { t } = useTranslation();
  const [name, setName] = useState(role.name);
  const fail = useFail("MANAGE_ROLES");
  const everyone = role.id === guildId;
  useEffect(() => setName(role.name), [role.id, role.name]);
  const patch = (body: Parameters<typeof api.modifyRole>[2]) => api.modifyRole(guildId, role.id, body).catch(fail);
  const bits = BigInt(role.permissions);
  const toggle = (permission: PermissionName, on: boolean) => {
    const value = on ? bits | P[permission] : bits & ~P[permission];
    void patch({ permissions: value.toString() });
  };
  const [deleting, setDeleting] = useState(false);
  return (
    <div className="role-editor">
      {!everyone && (
        <div className="field-row">
          <label className="field">
            <span>{t("roles.name")}</span>
            <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} onBlur={() => name.trim() && name !== role.name && patch({ name: name.trim() })} />
          </label>
          <label className="field narrow">
            <span>{t("roles.color")}</span>
            <input type="color" value={hex(role.color || 0x99aab5)} onChange={(e) => patch({ color: Number.parseInt(e.target.value.slice(1), 16) })} />
          </label>
        </div>
      )}
      {!everyone && (
        <>
          <label className="check">
            <input type="checkbox" checked={role.hoist} onChange={(e) => patch({ hoist: e.target.checked })} />
            <span>{t("roles.hoist")}</span>
          </label>
          <label className="check">
            <input type="checkbox" checked={role.mentionable} onChange={(e) => patch({ mentionable: e.target.checked })} />
            <span>{t("roles.mentionable")}</span>
          </label>
        </>
      )}
      <h3>{t("roles.permissions")}</h3>
      <ul className="permission-list">
        {EDITABLE_PERMISSIONS.map((permission) => (
          <li key={permission}>
            <label className="permission-row">
              <PermissionHelp name={permission} />
              <input type="checkbox" role="switch" className="switch" checked={(bits & P[permission]) === P[permission]} onChange={(e) => toggle(permission, e.target.checked)} />
            </label>
          </li>
        ))}
      </ul>
      {!everyone && !role.managed && (
        <button type="button" className="button danger" onClick={() => setDeleting(true)}>
          {t("roles.delete")}
        </button>
      )}
      {deleting && (
        <Confirm
          title={t("roles.delete")}
          body={<p>{t("roles.delete_body", { name: role.name })}</p>}
          confirm={t("roles.delete")}
          danger
          onConfirm={() => api.deleteRole(guildId, role.id).catch(fail)}
          onClose={() => setDeleting(false)}
        />
      )}
    </div>
  );
}

function Roles({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const roles = useStore((s) => s.guilds[guildId]?.roles);
  const fail = useFail("MANAGE_ROLES");
  const sorted = useMemo(() => Object.values(roles ?? {}).filter((r) => r.id !== guildId).sort((a, b) => b.position - a.position), [roles, guildId]);
  const [selected, setSelected] = useState<string>(sorted[0]?.id ?? guildId);
  const [dragging, setDragging] = useState<string | null>(null);
  const role = roles?.[selected] ?? roles?.[guildId];
  const create = async () => {
    try {
      const created = await api.createRole(guildId, { name: t("roles.new_role") });
      setSelected(created.id);
    } catch (e) {
      fail(e);
    }
  };
  /** Moves a role to another place in the hierarchy (top of the list = highest position). */
  const move = (roleId: string, toIndex: number) => {
    const order = sorted.map((r) => r.id).filter((id) => id !== roleId);
    order.splice(Math.max(0, Math.min(toIndex, order.length)), 0, roleId);
    const top = order.length;
    void api.moveRoles(guildId, order.map((id, i) => ({ id, position: top - i }))).catch(fail);
  };
  return (
    <div className="split">
      <div className="split-list">
        <button type="button" className="button primary" onClick={create}>
          <Icon name="plus" size={16} /> {t("roles.create")}
        </button>
        <p className="hint">{t("roles.drag_hint")}</p>
        <ul className="role-list" aria-label={t("roles.list")}>
          {sorted.map((r, index) => (
            <li
              key={r.id}
              draggable
              onDragStart={() => setDragging(r.id)}
              onDragOver={(e) => e.preventDefault()}
              onDrop={() => {
                if (dragging && dragging !== r.id) move(dragging, index);
                setDragging(null);
              }}
              className={`role-item ${selected === r.id ? "selected" : ""}`}
            >
              <span className="grip" aria-hidden="true">
                <Icon name="grip" size={14} />
              </span>
              <button type="button" className="role-select" aria-pressed={selected === r.id} onClick={() => setSelected(r.id)}>
                <span className="role-dot" style={{ background: r.color ? hex(r.color) : "var(--text-muted)" }} aria-hidden="true" />
                {r.name}
              </button>
              <button type="button" className="icon-button small" aria-label={t("roles.move_up", { name: r.name })} disabled={index === 0} onClick={() => move(r.id, index - 1)}>
                ▲
              </button>
              <button type="button" className="icon-button small" aria-label={t("roles.move_down", { name: r.name })} disabled={index === sorted.length - 1} onClick={() => move(r.id, index + 1)}>
                ▼
              </button>
            </li>
          ))}
          <li className={`role-item ${selected === guildId ? "selected" : ""}`}>
            <button type="button" className="role-select" aria-pressed={selected === guildId} onClick={() => setSelected(guildId)}>
              @everyone
            </button>
          </li>
        </ul>
      </div>
      <div className="split-main">{role && <RoleEditor key={role.id} guildId={guildId} role={role} />}</div>
    </div>
  );
}

// -- channel permissions ----------------------------------------------------------------------

type Tri = "allow" | "neutral" | "deny";

function triOf(overwrite: Overwrite | undefined, permission: bigint): Tri {
  if (!overwrite) return "neutral";
  if (BigInt(overwrite.allow) & permission) return "allow";
  if (BigInt(overwrite.deny) & permission) return "deny";
  return "neutral";
}

function Channels({ guildId, initialChannel }: { guildId: string; initialChannel?: string }) {
  const { t } = useTranslation();
  const channelIds = useStore((s) => s.guilds[guildId]?.channelIds ?? []);
  const channels = useStore((s) => s.channels);
  const roles = useStore((s) => s.guilds[guildId]?.roles ?? {});
  const members = useStore((s) => s.members[guildId] ?? {});
  const fail = useFail("MANAGE_ROLES");
  const [channelId, setChannelId] = useState(initialChannel ?? channelIds[0]);
  const channel = channels[channelId];
  const overwrites = channel?.permission_overwrites ?? [];
  const [target, setTarget] = useState<string>(guildId);
  const [viewer, setViewer] = useState<string>(Object.keys(members)[0] ?? "");
  const [adding, setAdding] = useState("");
  const overwrite = overwrites.find((o) => o.id === target);
  const targetType: 0 | 1 = roles[target] ? 0 : 1;

  const set = (permission: bigint, value: Tri) => {
    let allow = BigInt(overwrite?.allow ?? "0") & ~permission;
    let deny = BigInt(overwrite?.deny ?? "0") & ~permission;
    if (value === "allow") allow |= permission;
    if (value === "deny") deny |= permission;
    void api.putOverwrite(channelId, target, { type: targetType, allow: allow.toString(), deny: deny.toString() }).catch(fail);
  };
  const guild = getState().guilds[guildId];
  const effective = channel && guild && viewer ? channelPermissions(guild, roles, channel, viewer, members[viewer]) : 0n;
  const targets = [guildId, ...overwrites.map((o) => o.id).filter((id) => id !== guildId)];
  const nameOf = (id: string) => (id === guildId ? "@everyone" : roles[id]?.name ?? displayName(getState(), id, guildId));
  const addable = [
    ...Object.values(roles).filter((r) => r.id !== guildId && !targets.includes(r.id)).map((r) => ({ id: r.id, label: `@${r.name}` })),
    ...Object.keys(members).filter((id) => !targets.includes(id)).map((id) => ({ id, label: displayName(getState(), id, guildId) })),
  ];
  return (
    <div className="form">
      <label className="field">
        <span>{t("overwrites.channel")}</span>
        <select value={channelId} onChange={(e) => setChannelId(e.target.value)}>
          {channelIds
            .map((id) => channels[id])
            .filter(Boolean)
            .map((c) => (
              <option key={c.id} value={c.id}>
                {c.type === ChannelType.GUILD_CATEGORY ? c.name?.toUpperCase() : `#${c.name}`}
              </option>
            ))}
        </select>
      </label>
      {channelId && <PublicLinkSettings guildId={guildId} channelId={channelId} />}
      <div className="split">
        <div className="split-list">
          <h3>{t("overwrites.targets")}</h3>
          <ul className="role-list">
            {targets.map((id) => (
              <li key={id} className={`role-item ${target === id ? "selected" : ""}`}>
                <button type="button" className="role-select" aria-pressed={target === id} onClick={() => setTarget(id)}>
                  {nameOf(id)}
                </button>
                {id !== guildId && (
                  <button type="button" className="icon-button small" aria-label={t("overwrites.remove", { name: nameOf(id) })} onClick={() => api.deleteOverwrite(channelId, id).catch(fail)}>
                    <Icon name="close" size={14} />
                  </button>
                )}
              </li>
            ))}
          </ul>
          <label className="field">
            <span>{t("overwrites.add")}</span>
            <select
              value={adding}
              onChange={(e) => {
                const id = e.target.value;
                setAdding("");
                if (!id) return;
                const type = roles[id] ? 0 : 1;
                api.putOverwrite(channelId, id, { type, allow: "0", deny: "0" }).then(() => setTarget(id), fail);
              }}
            >
              <option value="">{t("overwrites.choose")}</option>
              {addable.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="split-main">
          <h3>{t("overwrites.for", { name: nameOf(target) })}</h3>
          <label className="field">
            <span>{t("overwrites.effective_for")}</span>
            <select value={viewer} onChange={(e) => setViewer(e.target.value)}>
              {Object.keys(members).map((id) => (
                <option key={id} value={id}>
                  {displayName(getState(), id, guildId)}
                </option>
              ))}
            </select>
          </label>
          <table className="overwrite-table">
            <thead>
              <tr>
                <th scope="col">{t("overwrites.permission")}</th>
                <th scope="col">{t("overwrites.deny")}</th>
                <th scope="col">{t("overwrites.neutral")}</th>
                <th scope="col">{t("overwrites.allow")}</th>
                <th scope="col">{t("overwrites.result")}</th>
              </tr>
            </thead>
            <tbody>
              {EDITABLE_PERMISSIONS.filter((p) => !["ADMINISTRATOR", "MANAGE_GUILD", "KICK_MEMBERS", "BAN_MEMBERS", "MODERATE_MEMBERS", "CHANGE_NICKNAME", "MANAGE_NICKNAMES"].includes(p)).map((permission) => {
                const value = triOf(overwrite, P[permission]);
                const ok = has(effective, P[permission]);
                return (
                  <tr key={permission}>
                    <th scope="row">
                      <PermissionHelp name={permission} />
                    </th>
                    {(["deny", "neutral", "allow"] as Tri[]).map((choice) => (
                      <td key={choice} className={`tri ${choice}`}>
                        <input
                          type="radio"
                          name={`${target}-${permission}`}
                          aria-label={`${t(`permissions.${permission}.name`)}: ${t(`overwrites.${choice}`)}`}
                          checked={value === choice}
                          onChange={() => set(P[permission], choice)}
                        />
                      </td>
                    ))}
                    <td className={ok ? "result-yes" : "result-no"}>{ok ? t("overwrites.yes") : t("overwrites.no")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}

// -- invites ----------------------------------------------------------------------------------

function Invites({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const fail = useFail("MANAGE_GUILD");
  const load = () => api.guildInvites(guildId).then(setInvites, fail);
  useEffect(() => {
    void load();
  }, [guildId]); // eslint-disable-line react-hooks/exhaustive-deps
  const firstChannel = getState().guilds[guildId]?.channelIds.find((id) => getState().channels[id]?.type === 0);
  return (
    <div className="form">
      {firstChannel && (
        <button type="button" className="button primary" onClick={() => setUi({ invite: { channelId: firstChannel } })}>
          {t("invites.create")}
        </button>
      )}
      {invites === null ? (
        <p className="muted">{t("common.loading")}</p>
      ) : invites.length === 0 ? (
        <p className="muted">{t("invites.none")}</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("invites.code")}</th>
              <th scope="col">{t("invites.inviter")}</th>
              <th scope="col">{t("invites.uses_column")}</th>
              <th scope="col">{t("invites.expires")}</th>
              <th scope="col">
                <span className="sr-only">{t("common.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invites.map((invite) => (
              <tr key={invite.code}>
                <td>
                  <code>{invite.code}</code>
                </td>
                <td>{invite.inviter?.global_name || invite.inviter?.username}</td>
                <td>{invite.max_uses ? `${invite.uses ?? 0} / ${invite.max_uses}` : String(invite.uses ?? 0)}</td>
                <td>{invite.expires_at ? formatDateTime(new Date(invite.expires_at)) : expiryLabel(t, 0)}</td>
                <td className="row-actions">
                  <button type="button" className="icon-button small" aria-label={t("invites.copy_code", { code: invite.code })} onClick={() => navigator.clipboard?.writeText(inviteUrl(invite.code))}>
                    <Icon name="copy" size={14} />
                  </button>
                  <button
                    type="button"
                    className="icon-button small danger"
                    aria-label={t("invites.revoke", { code: invite.code })}
                    onClick={() => api.revokeInvite(invite.code).then(load, fail)}
                  >
                    <Icon name="trash" size={14} />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

// -- members and bans -------------------------------------------------------------------------

const TIMEOUTS = [60, 300, 600, 3600, 86400, 604800];
const DELETE_HISTORY = [0, 3600, 21600, 43200, 86400, 259200, 604800];

function MemberActions({ guildId, userId }: { guildId: string; userId: string }) {
  const { t } = useTranslation();
  const roles = useStore((s) => s.guilds[guildId]?.roles ?? {});
  const member = useStore((s) => s.members[guildId]?.[userId]);
  const mayRoles = useStore((s) => canInGuild(s, guildId, P.MANAGE_ROLES));
  const mayKick = useStore((s) => canInGuild(s, guildId, P.KICK_MEMBERS));
  const mayBan = useStore((s) => canInGuild(s, guildId, P.BAN_MEMBERS));
  const mayTimeout = useStore((s) => canInGuild(s, guildId, P.MODERATE_MEMBERS));
  const [confirm, setConfirm] = useState<"kick" | "ban" | null>(null);
  const [deleteSeconds, setDeleteSeconds] = useState(0);
  const name = displayName(getState(), userId, guildId);
  const failRoles = useFail("MANAGE_ROLES");
  const failKick = useFail("KICK_MEMBERS");
  const failBan = useFail("BAN_MEMBERS");
  const failTimeout = useFail("MODERATE_MEMBERS");
  if (!member) return null;
  const timedOut = member.communication_disabled_until && Date.parse(member.communication_disabled_until) > Date.now();
  return (
    <div className="member-actions">
      {mayRoles && (
        <fieldset className="role-checks">
          <legend>{t("members.roles_of", { name })}</legend>
          {Object.values(roles)
            .filter((r) => r.id !== guildId && !r.managed)
            .sort((a, b) => b.position - a.position)
            .map((role) => (
              <label key={role.id} className="check">
                <input
                  type="checkbox"
                  checked={member.roles.includes(role.id)}
                  onChange={(e) => {
                    const next = e.target.checked ? [...member.roles, role.id] : member.roles.filter((r) => r !== role.id);
                    api.modifyMember(guildId, userId, { roles: next }).catch(failRoles);
                  }}
                />
                <span>{role.name}</span>
              </label>
            ))}
        </fieldset>
      )}
      <div className="chip-row">
        {mayTimeout && (
          <label className="field compact">
            <span>{timedOut ? t("members.timed_out_until", { until: formatDateTime(new Date(member.communication_disabled_until!)) }) : t("members.timeout")}</span>
            <select
              value=""
              onChange={(e) => {
                const seconds = Number(e.target.value);
                const until = seconds > 0 ? new Date(Date.now() + seconds * 1000).toISOString() : null;
                api.modifyMember(guildId, userId, { communication_disabled_until: until }).catch(failTimeout);
              }}
            >
              <option value="">{t("members.choose_duration")}</option>
              {timedOut && <option value="0">{t("members.end_timeout")}</option>}
              {TIMEOUTS.map((s) => (
                <option key={s} value={s}>
                  {expiryLabel(t, s)}
                </option>
              ))}
            </select>
          </label>
        )}
        {mayKick && (
          <button type="button" className="button secondary" onClick={() => setConfirm("kick")}>
            {t("members.kick")}
          </button>
        )}
        {mayKick && isGuestMember(member) && <EndGuestAccess guildId={guildId} userId={userId} name={name} />}
        {mayBan && (
          <button type="button" className="button danger" onClick={() => setConfirm("ban")}>
            {t("members.ban")}
          </button>
        )}
      </div>
      {confirm === "kick" && (
        <Confirm title={t("members.kick_title", { name })} body={<p>{t("members.kick_body", { name })}</p>} confirm={t("members.kick")} danger onConfirm={() => api.kick(guildId, userId).catch(failKick)} onClose={() => setConfirm(null)} />
      )}
      {confirm === "ban" && (
        <Confirm
          title={t("members.ban_title", { name })}
          body={
            <div className="form">
              <p>{t("members.ban_body", { name })}</p>
              <label className="field">
                <span>{t("members.delete_history")}</span>
                <select value={deleteSeconds} onChange={(e) => setDeleteSeconds(Number(e.target.value))}>
                  {DELETE_HISTORY.map((s) => (
                    <option key={s} value={s}>
                      {s === 0 ? t("members.delete_none") : expiryLabel(t, s)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          }
          confirm={t("members.ban")}
          danger
          onConfirm={() => api.ban(guildId, userId, deleteSeconds).catch(failBan)}
          onClose={() => setConfirm(null)}
        />
      )}
    </div>
  );
}

function Members({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const members = useStore((s) => s.members[guildId] ?? {});
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const me = useStore((s) => s.me?.id);
  const q = query.toLowerCase();
  const list = Object.keys(members)
    .map((id) => ({ id, name: displayName(getState(), id, guildId), username: getState().users[id]?.username ?? "" }))
    .filter((m) => m.name.toLowerCase().includes(q) || m.username.toLowerCase().includes(q))
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="form">
      <label className="field">
        <span>{t("members.search")}</span>
        <input value={query} onChange={(e) => setQuery(e.target.value)} />
      </label>
      <ul className="member-admin-list">
        {list.map((m) => (
          <li key={m.id}>
            <button type="button" className="member-admin-row" aria-expanded={open === m.id} onClick={() => setOpen(open === m.id ? null : m.id)}>
              <Avatar id={m.id} name={m.name} size={32} />
              <span>{m.name}</span>
              {isGuestMember(members[m.id]) && <GuestBadge />}
              <span className="muted">{m.username}</span>
            </button>
            {open === m.id && m.id !== me && <MemberActions guildId={guildId} userId={m.id} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Bans({ guildId }: { guildId: string }) {
  const { t } = useTranslation();
  const [bans, setBans] = useState<Ban[] | null>(null);
  const fail = useFail("BAN_MEMBERS");
  const load = () => api.bans(guildId).then(setBans, fail);
  useEffect(() => {
    void load();
  }, [guildId]); // eslint-disable-line react-hooks/exhaustive-deps
  if (bans === null) return <p className="muted">{t("common.loading")}</p>;
  if (!bans.length) return <p className="muted">{t("members.no_bans")}</p>;
  return (
    <ul className="member-admin-list">
      {bans.map((ban) => (
        <li key={ban.user.id} className="member-admin-row static">
          <Avatar id={ban.user.id} name={ban.user.username} size={32} />
          <span>{ban.user.global_name || ban.user.username}</span>
          <span className="muted">{ban.reason ?? ""}</span>
          <button type="button" className="button secondary" onClick={() => api.unban(guildId, ban.user.id).then(load, fail)}>
            {t("members.unban")}
          </button>
        </li>
      ))}
    </ul>
  );
}

// -- the dialog -------------------------------------------------------------------------------

const TABS: { tab: SettingsTab; permission: bigint }[] = [
  { tab: "overview", permission: P.MANAGE_GUILD },
  { tab: "roles", permission: P.MANAGE_ROLES },
  { tab: "channels", permission: P.MANAGE_ROLES },
  { tab: "invites", permission: P.MANAGE_GUILD },
  { tab: "members", permission: P.KICK_MEMBERS | P.BAN_MEMBERS | P.MANAGE_ROLES | P.MODERATE_MEMBERS },
  { tab: "bans", permission: P.BAN_MEMBERS },
];

export default function GuildSettings({ guildId, tab, channelId }: { guildId: string; tab: SettingsTab; channelId?: string }) {
  const { t } = useTranslation();
  const name = useStore((s) => s.guilds[guildId]?.name ?? "");
  const allowed = useStore((s) => {
    const mine = myGuildPermissions(s, guildId);
    return TABS.filter(({ permission }) => (mine & permission) !== 0n)
      .map((x) => x.tab)
      .join(",");
  });
  const tabs = allowed.split(",").filter(Boolean) as SettingsTab[];
  const current = tabs.includes(tab) ? tab : tabs[0];
  const go = (next: SettingsTab) => setUi({ guildSettings: { guildId, tab: next } });
  return (
    <Dialog title={t("guild.settings_title", { name })} onClose={() => setUi({ guildSettings: null })} wide>
      <div className="settings-layout">
        <div className="settings-tabs" role="tablist" aria-label={t("guild.settings")}>
          {tabs.map((name) => (
            <button key={name} type="button" role="tab" id={`tab-${name}`} aria-selected={current === name} aria-controls={`panel-${name}`} className={current === name ? "active" : ""} onClick={() => go(name)}>
              {t(`guild.tabs.${name}`)}
            </button>
          ))}
        </div>
        <div className="settings-panel" role="tabpanel" id={`panel-${current}`} aria-labelledby={`tab-${current}`}>
          {current === "overview" && <OverviewWithGuests guildId={guildId} />}
          {current === "roles" && <Roles guildId={guildId} />}
          {current === "channels" && <Channels guildId={guildId} initialChannel={channelId} />}
          {current === "invites" && <Invites guildId={guildId} />}
          {current === "members" && <Members guildId={guildId} />}
          {current === "bans" && <Bans guildId={guildId} />}
        </div>
      </div>
    </Dialog>
  );
}
