import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { CACHE, ciCause, fromRegistry, incidentBody, incidentCalls } from "../app/package-expectations.js";
import { fixtureRepo } from "../app/harness.js";
import { answerGraphql, type GraphqlRequest } from "../support/graphql-repo.js";
import { manifestSummary, pointTag, publishPayload, startRegistry } from "../app/package-harness.js";
import type { FakeRegistry } from "../registry/fake-registry.js";
import { APP_ROUTES, FakeGitHub, type RecordedRequest } from "./fake-github.js";
import { ProbotProcess } from "./probot-process.js";

/**
 * The publish watcher end to end: the built App as a `probot run` process, a fake GitHub API and the
 * fake registry, all on 127.0.0.1. A signed `registry_package` delivery for a cache published onto
 * `latest` must end in one incident issue.
 */

const SECRET = "e2e-webhook-secret";
const MAIN = "cafebabecafebabecafebabecafebabecafebabe";
const API = "/api/v3/repos/acme/app";
const repo = fixtureRepo("repo");

const github = new FakeGitHub({
  ...APP_ROUTES,
  [`GET ${API}/issues?state=open&labels=tagguard-incident&per_page=100`]: { status: 200, body: [] },
  [`GET ${API}/branches/main`]: { status: 200, body: { name: "main", commit: { sha: MAIN } } },
  "POST /api/graphql": (req) => ({ status: 200, body: answerGraphql({ trees: new Map([[MAIN, repo]]) }, req.body as GraphqlRequest) }),
  [`POST ${API}/labels`]: { status: 201, body: { name: "tagguard-incident" } },
  [`POST ${API}/issues`]: { status: 201, body: { number: 1 } },
});

let registry: FakeRegistry;
let server: ProbotProcess;

beforeAll(async () => {
  registry = await startRegistry();
  pointTag(registry, "latest", "cache-manifest");
  const githubPort = await github.start();
  server = await ProbotProcess.start({ githubPort, webhookSecret: SECRET, env: { TAGGUARD_REGISTRY_URL: registry.url } });
});

afterAll(async () => {
  await server?.stop();
  await github.stop();
  await registry?.stop();
});

describe("probot run ./lib/app/index.js: the publish watcher", () => {
  it("opens an incident issue for a signed registry_package delivery of a cache on a tag", async () => {
    const body = JSON.stringify(publishPayload({ tag: "latest", digest: CACHE, manifest: manifestSummary("cache-manifest") }));
    const res = await server.deliver("registry_package", body, { id: "e2e-delivery-1" });
    expect(res.status).toBe(200);

    const issue: RecordedRequest = await github.waitFor((r) => r.method === "POST" && r.url === `${API}/issues`);
    expect(issue.authorization).toBe("token ghs_e2e_installation_token");
    expect(issue.body).toEqual({
      title: "ghcr.io/acme/app:latest holds a BuildKit cache, not a runnable image",
      labels: ["tagguard-incident"],
      body: incidentBody({ decidedBy: fromRegistry(registry.host), cause: ciCause(MAIN) }),
    });
    expect(github.calls.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /api/v3/app",
      "POST /api/v3/app/installations/42/access_tokens",
      ...incidentCalls(API, MAIN),
    ]);
    expect(registry.requests.map((r) => r.path)).toEqual([
      `/v2/acme/app/manifests/${CACHE}`,
      "/token?service=fake-registry&scope=repository%3Aacme%2Fapp%3Apull",
      `/v2/acme/app/manifests/${CACHE}`,
      "/v2/acme/app/manifests/latest",
    ]);
    expect(await server.waitForLog((l) => l.msg === "tagguard: opened an incident")).toEqual(
      expect.objectContaining({ deliveryId: "e2e-delivery-1", issue: 1, causes: 1, source: "registry" }),
    );
    expect(server.output).not.toContain("ghs_e2e_installation_token");
  });
});
