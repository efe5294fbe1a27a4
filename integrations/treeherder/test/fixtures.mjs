// Treeherder REST API answers for the NSS sample push, made from the stand-in's folder (the
// decision's artifacts and its task group), in the shapes of Treeherder's own UI fixtures
// (tests/ui/mock/repositories.json, push_list.json, job_list/job_1.json).
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const NSS = "NssSampleDecision00001";
export const REPO = "nss";
const REPO_ID = 77;
const PUSH_ID = 1;

const JOB_PROPERTY_NAMES = [
  "duration", "failure_classification_id", "id", "job_group_name", "job_group_symbol", "job_type_name",
  "job_type_symbol", "last_modified", "option_collection_hash", "platform", "platform_option", "push_id",
  "result", "signature", "state", "tier", "task_id", "retry_id", "push_revision",
];

// A task's state in Taskcluster → Treeherder's job state and result.
const STATES = {
  completed: ["completed", "success"],
  failed: ["completed", "testfailed"],
  exception: ["completed", "exception"],
  running: ["running", "unknown"],
  pending: ["pending", "unknown"],
};

/** { repositories, pushList, decisionTasks, jobs, labels } for the NSS sample push of a
 * stand-in at `rootUrl` (laid out in `sampleDir`). */
export function treeherderFixtures(sampleDir, rootUrl) {
  const decision = join(sampleDir, "tasks", NSS);
  const group = JSON.parse(readFileSync(join(decision, "group.json"), "utf8"));
  return pushFixtures({ rootUrl, decisionTaskId: NSS, artifacts: join(decision, "artifacts/public"), group });
}

/** The same for any push of the NSS repository: its decision task, the folder of its artifacts
 * (`parameters.yml` as JSON, `runnable-jobs.json`) and its task group (`[{task, status}]`, as
 * the queue lists it). */
export function pushFixtures({ rootUrl, decisionTaskId, artifacts, group, repo = REPO }) {
  const artifact = (name) => readFileSync(join(artifacts, name), "utf8");
  // The stand-in writes parameters.yml as JSON (a subset of YAML).
  const parameters = JSON.parse(artifact("parameters.yml"));
  const runnable = JSON.parse(artifact("runnable-jobs.json"));
  const revision = parameters.head_rev;
  const repositories = [
    {
      id: REPO_ID,
      repository_group: { name: "development", description: "" },
      name: repo,
      dvcs_type: "git",
      url: parameters.head_repository,
      branch: parameters.head_ref || null,
      codebase: repo,
      description: `${repo} (a push of taskgraph-preview's tests)`,
      active_status: "active",
      performance_alerts_enabled: false,
      expire_performance_data: false,
      tc_root_url: rootUrl,
      is_try_repo: false,
      pushLogUrl: `${parameters.head_repository}/commits`,
      revisionHrefPrefix: `${parameters.head_repository}/commit/`,
    },
  ];
  const pushList = {
    meta: { count: 1, repository: repo, filter_params: { full: "true", count: "10" } },
    results: [
      {
        id: PUSH_ID,
        revision,
        author: parameters.owner,
        revisions: [{ result_set_id: PUSH_ID, repository_id: REPO_ID, revision, author: `${repo} <${parameters.owner}>`, comments: `A ${repo} push of taskgraph-preview's tests` }],
        revision_count: 1,
        push_timestamp: parameters.build_date,
        repository_id: REPO_ID,
      },
    ],
  };
  const decisionTasks = { [PUSH_ID]: { id: decisionTaskId, run: 0 } };
  const lastModified = new Date(parameters.build_date * 1000).toISOString().replace("Z", "");
  const row = (id, label, th, taskId, taskState) => {
    const [state, result] = STATES[taskState] || STATES.completed;
    return [
      state === "completed" ? 600 : 0, 1, id, th.groupName || "unknown", th.groupSymbol || "?", label, th.symbol,
      lastModified, "102210fe594ee9b33d82058545b1ed14f4c8206e", th.platform || "linux", Object.keys(th.collection || { opt: true }).join(" "),
      PUSH_ID, result, `sig-${label}`, state, 1, taskId, 0, revision,
    ];
  };
  const results = [row(1, "Decision Task", { symbol: "D", platform: "gecko-decision" }, decisionTaskId, "completed")];
  for (const { task, status } of group) {
    const label = task.tags?.label;
    if (runnable[label]) results.push(row(results.length + 1, label, runnable[label], status.taskId, status.state));
  }
  const jobs = { count: results.length, next: null, previous: null, results, job_property_names: JOB_PROPERTY_NAMES };
  return { repo, repositories, pushList, decisionTasks, jobs, scheduled: new Set(group.map(({ task }) => task.tags?.label)), runnable };
}
