import { ciComment, repoReviewBody } from "../app/engine-expectations.js";
import { fixtureRepo, hunkPatch } from "../app/harness.js";
import { answerGraphql, type GraphqlRequest } from "../support/graphql-repo.js";
import { APP_ROUTES, FakeGitHub, type Reply, type Route } from "./fake-github.js";

/**
 * A fake GitHub with one repository (acme/app, the `repo` fixture at HEAD) and pull requests `numbers`, each
 * changing the CI workflow: a review posted on a pull request is what later reads of it return, so a second run
 * finds it. For end-to-end tests of the server (`probot run`) reviewing pull requests.
 */
interface PostedReview {
  body: string;
  comments?: { body: string }[];
}

export function reviewWorld(numbers: number[]) {
  const HEAD = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
  const CI = ".github/workflows/ci.yml";
  const API = "/api/v3/repos/acme/app";
  const repo = fixtureRepo("repo");


  /** Reviews the fake accepted on pull request `n`: later reads of its reviews and comments return them. */
  const reviewsOn = (n: number): PostedReview[] =>
    fake.requests.filter((r) => r.method === "POST" && r.url === `${API}/pulls/${n}/reviews`).map((r) => r.body as PostedReview);

  function pullRoutes(n: number): Record<string, Route | Reply> {
    return {
      [`GET ${API}/pulls/${n}/files?per_page=100`]: {
        status: 200,
        body: [{ filename: CI, status: "modified", additions: 1, deletions: 0, changes: 1, patch: hunkPatch(repo[CI], 17, 21, 21) }],
      },
      [`POST ${API}/pulls/${n}/reviews`]: { status: 200, body: { id: n } },
    };
  }

  const fake = new FakeGitHub({
    ...APP_ROUTES,
    // The App's delivery log, which the recovery sweep reads: nothing failed.
    "GET /api/v3/app/hook/deliveries?per_page=100": { status: 200, body: [] },
    // Each pull request's earlier reviews are the ones the fake accepted on it.
    "POST /api/graphql": (req) => {
      const body = req.body as GraphqlRequest;
      const n = Number(body.variables.number);
      const reviews = reviewsOn(n);
      const pull = { headSha: HEAD, reviews: reviews.map((r) => ({ body: r.body })), comments: reviews.flatMap((r) => r.comments ?? []).map((c) => ({ body: c.body })) };
      return { status: 200, body: answerGraphql({ trees: new Map([[HEAD, repo]]), ownerConfig: null, pull }, body) };
    },
    [`POST ${API}/check-runs`]: { status: 201, body: { id: 9, html_url: "https://github.com/acme/app/runs/9" } },
    [`PATCH ${API}/check-runs/9`]: { status: 200, body: { id: 9 } },
    // A repeated run looks for the check run an earlier attempt left in progress: the fake's one check run (id 9),
    // in progress unless an update completed it after it was last created.
    [`GET ${API}/commits/${HEAD}/check-runs?check_name=tagguard&filter=latest&per_page=100`]: () => {
      const writes = fake.requests.filter((r) => r.url.startsWith(`${API}/check-runs`));
      const created = writes.map((r) => r.method).lastIndexOf("POST");
      if (created < 0) return { status: 200, body: { total_count: 0, check_runs: [] } };
      const completed = writes.slice(created).some((r) => (r.body as { status?: unknown }).status === "completed");
      const run = { id: 9, name: "tagguard", head_sha: HEAD, external_id: HEAD, status: completed ? "completed" : "in_progress", html_url: "https://github.com/acme/app/runs/9" };
      return { status: 200, body: { total_count: 1, check_runs: [run] } };
    },
    ...Object.assign({}, ...numbers.map(pullRoutes)),
  });

  const REVIEW = { commit_id: HEAD, event: "COMMENT", body: repoReviewBody(HEAD, "https://github.com/acme/app/runs/9"), comments: [{ path: CI, line: 21, side: "RIGHT", body: ciComment(HEAD) }] };

  /** A `pull_request.synchronize` payload for pull request `number`. */
  function payload(number: number): string {
    return JSON.stringify({
      action: "synchronize",
      number,
      pull_request: {
        number,
        state: "open",
        draft: false,
        changed_files: 1,
        head: { sha: HEAD, ref: "feature", repo: { name: "app", full_name: "acme/app", owner: { login: "acme" } } },
        base: { sha: "0000000000000000000000000000000000000000", ref: "main", repo: { name: "app", full_name: "acme/app", owner: { login: "acme" } } },
      },
      repository: { id: 1, name: "app", full_name: "acme/app", owner: { login: "acme" }, html_url: "https://github.com/acme/app" },
      installation: { id: 42 },
      sender: { login: "octocat", type: "User" },
    });
  }

  return { fake, reviewsOn, REVIEW, API, HEAD, payload };
}
