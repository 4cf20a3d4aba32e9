import type nock from "nock";
import { REPO_PATH } from "./harness.js";

export const CHECK_ID = 555;
export const CHECK_URL = "https://github.com/acme/app/runs/555";

/** Bodies of the check-run requests, in order. */
export interface CheckCalls {
  created: unknown[];
  updates: unknown[];
}

export function checkCalls(): CheckCalls {
  return { created: [], updates: [] };
}

/** Mocks `POST /check-runs` (answering with `id`) and `updates` PATCHes of that check run, capturing the bodies. */
export function mockCheckRun(scope: nock.Scope, calls: CheckCalls, updates = 1, id = CHECK_ID): nock.Scope {
  scope
    .post(`${REPO_PATH}/check-runs`, (body: unknown) => {
      calls.created.push(body);
      return true;
    })
    .reply(201, { id, html_url: `https://github.com/acme/app/runs/${id}`, status: "in_progress" });
  for (let i = 0; i < updates; i++) {
    scope
      .patch(`${REPO_PATH}/check-runs/${id}`, (body: unknown) => {
        calls.updates.push(body);
        return true;
      })
      .reply(200, { id });
  }
  return scope;
}

/**
 * Mocks the look-up a repeated run makes for the check run an earlier attempt left in progress on `sha`: GitHub
 * answers with `runs` (default: none).
 */
export function mockCheckLookup(scope: nock.Scope, sha: string, runs: { id: number; status: string; conclusion?: string }[] = []): nock.Scope {
  return scope
    .get(`${REPO_PATH}/commits/${sha}/check-runs`)
    .query({ check_name: "tagguard", filter: "latest", per_page: 100 })
    .reply(200, { total_count: runs.length, check_runs: runs.map((r) => ({ ...r, name: "tagguard", external_id: sha, head_sha: sha, html_url: CHECK_URL })) });
}

/** The body that creates the check run in progress on `sha`. */
export function inProgress(sha: string): unknown {
  return { name: "tagguard", head_sha: sha, external_id: sha, status: "in_progress" };
}
