"""Durable background jobs: scheduled with the change that needs them, run once, across restarts
and across nodes. Invite expiry is the job people see: an invite past its `max_age` is deleted and
those who manage its channel hear INVITE_DELETE."""

from __future__ import annotations

from pathlib import Path

from tests.clamd_process import private_clamd
from tests.conftest import Account
from tests.e2e.conftest import register, unique
from tests.gateway.client import Recorder, recording
from tests.server_process import Deployment, Server, new_deployment
from tests.waiting import eventually

GUILDS, GUILD_INVITES = 1 << 0, 1 << 6


def owner_with_channel(server: Server) -> tuple[Account, str]:
    owner = register(server, unique("owner"))
    with server.client(owner["token"]) as http:
        channel_id = http.post("/guilds", json={"name": "Jobs"}).json()["system_channel_id"]
    account = Account(int(owner["user_id"]), "owner", owner["token"], None)  # type: ignore[arg-type]
    return account, channel_id


def create_invite(server: Server, token: str, channel_id: str, max_age: int) -> str:
    with server.client(token) as http:
        made = http.post(
            f"/channels/{channel_id}/invites", json={"max_age": max_age, "unique": True}
        )
    assert made.status_code == 200, made.text
    code: str = made.json()["code"]
    return code


def expiry_jobs(deployment: Deployment) -> list[tuple[str, int, bool, bool]]:
    """(payload, attempts, finished, failed) of each invite expiry job."""
    rows = deployment.sql(
        "SELECT payload, attempts, finished_at IS NOT NULL, failed FROM jobs"
        " WHERE kind = 'invite.expire' ORDER BY id"
    )
    return [(str(p), int(a), bool(done), bool(failed)) for p, a, done, failed in rows]


def all_finished(deployment: Deployment) -> bool:
    return all(done for _, _, done, _ in expiry_jobs(deployment))


async def test_a_job_scheduled_before_a_kill_9_runs_exactly_once_after_the_restart(
    deployment: Deployment,
) -> None:
    server = deployment.start()
    owner, channel_id = owner_with_channel(server)
    # Long enough for a restart and a watcher's READY on a loaded machine before it is due.
    code = create_invite(server, owner.token, channel_id, max_age=20)
    server.kill()
    assert expiry_jobs(deployment) == [(f'{{"code":"{code}"}}', 0, False, False)]

    restarted = deployment.start()
    watcher = await recording(restarted, owner, GUILDS | GUILD_INVITES)
    await watcher.until(
        lambda r: any(p["d"]["code"] == code for p in r.dispatches("INVITE_DELETE")), timeout=40
    )
    await watcher.close()
    await eventually(lambda: all_finished(deployment), 10, "the job is marked done")
    assert expiry_jobs(deployment) == [(f'{{"code":"{code}"}}', 1, True, False)]
    assert deployment.sql(f"SELECT count(*) FROM invites WHERE code = '{code}'") == [(0,)]
    with restarted.client(owner.token) as http:
        assert http.get(f"/invites/{code}").status_code == 404
        assert http.get(f"/channels/{channel_id}/invites").json() == []


async def test_two_nodes_run_each_due_job_once(tmp_path: Path) -> None:
    with new_deployment("postgresql", tmp_path / "data") as deployment:
        shared = {
            "TOWNHALL_BUS_URL": "redis://127.0.0.1:6379/0",
            "TOWNHALL_BUS_CHANNEL": unique("jobs"),
        }
        a, b = deployment.start(**shared), deployment.start(**shared)
        owner, channel_id = owner_with_channel(a)
        watcher = await recording(a, owner, GUILDS | GUILD_INVITES)
        codes = {create_invite(node, owner.token, channel_id, 2) for node in (a, b) * 10}

        def all_deleted(r: Recorder) -> bool:
            return {p["d"]["code"] for p in r.dispatches("INVITE_DELETE")} >= codes

        await watcher.until(all_deleted, timeout=60)
        deletes = [p["d"]["code"] for p in watcher.dispatches("INVITE_DELETE")]
        await watcher.close()
        assert sorted(deletes) == sorted(codes), "each invite deleted once"
        await eventually(lambda: all_finished(deployment), 10, "the jobs are marked done")
        runs = expiry_jobs(deployment)
        assert len(runs) == 20
        assert {(attempts, finished, failed) for _, attempts, finished, failed in runs} == {
            (1, True, False)
        }


async def test_a_scan_cut_by_a_kill_9_is_finished_after_the_restart(
    deployment: Deployment, tmp_path: Path
) -> None:
    """clamd hangs mid-scan, the server is killed with -9, restarted: the scan is claimed again
    once the dead node's lease is gone (seconds, not the job's five-minute claim) and the file
    reaches the other member."""
    with private_clamd(tmp_path / "clamd") as clamd:
        scanning = {"TOWNHALL_SCAN": "required", "TOWNHALL_CLAMD_SOCKET": clamd.socket_path}
        server = deployment.start(**scanning)
        owner, channel_id = owner_with_channel(server)
        member = register(server, unique("member"))
        with server.client(owner.token) as http:
            code = http.post(f"/channels/{channel_id}/invites", json={}).json()["code"]
        with server.client(member["token"]) as http:
            assert http.post(f"/invites/{code}").status_code == 200
        clamd.pause()
        with server.client(owner.token) as http:
            sent = http.post(
                f"/channels/{channel_id}/messages",
                data={"payload_json": '{"content": "minutes"}'},
                files={"files[0]": ("minutes.txt", b"scanned after all\n", "text/plain")},
            )
        assert sent.status_code == 200, sent.text
        message_id = sent.json()["id"]

        def claimed() -> bool:
            rows = deployment.sql(
                "SELECT locked_by IS NOT NULL FROM jobs WHERE kind = 'attachments.scan'"
            )
            return rows == [(True,)]

        await eventually(claimed, 10, "the scan job is running")
        server.kill()
        clamd.resume()

        restarted = deployment.start(**scanning)

        def visible_to_member() -> bool:
            with restarted.client(member["token"]) as http:
                page = http.get(f"/channels/{channel_id}/messages").json()
            return any(m["id"] == message_id for m in page)

        await eventually(visible_to_member, 60, "the member sees the scanned message")
        with restarted.client(member["token"]) as http:
            shown = http.get(f"/channels/{channel_id}/messages/{message_id}").json()
        assert "scan_status" not in shown["attachments"][0]
