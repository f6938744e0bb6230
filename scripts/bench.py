#!/usr/bin/env python3
"""Whole-process benchmarks of restore-doctor against the AWS CLI recipe, side by side in one run.

Run through scripts/bench.sh (which builds the release binary first). Every figure is the median of
several runs measured here, on this machine, in this run; ratios compare medians of the same run.
Prints a Markdown report (the body of BENCHMARKS.md) on stdout and progress on stderr.
"""

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# RD_BIN runs the same steps with another build (e.g. an older commit's, for a before/after).
BIN = os.environ.get("RD_BIN") or os.path.join(ROOT, "target", "release", "restore-doctor")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RECIPE_RUNS = int(os.environ.get("BENCH_RECIPE_RUNS", "3"))
SINCE = "3650d"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Sandbox:
    """`restore-doctor sandbox --port 0 ARGS` as a child process."""

    def __init__(self, *args):
        self.args = list(args)
        self.proc = subprocess.Popen(
            [BIN, "sandbox", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        first = self.proc.stdout.readline().strip()
        if not first.startswith("listening on "):
            raise SystemExit(f"sandbox did not start: {first!r}")
        self.url = first[len("listening on "):]
        self.env = dict(os.environ)
        self.env.update(
            AWS_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID="AKIASANDBOXADMIN0001",  # the only key the sandbox accepts
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE="/dev/null",
            AWS_SHARED_CREDENTIALS_FILE="/dev/null",
            AWS_EC2_METADATA_DISABLED="true",
            AWS_PAGER="",
        )

    def command_line(self):
        return " ".join(["restore-doctor sandbox --port 0", *self.args])

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def timed(cmd, env, shell=False, check=True):
    """Wall seconds of one run; stdout discarded unless asked."""
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, shell=shell, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if check and out.returncode != 0:
        raise SystemExit(f"command failed ({out.returncode}): {cmd}\n{out.stderr.decode()[:2000]}")
    return elapsed, out.stdout


def median_of(runs, fn):
    samples = [fn() for _ in range(runs)]
    return statistics.median(samples), samples


def rd(*args):
    return [BIN, *args]


def fmt_s(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def bench_list(report):
    log("bench: list 1,000 failed jobs")
    sb = Sandbox("--jobs", "1000")
    try:
        ours_cmd = rd("list", "--output", "json", "--since", SINCE)
        count = len(json.loads(timed(ours_cmd, sb.env)[1]))
        theirs_cmd = ["aws", "backup", "list-restore-jobs", "--by-status", "FAILED", "--output", "json"]
        theirs_count = len(json.loads(timed(theirs_cmd, sb.env)[1])["RestoreJobs"])
        ours, _ = median_of(RUNS, lambda: timed(ours_cmd, sb.env)[0])
        theirs, _ = median_of(RUNS, lambda: timed(theirs_cmd, sb.env)[0])
    finally:
        sb.close()
    ratio = theirs / ours
    report.append(("List failed restore jobs (sandbox `--jobs 1000`)",
                   f"`restore-doctor list --output json --since {SINCE}` ({count} jobs)",
                   fmt_s(ours),
                   f"`aws backup list-restore-jobs --by-status FAILED` ({theirs_count} jobs)",
                   fmt_s(theirs), f"{ratio:.1f}x", ">= 10x", ratio >= 10))


def bench_decode(report):
    log("bench: decode 50 distinct tokens")
    sb = Sandbox("--jobs", "50")
    try:
        listed = json.loads(timed(rd("list", "--output", "json", "--since", SINCE), sb.env)[1])
        tokens = sorted({j["encoded_message"] for j in listed if j["encoded_message"]})[:50]
        assert len(tokens) == 50, f"only {len(tokens)} distinct tokens"
        ours_cmd = rd("list", "--decode", "--output", "json", "--since", SINCE)
        decoded = json.loads(timed(ours_cmd, sb.env)[1])
        n_decoded = sum(1 for j in decoded if j.get("diagnosis"))

        def recipe():
            total = 0.0
            for token in tokens:
                cmd = ("aws sts decode-authorization-message --encoded-message '" + token +
                       "' --query DecodedMessage --output text | jq .")
                total += timed(cmd, sb.env, shell=True)[0]
            return total

        ours, _ = median_of(RUNS, lambda: timed(ours_cmd, sb.env)[0])
        theirs, _ = median_of(RECIPE_RUNS, recipe)
    finally:
        sb.close()
    ratio = theirs / ours
    report.append(("Decode 50 distinct tokens",
                   f"`restore-doctor list --decode --output json` ({n_decoded} jobs decoded, "
                   f"{len({j['encoded_message'] for j in decoded if j['encoded_message']})} distinct tokens)",
                   fmt_s(ours),
                   "50 x `aws sts decode-authorization-message --encoded-message T --query DecodedMessage "
                   "--output text | jq .`",
                   fmt_s(theirs), f"{ratio:.0f}x", ">= 100x", ratio >= 100))


def bench_network_bound(report):
    log("bench: network bound at --latency-ms 50")
    sb = Sandbox("--jobs", "200", "--latency-ms", "50")
    try:
        listed = json.loads(timed(rd("list", "--output", "json", "--since", SINCE), sb.env)[1])
        distinct = len({j["encoded_message"] for j in listed if j["encoded_message"]})
        list_only, _ = median_of(RUNS, lambda: timed(rd("list", "--output", "json", "--since", SINCE), sb.env)[0])
        for concurrency in (8, 16, 32):
            cmd = rd("list", "--decode", "--output", "json", "--since", SINCE, "--concurrency", str(concurrency))
            total, _ = median_of(RUNS, lambda: timed(cmd, sb.env)[0])
            decode = total - list_only
            bound = 1.3 * math.ceil(distinct / concurrency) * 0.050
            report.append((f"Decode {distinct} distinct tokens at 50 ms latency, concurrency {concurrency}",
                           f"`restore-doctor list --decode --concurrency {concurrency}` minus `list` "
                           f"({fmt_s(total)} - {fmt_s(list_only)})",
                           fmt_s(decode), "bound: 1.3 x ceil(N/C) x 50 ms", fmt_s(bound),
                           f"{decode / bound:.2f} of bound", "<= 1.0 of bound", decode <= bound))
    finally:
        sb.close()


def peak_rss_kib(cmd, env):
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"command failed: {cmd}")
    return usage.ru_maxrss  # KiB on Linux


def bench_memory(report):
    log("bench: peak RSS with 10,000 jobs listed and decoded")
    sb = Sandbox("--jobs", "10000")
    try:
        cmd = rd("list", "--decode", "--output", "json", "--since", SINCE, "--concurrency", "32")
        kib = statistics.median(peak_rss_kib(cmd, sb.env) for _ in range(3))
    finally:
        sb.close()
    mib = kib / 1024
    report.append(("Peak memory, 10,000 jobs listed and decoded", "`restore-doctor list --decode --output json` "
                   "(max RSS from wait4)", f"{mib:.1f} MiB", "", "", "", "<= 50 MB", mib * 1.048576 <= 50))


def bench_version(report):
    log("bench: --version")
    for _ in range(3):
        timed(rd("--version"), os.environ)
    t, _ = median_of(max(RUNS, 21), lambda: timed(rd("--version"), os.environ)[0])
    report.append(("Start-up", "`restore-doctor --version` (wall, process spawn included)", fmt_s(t), "", "", "",
                   "<= 10 ms", t <= 0.010))


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", "rd-bench", *args], capture_output=True, text=True, check=check)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def tui_pid(session):
    pane_pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").stdout.strip())
    return pane_pid


def bench_tui(report):
    if shutil.which("tmux") is None:
        log("bench: tmux absent, TUI figures skipped")
        return
    log("bench: TUI first frame with 1,000 jobs, idle CPU")
    sb = Sandbox("--jobs", "1000")
    firsts = []
    idle = None
    try:
        env_prefix = " ".join(f"{k}={v}" for k, v in sb.env.items() if k.startswith("AWS_") and v)
        expected = len(json.loads(timed(rd("list", "--output", "json", "--since", SINCE), sb.env)[1]))
        for run in range(RUNS):
            tmux("kill-server", check=False)
            journal = tempfile.mktemp()
            start = time.perf_counter()
            tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "45",
                 f"exec env {env_prefix} {BIN} --since {SINCE} --journal {journal}")
            first = None
            while time.perf_counter() - start < 10:
                screen = tmux("capture-pane", "-p", "-t", "bench", check=False).stdout
                if f"Failed restore jobs ({expected}" in screen:
                    first = time.perf_counter() - start
                    break
                time.sleep(0.002)
            if first is None:
                raise SystemExit("TUI never showed the listed jobs:\n" + screen)
            firsts.append(first)
            if run == 0:
                time.sleep(3)  # let background decoding finish
                pid = tui_pid("bench")
                before = cpu_seconds(pid)
                time.sleep(10)
                idle = (cpu_seconds(pid) - before) / 10
            tmux("send-keys", "-t", "bench", "q")
            time.sleep(0.3)
            tmux("kill-server", check=False)
    finally:
        tmux("kill-server", check=False)
        sb.close()
    first = statistics.median(firsts)
    report.append(("TUI first frame with the jobs listed (1,000 jobs)",
                   "`restore-doctor` in tmux 160x45, spawn until the job count is on screen (2 ms polling)",
                   fmt_s(first), "", "", "", "<= 300 ms", first <= 0.300))
    report.append(("TUI idle CPU over 10 s", "`/proc/PID/stat` utime+stime of the TUI process, after decoding",
                   f"{idle * 100:.2f}% of a core", "", "", "", "< 1%", idle < 0.01))


def start_tui(sb):
    """The TUI against `sb` in a fresh tmux session at 160x45; returns (its PID, when it started)."""
    env_prefix = " ".join(f"{k}={v}" for k, v in sb.env.items() if k.startswith("AWS_") and v)
    tmux("kill-server", check=False)
    journal = tempfile.mktemp()
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "45",
         f"exec env {env_prefix} {BIN} --since {SINCE} --journal {journal}")
    return tui_pid("bench"), start


