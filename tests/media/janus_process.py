"""Janus servers of the tests' own, in a network namespace joined to ours by a veth pair.

Janus never offers loopback ICE candidates (`research/media.md`), so it cannot meet the aiortc
clients on 127.0.0.1. Each test run makes a namespace `townhall-janus-<pid>-<n>` with a veth
pair: `10.77.<k>.1/24` on our side (where the clients gather their candidates), `10.77.<k>.2/24`
inside, with a free `k`. Two Janus processes (Debian's `janus`, from scripts/ensure-janus) run
inside it, each with a config directory written here: only the HTTP transport (on
`10.77.<k>.2`, ports 8088 and 8089), only the AudioBridge and VideoRoom plugins, an
`admin_key` for room creation, an `api_secret`, signed tokens (`token_auth`), and ICE gathering
enforced on the veth (and AudioBridge's plain RTP, for bots, on the veth's address).

The namespace is deleted (and its veth pair with it) and the processes are killed when
`janus_namespace` is left, also when a test fails; namespaces left by a killed run (their pid
is gone) are deleted at the next start.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

STARTUP_SECONDS = 20.0
PREFIX = "townhall-janus-"
LIBRARIES = Path("/usr/lib/x86_64-linux-gnu/janus")
ADMIN_KEY = "test-admin-key"
API_SECRET = "test-api-secret"
TOKEN_SECRET = "test-token-secret"
PORTS = (8088, 8089)
_runs = itertools.count()


@dataclass
class JanusNamespace:
    """A namespace with Janus servers in it, as the tests reach them."""

    name: str
    client_address: str
    """Our end of the veth pair: where clients gather ICE candidates."""
    janus_address: str
    urls: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in self.logs
            if log.exists()
        )


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def remove_leftovers() -> None:
    """Delete namespaces of earlier runs whose test process is gone (killed mid-run)."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    for line in listing.stdout.splitlines():
        found = re.match(rf"{PREFIX}(\d+)-\d+", line)
        if found is None or Path(f"/proc/{found.group(1)}").exists():
            continue
        name = found.group(0)
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
        for pid in pids.stdout.split():
            subprocess.run(["kill", "-9", pid], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def free_subnet() -> int:
    """A `k` such that no interface of ours has an address in 10.77.k.0/24."""
    addresses = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True).stdout
    used = {int(k) for k in re.findall(r"inet 10\.77\.(\d+)\.", addresses)}
    return next(k for k in range(256) if k not in used)


def write_config(directory: Path, veth: str, address: str, port: int) -> Path:
    for folder, libraries in (
        ("plugins", ["plugins/libjanus_audiobridge.so", "plugins/libjanus_videoroom.so"]),
        ("transports", ["transports/libjanus_http.so"]),
        ("events", []),
        ("loggers", []),
    ):
        (directory / folder).mkdir(parents=True)
        for library in libraries:
            (directory / library).symlink_to(LIBRARIES / library)
    config = directory / "janus.jcfg"
    config.write_text(
        f"""general: {{
  configs_folder = "{directory}"
  plugins_folder = "{directory}/plugins"
  transports_folder = "{directory}/transports"
  events_folder = "{directory}/events"
  loggers_folder = "{directory}/loggers"
  debug_level = 4
  interface = "{address}"
  api_secret = "{API_SECRET}"
  token_auth = true
  token_auth_secret = "{TOKEN_SECRET}"
}}
media: {{
}}
nat: {{
  ice_enforce_list = "{veth}"
  ignore_mdns = true
}}
plugins: {{
}}
transports: {{
}}
loggers: {{
}}
events: {{
}}
"""
    )
    (directory / "janus.transport.http.jcfg").write_text(
        f"""general: {{
  json = "compact"
  base_path = "/janus"
  http = true
  port = {port}
  ip = "{address}"
  https = false
}}
admin: {{
  admin_http = false
}}
"""
    )
    for plugin in ("audiobridge", "videoroom"):
        # AudioBridge's plain RTP participants (bots, relayed by townhall) are met on local_ip.
        local_ip = f'  local_ip = "{address}"\n' if plugin == "audiobridge" else ""
        (directory / f"janus.plugin.{plugin}.jcfg").write_text(
            f"""general: {{
  admin_key = "{ADMIN_KEY}"
  events = false
{local_ip}}}
"""
        )
    return config


def wait_until_serving(
    namespace: JanusNamespace, url: str, process: subprocess.Popen[bytes]
) -> None:
    """Janus's HTTP API answers `info` (it writes no readiness signal we could await)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"janus exited with {process.returncode}:\n{namespace.log_tail()}")
        try:
            if httpx.get(f"{url}/info", timeout=1.0).json().get("janus") == "server_info":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"janus did not serve {url} within {STARTUP_SECONDS} s")


def stop(namespace: JanusNamespace) -> None:
    for process in namespace.processes:
        process.terminate()
    for process in namespace.processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    subprocess.run(["ip", "netns", "del", namespace.name], capture_output=True, timeout=10)


@contextmanager
def janus_namespace(directory: Path) -> Iterator[JanusNamespace]:
    """Two Janus servers in a namespace of their own, reachable from this one; configs in
    `directory`. Everything is stopped and removed on leaving, whatever happened inside."""
    janus_binary = shutil.which("janus")
    if janus_binary is None:
        raise RuntimeError("janus is not installed: run scripts/ensure-janus")
    remove_leftovers()
    run = next(_runs)
    k = free_subnet()
    name = f"{PREFIX}{os.getpid()}-{run}"
    outside, inside = f"thj{os.getpid()}o{run}"[-15:], f"thj{os.getpid()}i{run}"[-15:]
    namespace = JanusNamespace(name, f"10.77.{k}.1", f"10.77.{k}.2")
    ip("netns", "add", name)
    try:
        ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", name)
        ip("addr", "add", f"{namespace.client_address}/24", "dev", outside)
        ip("link", "set", outside, "up")
        ip("-n", name, "addr", "add", f"{namespace.janus_address}/24", "dev", inside)
        ip("-n", name, "link", "set", inside, "up")
        ip("-n", name, "link", "set", "lo", "up")
        for port in PORTS:
            config_dir = directory / f"janus-{port}"
            config = write_config(config_dir, inside, namespace.janus_address, port)
            log = config_dir / "janus.log"
            namespace.logs.append(log)
            command = [janus_binary, "-C", str(config), "-F", str(config_dir), "--disable-colors"]
            with log.open("wb") as output:
                process = subprocess.Popen(
                    ["ip", "netns", "exec", name, *command],
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            namespace.processes.append(process)
            url = f"http://{namespace.janus_address}:{port}/janus"
            namespace.urls.append(url)
            wait_until_serving(namespace, url, process)
        yield namespace
    finally:
        stop(namespace)
