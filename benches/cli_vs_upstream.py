"""Our CLI and upstream taskcluster-taskgraph's create_tasks (tests/differential/upstream.py)
on the same 50k-task graph (plain JSON, then gzip), map and request: wall time and peak
memory (the kernel's accounting of each finished child, as /usr/bin/time reports it), and
how many times faster ours is. Upstream runs once per input (about 20 s); ours `--runs`
times, the median run by wall time reported.

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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cli", default="target/release/taskgraph-preview")
    p.add_argument("--python", default=".venv/bin/python")
    p.add_argument("--data", default="target/bench-data")
    p.add_argument("--runs", type=int, default=5, help="runs of ours per input (median kept)")
    a = p.parse_args()
    existing = os.path.join(a.data, "g50k", "label-to-taskid.json")
    labels = os.path.join(a.data, "one.json")
    gz = os.path.join(a.data, "g50k", "full-task-graph.json.gz")
    plain = os.path.join(a.data, "g50k.json")
    print(f"{'':30} {'time':>9} {'peak':>8}   ours against upstream")
    for name, graph in (("plain JSON", plain), ("gzip", gz)):
        cmd = [a.cli, "preview", "--json", "--graph", graph, "--existing", existing,
               "--labels", labels, "--now", "2025-12-01T00:00:00.000Z"]
        runs = sorted(run(cmd) for _ in range(max(1, a.runs)))
        # The median run by wall time (one slow or lucky run does not move it).
        wall, peak = runs[len(runs) // 2]
        up_wall, up_peak = run([a.python, "tests/differential/upstream.py", "--graph", graph,
                                "--existing", existing, "--labels", labels])
        print(f"{'upstream 24.5.1, ' + name:30} {up_wall:8.2f}s {up_peak:6.0f}MB")
        print(f"{'ours, ' + name:30} {wall:8.3f}s {peak:6.0f}MB   "
              f"{up_wall / wall:5.1f}x faster, {up_peak / peak:4.1f}x less memory")


if __name__ == "__main__":
    main()