def wait_idle(pid, start):
    """Waits until the TUI has used no CPU for two seconds in a row (everything decoded)."""
    quiet, before = 0, cpu_seconds(pid)
    while quiet < 2 and time.perf_counter() - start < 1200:
        time.sleep(1)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - before < 0.02 else 0
        before = now


def vm_hwm_kib(pid):
    """Peak resident set size of a live process (VmHWM in /proc/PID/status), KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise SystemExit(f"no VmHWM for {pid}")


def bench_tui_100k(report):
    """The sandbox with 100,000 extra jobs, and the TUI listing and decoding all of them."""
    if shutil.which("tmux") is None:
        log("bench: tmux absent, TUI figures skipped")
        return
    log("bench: sandbox --jobs 100000 start-up, TUI listing and decoding 100,000 jobs")
    start = time.perf_counter()
    sb = Sandbox("--jobs", "100000")
    sandbox_start = time.perf_counter() - start
    sandbox_kib = vm_hwm_kib(sb.proc.pid)
    try:
        pid, start = start_tui(sb)
        listed = None
        while time.perf_counter() - start < 600:
            screen = tmux("capture-pane", "-p", "-t", "bench", check=False).stdout
            if "Failed restore jobs (100" in screen:
                listed = time.perf_counter() - start
                break
            time.sleep(0.05)
        if listed is None:
            raise SystemExit("TUI never showed 100,000 listed jobs:\n" + screen)
        listed_kib = vm_hwm_kib(pid)
        wait_idle(pid, start)
        decoded = time.perf_counter() - start - 2
        decoded_kib = vm_hwm_kib(pid)
        cpu = cpu_seconds(pid)
        screen = tmux("capture-pane", "-p", "-t", "bench", check=False).stdout
        if "decoding" in screen:
            raise SystemExit("TUI still decoding when measured:\n" + screen)
        tmux("send-keys", "-t", "bench", "q")
        time.sleep(0.3)
    finally:
        tmux("kill-server", check=False)
        sb.close()
    mib = lambda kib: f"{kib / 1024:.1f} MiB"
    report.append(("Sandbox start-up with `--jobs 100000`", f"`{sb.command_line()}` until it prints its address "
                   f"(peak RSS then {mib(sandbox_kib)})", fmt_s(sandbox_start), "", "", "", "", ""))
    report.append(("TUI listing 100,000 jobs", "`restore-doctor` in tmux 160x45, spawn until the job count is on "
                   f"screen (50 ms polling; peak RSS then {mib(listed_kib)})", fmt_s(listed), "", "", "", "", ""))
    report.append(("TUI peak memory, 100,000 jobs listed and decoded", "VmHWM of the TUI process once it is idle "
                   f"(all decoded after {fmt_s(decoded)}, {cpu:.1f} s of CPU)", mib(decoded_kib), "", "", "",
                   "< 150 MB", decoded_kib * 1024 < 150e6))


def tui_decode_cpu(sb, keys):
    """Runs the TUI against `sb` (100,000 jobs), typing `keys` (tmux send-keys words) at once,
    so they act before the listing arrives; returns (CPU seconds until listed, CPU seconds
    in all, the title line) once it has used no CPU for two seconds (everything decoded)."""
    pid, start = start_tui(sb)
    try:
        for key in keys:
            tmux("send-keys", "-t", "bench", key)
        listed = None
        while time.perf_counter() - start < 600:
            screen = tmux("capture-pane", "-p", "-t", "bench", check=False).stdout
            if "restore jobs (100" in screen or " of 100" in screen:
                listed = cpu_seconds(pid)
                break
            time.sleep(0.05)
        if listed is None:
            raise SystemExit("TUI never listed the jobs:\n" + screen)
        wait_idle(pid, start)
        total = cpu_seconds(pid)
        screen = tmux("capture-pane", "-p", "-t", "bench", check=False).stdout
        if "decoding" in screen:
            raise SystemExit("TUI still decoding when measured:\n" + screen)
        title = next((line.strip() for line in screen.splitlines() if "restore jobs (" in line), "")
        tmux("send-keys", "-t", "bench", "q")
        time.sleep(0.3)
    finally:
        tmux("kill-server", check=False)
    return listed, total, title


def bench_tui_100k_filter(report):
    """CPU of the TUI decoding 100,000 jobs sorted by role, with the filter /passrole (which
    each row joins when its badge, iam:PassRole, arrives) and without, alternated."""
    if shutil.which("tmux") is None:
        log("bench: tmux absent, TUI figures skipped")
        return
    rounds = int(os.environ.get("BENCH_FILTER_ROUNDS", "2"))
    log(f"bench: TUI decoding 100,000 jobs sorted by role, filter off and on, {rounds} rounds")
    sb = Sandbox("--jobs", "100000")
    sort = ["o", "o"]  # created -> type -> role
    runs = {"off": [], "on": []}
    try:
        for round_ in range(rounds):
            for name, keys in (("off", sort), ("on", sort + ["/", "passrole", "Enter"])):
                listed, total, title = tui_decode_cpu(sb, keys)
                if "sorted by role" not in title or (name == "on") != ("/passrole" in title):
                    raise SystemExit(f"the keys did not take: {title}")
                log(f"bench: round {round_}, filter {name}: {total - listed:.2f} s of CPU after listing "
                    f"({total:.2f} s in all); {title}")
                runs[name].append(total - listed)
    finally:
        sb.close()
    off, on = statistics.median(runs["off"]), statistics.median(runs["on"])
    report.append(("TUI decoding 100,000 jobs sorted by role, filter /passrole on vs off",
                   "`/proc/PID/stat` utime+stime of the TUI from the listing shown until idle, median of "
                   f"{rounds} alternated runs each (off: {', '.join(f'{x:.2f}' for x in runs['off'])} s; "
                   f"on: {', '.join(f'{x:.2f}' for x in runs['on'])} s)",
                   f"{on:.2f} s", "filter off", f"{off:.2f} s", f"{on / off:.3f}x", "<= 1.1x", on / off <= 1.1))


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    aws = subprocess.run(["aws", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}; {aws}"


def main():
    if shutil.which("aws") is None or shutil.which("jq") is None:
        raise SystemExit("bench needs the AWS CLI and jq on PATH")
    report = []
    which = sys.argv[1:] or ["list", "decode", "network", "memory", "version", "tui", "tui100k"]
    steps = {"list": bench_list, "decode": bench_decode, "network": bench_network_bound,
             "memory": bench_memory, "version": bench_version, "tui": bench_tui,
             "tui100k": bench_tui_100k, "tui100k-filter": bench_tui_100k_filter}
    for name in which:
        steps[name](report)
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.")
    print(f"Medians of {RUNS} runs (the AWS CLI recipe: {RECIPE_RUNS} runs). Command: `bash scripts/bench.sh`.\n")
    print("| what | restore-doctor | time | reference | time | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for what, ours, t_ours, ref, t_ref, ratio, target, met in report:
        cells = [what, ours, t_ours, ref, t_ref, ratio, target, "" if met == "" else "yes" if met else "NO"]
        print("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")


if __name__ == "__main__":
    main()
