import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import nock from "nock";
import { createApp } from "../../src/app/app.js";
import * as engine from "../../src/engine/index.js";
import { FaultProxy } from "../e2e/faults-proxy.js";
import type { FakeRegistry } from "../registry/fake-registry.js";
import { api, fixtureRepo, type LogLines, mockBotLogin, mockRepoAt, mockToken, newProbot, recordUnmatched, REPO_PATH } from "./harness.js";
import { CACHE, ciCause, fromRegistry, incidentBody } from "./package-expectations.js";
import {
  deliverPackage,
  expectOnlyMockedRequests,
  MAIN_SHA,
  manifestSummary,
  mockCreateIssue,
  mockDefaultBranch,
  mockLabelPresent,
  mockOpenIncidents,
  pointTag,
  publishPayload,
  startRegistry,
} from "./package-harness.js";

/**
 * Registry faults seen by the publish watcher (the App's `registry_package` handler, real engine): a proxy in front
 * of the fake registry slows requests down, resets connections, answers 429 or serves garbage. The registry client
 * retries what is transient; either way exactly one incident is opened, decided by the registry when it could be
 * read and by the webhook payload otherwise, and the logs say why.
 */

let registry: FakeRegistry;
let proxy: FaultProxy;
let unmatched: ReturnType<typeof recordUnmatched>;
let logs: LogLines;

beforeEach(async () => {
  nock.cleanAll();
  unmatched = recordUnmatched();
  logs = [];
  registry = await startRegistry();
  pointTag(registry, "latest", "cache-manifest");
  proxy = await FaultProxy.start(registry.url);
  process.env.TAGGUARD_REGISTRY_URL = proxy.url;
});

afterEach(async () => {
  delete process.env.TAGGUARD_REGISTRY_URL;
  await proxy.stop();
  await registry.stop();
  expectOnlyMockedRequests(unmatched);
});

const BY_DIGEST = `GET /v2/acme/app/manifests/${CACHE}`;
const BY_TAG = "GET /v2/acme/app/manifests/latest";
const GARBAGE = "<html>oops</html>";
const TOKEN = "GET /token?service=fake-registry&scope=repository%3Aacme%2Fapp%3Apull";

/** The GitHub side of opening an incident: the reads of the linked repository, then the issue. */
function mockIncident(issues: unknown[]): void {
  const scope = api();
  mockToken(scope);
  mockBotLogin(scope);
  mockOpenIncidents(scope);
  mockDefaultBranch(scope);
  mockRepoAt(scope, MAIN_SHA, fixtureRepo("repo"));
  scope.get(`${REPO_PATH}/contents/.github%2Ftagguard.yml`).query({ ref: MAIN_SHA }).reply(404, { message: "Not Found" });
  mockLabelPresent(scope);
  mockCreateIssue(scope, issues);
}

async function publishCache(): Promise<{ body: string }[]> {
  const issues: { body: string }[] = [];
  mockIncident(issues);
  const probot = await newProbot(createApp(engine), logs);
  await deliverPackage(probot, "d1", publishPayload({ tag: "latest", digest: CACHE, manifest: manifestSummary("cache-manifest") }));
  return issues;
}

const proxied = () => proxy.requests.map((r) => `${r.method} ${r.path.split("&sig=")[0]}${r.fault ? ` (${r.fault})` : ""}`);
const failures = () => logs.filter((l) => l.msg === "tagguard: handling the event failed");

describe("registry faults during a package event", () => {
  it("waits for slow responses and opens one incident decided by the registry", async () => {
    proxy.inject((_method, path) => path.startsWith("/v2/") || path.startsWith("/token"), ...Array.from({ length: 4 }, () => ({ kind: "delay" as const, ms: 300 })));

    const issues = await publishCache();

    expect(issues.map((i) => i.body)).toEqual([incidentBody({ decidedBy: fromRegistry(proxy.host), cause: ciCause() })]);
    expect(proxied()).toEqual([`${BY_DIGEST} (delay)`, `${TOKEN} (delay)`, `${BY_DIGEST} (delay)`, `${BY_TAG} (delay)`]);
    expect(failures()).toEqual([]);
  });

  it("retries after a connection reset and opens one incident decided by the registry", async () => {
    proxy.inject(BY_DIGEST, { kind: "reset" });

    const issues = await publishCache();

    expect(issues.map((i) => i.body)).toEqual([incidentBody({ decidedBy: fromRegistry(proxy.host), cause: ciCause() })]);
    expect(proxied()).toEqual([`${BY_DIGEST} (reset)`, BY_DIGEST, TOKEN, BY_DIGEST, BY_TAG]);
    expect(failures()).toEqual([]);
  });

  it("honours Retry-After on a 429 and opens one incident decided by the registry", async () => {
    const tooMany = JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "retry-after: 1s, allowed: 44000/minute" }] });
    proxy.inject(BY_DIGEST, { kind: "reply", status: 429, headers: { "content-type": "application/json", "retry-after": "1" }, body: tooMany });
    const started = Date.now();

    const issues = await publishCache();

    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(issues.map((i) => i.body)).toEqual([incidentBody({ decidedBy: fromRegistry(proxy.host), cause: ciCause() })]);
    expect(proxied()).toEqual([`${BY_DIGEST} (reply)`, BY_DIGEST, TOKEN, BY_DIGEST, BY_TAG]);
    expect(failures()).toEqual([]);
  });

  it("does not trust a garbage body: the payload decides, once, and the incident and the log say why", async () => {
    proxy.inject(BY_DIGEST, { kind: "reply", status: 200, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, body: GARBAGE });

    const issues = await publishCache();

    const garbage = `sha256:${createHash("sha256").update(GARBAGE).digest("hex")}`;
    const reason = `digest-mismatch: manifest acme/app@${CACHE}: content hashes to ${garbage}`;
    expect(issues.map((i) => i.body)).toEqual([
      incidentBody({
        decidedBy: `the manifest summary in GitHub's webhook payload; the registry (${proxy.host}) could not be read (${reason}), so the content and the tag were not re-checked`,
        cause: ciCause(),
      }),
    ]);
    expect(proxied()).toEqual([`${BY_DIGEST} (reply)`]);
    expect(logs.filter((l) => l.msg === "tagguard: cannot inspect the published manifest; the payload's manifest summary decides")).toEqual([
      expect.objectContaining({ level: 40, deliveryId: "d1", payloadVerdict: "buildkit-cache", reason: expect.objectContaining({ kind: "digest-mismatch" }) }),
    ]);
    expect(failures()).toEqual([]);
  });
});
