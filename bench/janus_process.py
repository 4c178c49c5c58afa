"""A Janus server for the voice benchmark, in a network namespace joined to ours by a veth pair.

Copied, with few changes, from the tests' `tests/media/janus_process.py` (the benchmarks do not
import the test suite): one Janus instead of two, `townhall-bench-janus-` namespaces (so the
tests' clean-up and ours never take each other's), and the Janus process's pid for CPU and
memory accounting (`ip netns exec` execs Janus in place, so the pid Popen gives is Janus's).

Janus never offers loopback ICE candidates (`research/media.md`), so it cannot meet the aiortc
clients on 127.0.0.1: the namespace has a veth pair, `10.77.<k>.1/24` on our side (where the
clients gather their candidates), `10.77.<k>.2/24` inside, with a free `k`. Janus (Debian's
`janus`, from scripts/ensure-janus) runs inside with a config directory written here: only the
HTTP transport (on `10.77.<k>.2:8088`), only the AudioBridge and VideoRoom plugins (voice, and
the cameras of the `janusvideo` call), an `admin_key` for room creation, an `api_secret`, signed
tokens (`token_auth`), ICE gathering enforced on the veth. The namespace and Janus go when
`janus_namespace` is left, whatever happened inside; those of a killed run (its pid gone) are
removed at the next start.
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
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_SECONDS = 20.0
PREFIX = "townhall-bench-janus-"
LIBRARIES = Path("/usr/lib/x86_64-linux-gnu/janus")
ADMIN_KEY = "bench-admin-key"
API_SECRET = "bench-api-secret"
TOKEN_SECRET = "bench-token-secret"
PORT = 8088
_runs = itertools.count()


@dataclass
class JanusNamespace:
    name: str
    client_address: str
    """Our end of the veth pair: where clients gather ICE candidates."""
    janus_address: str
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def townhall_env(self) -> dict[str, str]:
        """What a townhall server needs to carry its voice rooms on this Janus."""
        return {
            "TOWNHALL_MEDIA_BACKEND": "janus",
            "TOWNHALL_JANUS_URLS": self.url,
            "TOWNHALL_JANUS_ADMIN_KEY": ADMIN_KEY,
            "TOWNHALL_JANUS_API_SECRET": API_SECRET,
            "TOWNHALL_JANUS_TOKEN_SECRET": TOKEN_SECRET,
        }

    def log_tail(self, lines: int = 40) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def remove_leftovers() -> None:
    """Delete namespaces of earlier runs whose benchmark process is gone (killed mid-run)."""
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
        (directory / f"janus.plugin.{plugin}.jcfg").write_text(
            f"""general: {{
  admin_key = "{ADMIN_KEY}"
  events = false
}}
"""
        )
    return config


def wait_until_serving(namespace: JanusNamespace) -> None:
    """Janus's HTTP API answers `info` (it writes no readiness signal we could await)."""
    assert namespace.process is not None
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if namespace.process.poll() is not None:
            code = namespace.process.returncode
            raise RuntimeError(f"janus exited with {code}:\n{namespace.log_tail()}")
        try:
            info = httpx.get(f"{namespace.url}/info", timeout=1.0).json()
            if info.get("janus") == "server_info":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"janus did not serve {namespace.url} within {STARTUP_SECONDS} s")


def stop(namespace: JanusNamespace) -> None:
    process = namespace.process
    if process is not None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    subprocess.run(["ip", "netns", "del", namespace.name], capture_output=True, timeout=10)


@contextmanager
def janus_namespace(directory: Path) -> Iterator[JanusNamespace]:
    """One Janus server in a namespace of its own, reachable from this one; its config in
    `directory`. Everything is stopped and removed on leaving."""
    janus_binary = shutil.which("janus")
    if janus_binary is None:
        raise RuntimeError("janus is not installed: run scripts/ensure-janus")
    remove_leftovers()
    run = next(_runs)
    k = free_subnet()
    name = f"{PREFIX}{os.getpid()}-{run}"
    outside, inside = f"thb{os.getpid()}o{run}"[-15:], f"thb{os.getpid()}i{run}"[-15:]
    namespace = JanusNamespace(name, f"10.77.{k}.1", f"10.77.{k}.2")
    ip("netns", "add", name)
    try:
        ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", name)
        ip("addr", "add", f"{namespace.client_address}/24", "dev", outside)
        ip("link", "set", outside, "up")
        ip("-n", name, "addr", "add", f"{namespace.janus_address}/24", "dev", inside)
        ip("-n", name, "link", "set", inside, "up")
        ip("-n", name, "link", "set", "lo", "up")
        config_dir = directory / f"janus-{PORT}"
        config = write_config(config_dir, inside, namespace.janus_address, PORT)
        namespace.log = config_dir / "janus.log"
        command = [janus_binary, "-C", str(config), "-F", str(config_dir), "--disable-colors"]
        with namespace.log.open("wb") as output:
            namespace.process = subprocess.Popen(
                ["ip", "netns", "exec", name, *command], stdout=output, stderr=subprocess.STDOUT
            )
        namespace.url = f"http://{namespace.janus_address}:{PORT}/janus"
        wait_until_serving(namespace)
        yield namespace
    finally:
        stop(namespace)
