import type nock from "nock";
import { OWNER, REPO_PATH } from "./harness.js";

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

/** `.github/tagguard.yml` as Probot's `context.config` requests it: from this repository's default branch. */
export const CONFIG_URL = `${REPO_PATH}/contents/.github%2Ftagguard.yml`;

/** No `.github/tagguard.yml`, neither in the repository nor in the owner's `.github` repository. */
export function mockNoConfig(scope: nock.Scope): nock.Scope {
  scope.get(CONFIG_URL).reply(404, { message: "Not Found" });
  return scope.get(`/repos/${OWNER}/.github/contents/.github%2Ftagguard.yml`).reply(404, { message: "Not Found" });
}

/** `.github/tagguard.yml` in the repository, served raw the way `context.config` asks for it. */
export function mockConfig(scope: nock.Scope, text: string): nock.Scope {
  return scope.get(CONFIG_URL).reply(200, text, { "content-type": "application/vnd.github.raw; charset=utf-8" });
}
