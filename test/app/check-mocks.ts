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

/** The body that creates the check run in progress on `sha`. */
export function inProgress(sha: string): unknown {
  return { name: "tagguard", head_sha: sha, status: "in_progress" };
}
