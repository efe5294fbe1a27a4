"""Our CLI and upstream taskcluster-taskgraph's create_tasks (tests/differential/upstream.py)
on the same 50k-task graph (plain JSON, then gzip), map and request: wall time and peak
memory (the kernel's accounting of each finished child, as /usr/bin/time reports it), and
how many times faster ours is. Upstream runs once per input (about 20 s); ours `--runs`
times, the median run by wall time reported. With `--baseline <cli>` (an earlier commit's
build: `make bench-cli BASELINE=<commit>`), that CLI runs too, its runs interleaved with
ours, so both meet the same machine.

    python3 benches/cli_vs_upstream.py --cli target/release/taskgraph-preview \
        --python .venv/bin/python --data target/bench-data

`make bench-cli` runs it after generating the data (see the Makefile's bench-e2e).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time


def run(cmd):
    """Wall seconds and peak resident memory (MB) of `cmd`, its output thrown away."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} failed:\n{err.read().decode(errors='replace')}")
    # ru_maxrss is in kilobytes on Linux.
    return wall, usage.ru_maxrss / 1024


def median(runs):
    """The median run by wall time (one slow or lucky run does not move it), and the worst."""
    runs = sorted(runs)
    return runs[len(runs) // 2], runs[-1]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cli", default="target/release/taskgraph-preview")
    p.add_argument("--baseline", help="an earlier build of the CLI, run beside ours")
    p.add_argument("--python", default=".venv/bin/python")
    p.add_argument("--data", default="target/bench-data")
    p.add_argument("--runs", type=int, default=5, help="runs of ours per input (median kept)")
    a = p.parse_args()
    existing = os.path.join(a.data, "g50k", "label-to-taskid.json")
    labels = os.path.join(a.data, "one.json")
    gz = os.path.join(a.data, "g50k", "full-task-graph.json.gz")
    plain = os.path.join(a.data, "g50k.json")
    clis = [("ours", a.cli)] + ([("baseline", a.baseline)] if a.baseline else [])
    print(f"{'':30} {'median':>9} {'worst':>8} {'peak':>8}   against upstream")
    for name, graph in (("plain JSON", plain), ("gzip", gz)):
        args = ["preview", "--json", "--graph", graph, "--existing", existing,
                "--labels", labels, "--now", "2025-12-01T00:00:00.000Z"]
        runs = {who: [] for who, _ in clis}
        for _ in range(max(1, a.runs)):
            for who, cli in clis:
                runs[who].append(run([cli] + args))
        up_wall, up_peak = run([a.python, "tests/differential/upstream.py", "--graph", graph,
                                "--existing", existing, "--labels", labels])
        print(f"{'upstream 24.5.1, ' + name:30} {up_wall:8.2f}s {'':8} {up_peak:6.0f}MB")
        for who, _ in clis:
            (wall, peak), (worst, _) = median(runs[who])
            print(f"{who + ', ' + name:30} {wall:8.3f}s {worst:7.3f}s {peak:6.0f}MB   "
                  f"{up_wall / wall:5.1f}x faster, {up_peak / peak:4.1f}x less memory")


if __name__ == "__main__":
    main()
