#!/usr/bin/env python3
"""A gecko action task's program, for the real action task tests: gecko_taskgraph's own action
callbacks, run against the real Taskcluster services as Firefox's action task runs them.

The callbacks are the vendored files (`../shared/vendor/gecko_taskgraph/`, each headed by its
repository and commit), copied into a scratch package `gecko_taskgraph` as the differential test
`tests/differential/gecko.py` does, with taskcluster-taskgraph 24.5.1 installed. The modules that
were not vendored are small stand-ins that do what gecko's do, over the network, through the
task's proxy: `decision` writes and reads the action's artifacts in `./artifacts`,
`util/taskgraph.find_decision_task` looks the decision up in the real index at gecko's route,
`util/taskcluster.state_task` asks the real queue. Everything else (fetching the graph and the
earlier actions' and cron tasks' maps from the real index and queue, optimizing, creating the
tasks in the real queue) is gecko's and taskgraph's own code, unchanged.

Run by `action_task.ActionWorker` for a hook whose command is `gecko-action-callback`, with the
environment the hook's task definition gives (`ACTION_TASK_GROUP_ID`, `ACTION_TASK_ID`,
`ACTION_INPUT`, `ACTION_CALLBACK`, `TASK_ID`, `TASKCLUSTER_PROXY_URL`).
"""

import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "differential"))
import gecko  # noqa: E402  (the scratch package's builder and the vendored files' list)

NETWORK_STANDINS = {
    "decision.py": '''
import json
import os

import yaml


def _path(name):
    os.makedirs("artifacts", exist_ok=True)
    return os.path.join("artifacts", name)


def write_artifact(name, data):
    with open(_path(name), "w") as f:
        if name.endswith(".yml"):
            yaml.safe_dump(data, f)
        else:
            json.dump(data, f, sort_keys=True, indent=2)


def read_artifact(name):
    with open(_path(name)) as f:
        return yaml.safe_load(f) if name.endswith(".yml") else json.load(f)


def rename_artifact(src, dest):
    os.rename(_path(src), _path(dest))
''',
    "util/taskcluster.py": '''
from taskgraph.util.taskcluster import status_task


def state_task(task_id):
    return status_task(task_id).get("state")


def trigger_hook(*args, **kwargs):
    raise RuntimeError("these tests run no action that triggers another hook")
''',
    "util/taskgraph.py": '''
from taskgraph.util.taskcluster import find_task_id


def find_decision_task(parameters, graph_config):
    """gecko's lookup: the pushlog-id route of an hg push."""
    route = "{}.v2.{}.pushlog-id.{}.decision".format(
        graph_config["trust-domain"], parameters["project"], parameters["pushlog_id"])
    return find_task_id(route)
''',
}


def main():
    if not gecko.VENDOR.exists():
        print(f"gecko action: {gecko.VENDOR} is absent", file=sys.stderr)
        return 1
    gecko.STANDINS.update(NETWORK_STANDINS)
    gecko.build_package(Path(tempfile.mkdtemp(prefix="gecko-action-")))
    gecko.register_leaf_strategies()
    from taskgraph.util.taskcluster import get_artifact

    registry = __import__("gecko_taskgraph.actions.registry", fromlist=["CALLBACKS"])
    for mod in ("add_new_jobs", "retrigger", "backfill", "run_missing_tests"):
        __import__(f"gecko_taskgraph.actions.{mod}")
    task_group_id = os.environ["ACTION_TASK_GROUP_ID"]
    task_id = json.loads(os.environ.get("ACTION_TASK_ID", "null"))
    action_input = json.loads(os.environ.get("ACTION_INPUT", "{}"))
    callback = os.environ["ACTION_CALLBACK"]
    parameters = get_artifact(task_group_id, "public/parameters.yml")
    graph_config = {"trust-domain": "gecko", "project-repo-param-prefix": ""}
    print(f"gecko action: {callback} on {task_group_id} with {json.dumps(action_input)}", flush=True)
    registry.CALLBACKS[callback](parameters, graph_config, action_input, task_group_id, task_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
