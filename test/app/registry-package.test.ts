import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { createApp } from "../../src/app/app.js";
import * as engine from "../../src/engine/index.js";
import type { FakeRegistry } from "../registry/fake-registry.js";
import { fixture } from "../registry/fixtures.js";
import { CACHE, CACHE_INDEX, ciCause, fromRegistry, GOOD, incidentBody, MARKER, OTHER_GOOD, restore } from "./package-expectations.js";
import { api, BOT, fixtureRepo, type LogLines, mockBotLogin, mockRepoAt, mockToken, newProbot, recordUnmatched, REPO_PATH } from "./harness.js";
import {
  deliverPackage,
  expectOnlyMockedRequests,
  MAIN_SHA,
  manifestSummary,
  mockClose,
  mockComment,
  mockComments,
  mockCreateIssue,
  mockDefaultBranch,
  mockLabelMissing,
  mockLabelPresent,
  mockConfigFile,
  mockNoVerifyConfig,
  mockOpenIncidents,
  pointTag,
  publishPayload,
  startRegistry,
} from "./package-harness.js";

/**
 * The publish watcher with the real engine in process (`src/app/index.ts` runs it in a worker thread, which
 * test/e2e exercises), against nock for the GitHub API and the fake registry on 127.0.0.1 (`TAGGUARD_REGISTRY_URL`).
 */
const app = createApp(engine);

let registry: FakeRegistry;
let unmatched: ReturnType<typeof recordUnmatched>;

beforeEach(async () => {
  nock.cleanAll();
  unmatched = recordUnmatched();
  registry = await startRegistry({ privateRepositories: [] });
  process.env.TAGGUARD_REGISTRY_URL = registry.url;
});

afterEach(async () => {
  delete process.env.TAGGUARD_REGISTRY_URL;
  await registry.stop();
  expectOnlyMockedRequests(unmatched);
});

/** Registry requests as `path`, with the random token query left as is. */
const paths = () => registry.requests.map((r) => r.path);
const byDigest = (digest: string) => `/v2/acme/app/manifests/${digest}`;
const TOKEN = "/token?service=fake-registry&scope=repository%3Aacme%2Fapp%3Apull";



/** Everything the watcher reads before opening an incident: open incidents, the default branch, its config and workflows. */
function mockRepoReads(scope: nock.Scope, repo = fixtureRepo("repo"), config?: string): void {
  mockOpenIncidents(scope);
  mockDefaultBranch(scope);
  mockConfigFile(scope, config, { ref: MAIN_SHA });
  mockRepoAt(scope, MAIN_SHA, repo);
}

const cachePublish = (o: { id?: string; tag?: string; linked?: boolean; manifest?: Record<string, unknown> } = {}) =>
  publishPayload({ tag: o.tag ?? "latest", digest: CACHE, manifest: o.manifest ?? manifestSummary("cache-manifest"), linked: o.linked });

function messages(logs: LogLines): { level: unknown; deliveryId: unknown; msg: unknown }[] {
  return logs.map((l) => ({ level: l.level, deliveryId: l.deliveryId, msg: l.msg }));
}

describe("registry_package published: opening an incident", () => {
  it("opens one incident with the manifest, the cause lines on the default branch and the last good digest", async () => {
    pointTag(registry, "latest", "multiarch-legacy-att");
    const probot = await newProbot(app);
    const issues: unknown[] = [];
    const labels: unknown[] = [];
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockNoVerifyConfig(scope);
    mockOpenIncidents(scope);
    await deliverPackage(probot, "d-good", publishPayload({ tag: "latest", digest: GOOD, manifest: manifestSummary("multiarch-legacy-att") }));

    pointTag(registry, "latest", "cache-manifest");
    registry.requests.length = 0;
    mockRepoReads(scope);
    mockLabelMissing(scope, labels);
    mockCreateIssue(scope, issues);
    await deliverPackage(probot, "d-cache", cachePublish());

    expect(issues).toEqual([
      {
        title: "ghcr.io/acme/app:latest holds a BuildKit cache, not a runnable image",
        labels: ["tagguard-incident"],
        body: incidentBody({ decidedBy: fromRegistry(registry.host), cause: ciCause(), lastGood: GOOD }),
      },
    ]);
    expect(labels).toEqual([
      { name: "tagguard-incident", color: "b60205", description: "A published image tag holds a BuildKit cache instead of a runnable image (tagguard)" },
    ]);
    // By digest first (the token is cached from the first delivery), then the tag, read again.
    expect(paths()).toEqual([byDigest(CACHE), "/v2/acme/app/manifests/latest"]);
  });

  it("opens one incident for three redeliveries and the untagged child events arriving at once", async () => {
    pointTag(registry, "latest", "cache-manifest");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);
    const issues: { body: string }[] = [];
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockRepoReads(scope);
    mockLabelPresent(scope);
    mockCreateIssue(scope, issues);
    // The second delivery id runs after the first (one tag, one queue, in the order stored); the issue list lags behind.
    mockOpenIncidents(scope);
    scope.get(`${REPO_PATH}/issues/12`).reply(200, () => ({ number: 12, state: "open", body: issues[0].body, user: { login: BOT } }));

    const child = (id: string, digest: string) => deliverPackage(probot, id, publishPayload({ tag: "", digest, manifest: manifestSummary("arm64-only") }));
    await Promise.all([
      deliverPackage(probot, "d1", cachePublish()),
      child("c1", fixture("arm64-only").digest),
      deliverPackage(probot, "d1", cachePublish()),
      child("c2", fixture("docker-v2").digest),
      deliverPackage(probot, "d2", cachePublish()),
    ]);

    expect(issues).toHaveLength(1);
    expect(issues[0].body).toBe(incidentBody({ decidedBy: fromRegistry(registry.host), cause: ciCause() }));
    // The redeliveries of d1 were stored once (test/e2e/replicas.test.ts covers two replicas).
    // The children are skipped quietly (debug level) and never inspected.
    expect(logs.filter((l) => l.deliveryId === "c1" || l.deliveryId === "c2")).toEqual([]);
    expect(new Set(paths())).toEqual(new Set([byDigest(CACHE), TOKEN, "/v2/acme/app/manifests/latest"]));
    // Whichever of d1 and d2 was stored second finds the incident the first opened.
    const repeats = logs.filter((l) => l.msg === "tagguard: this cache is already reported in the open incident");
    expect(repeats).toEqual([expect.objectContaining({ issue: 12, tag: "latest", digest: CACHE })]);
    expect(["d1", "d2"]).toContain(repeats[0]?.deliveryId);
  });
});

/** The body of an incident opened earlier for the cache-index digest, with the good digest recorded. */
const earlierIncident = [
  "earlier text",
  MARKER,
  `<!-- tagguard:cache-digest ${CACHE_INDEX} -->`,
  `<!-- tagguard:last-good ${GOOD} -->`,
].join("\n");

describe("registry_package published: the incident lifecycle", () => {
  it("comments on the open incident when another cache is published to the tag, naming the recorded good digest", async () => {
    pointTag(registry, "latest", "cache-manifest");
    const probot = await newProbot(app);
    const comments: unknown[] = [];
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockOpenIncidents(scope, [
      { number: 3, body: "an issue someone else wrote\n" + MARKER, login: "octocat" },
      { number: 12, body: earlierIncident },
    ]);
    mockComments(scope, 12, [{ body: "a human comment" }]);
    mockComment(scope, 12, comments);

    await deliverPackage(probot, "d1", cachePublish());

    expect(comments).toEqual([
      {
        body: [
          `Another BuildKit cache was published to \`ghcr.io/acme/app:latest\`: \`${CACHE}\` (decided by ${fromRegistry(registry.host)}). The tag is still not runnable.`,
          "",
          restore(GOOD),
          "",
          `<!-- tagguard:cache-digest ${CACHE} -->`,
        ].join("\n"),
      },
    ]);
  });

  it("does nothing when the open incident already reports the digest in a comment", async () => {
    pointTag(registry, "latest", "cache-manifest");
    const probot = await newProbot(app);
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockOpenIncidents(scope, [{ number: 12, body: earlierIncident }]);
    mockComments(scope, 12, [{ body: `Another … <!-- tagguard:cache-digest ${CACHE} -->` }]);

    await deliverPackage(probot, "d1", cachePublish());
  });

  it("comments and closes the incident when a runnable image is published to the tag (package event)", async () => {
    pointTag(registry, "latest", "multiarch-legacy-att");
    const probot = await newProbot(app);
    const comments: unknown[] = [];
    const updates: unknown[] = [];
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockNoVerifyConfig(scope);
    mockOpenIncidents(scope, [{ number: 12, body: earlierIncident }]);
    mockComment(scope, 12, comments);
    mockClose(scope, 12, updates);

    const payload = publishPayload({ tag: "latest", digest: GOOD, manifest: manifestSummary("multiarch-legacy-att"), event: "package" });
    await deliverPackage(probot, "d1", payload, "package");

    expect(comments).toEqual([
      {
        body: [
          `\`ghcr.io/acme/app:latest\` holds a runnable image again: \`${GOOD}\` (linux/amd64, linux/arm64/v8), decided by the registry. Closing this incident.`,
          "",
          `<!-- tagguard:resolved ${GOOD} -->`,
        ].join("\n"),
      },
    ]);
    expect(updates).toEqual([{ state: "closed", state_reason: "completed" }]);
  });

  it("keeps the incident open when the tag holds a cache again by the time the image event is handled", async () => {
    pointTag(registry, "latest", "cache-manifest");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockNoVerifyConfig(scope);
    mockOpenIncidents(scope, [{ number: 12, body: earlierIncident }]);

    await deliverPackage(probot, "d1", publishPayload({ tag: "latest", digest: GOOD, manifest: manifestSummary("multiarch-legacy-att") }));

    expect(messages(logs).at(-1)).toEqual({
      level: 40,
      deliveryId: "d1",
      msg: "tagguard: the tag no longer holds this image; the incident stays open",
    });
  });

  it("opens no incident when the tag holds a runnable image again (it was briefly a cache)", async () => {
    pointTag(registry, "latest", "docker-list");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);

    await deliverPackage(probot, "d1", cachePublish());

    expect(logs.at(-1)).toEqual(
      expect.objectContaining({
        level: 40,
        deliveryId: "d1",
        current: OTHER_GOOD,
        platforms: ["linux/amd64", "linux/arm64/v8"],
        msg: "tagguard: the tag was briefly a cache and holds a runnable image again; no incident",
      }),
    );
  });
});

describe("registry_package published: no incident", () => {
  it("inspects nothing for a tag named like a cache", async () => {
    const probot = await newProbot(app);

    await deliverPackage(probot, "d1", cachePublish({ tag: "buildcache" }));
    await deliverPackage(probot, "d2", cachePublish({ tag: "main-cache" }));

    expect(paths()).toEqual([]);
  });

  it("skips untagged manifests, referrer tags and other package types without a request", async () => {
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);

    await deliverPackage(probot, "d1", publishPayload({ tag: "", digest: CACHE, manifest: manifestSummary("cache-manifest") }));
    await deliverPackage(probot, "d2", publishPayload({ tag: `sha256-${GOOD.slice(7)}.sig`, digest: CACHE }));
    await deliverPackage(probot, "d3", publishPayload({ tag: "1.0", digest: CACHE, packageType: "npm" }));
    await deliverPackage(probot, "d4", publishPayload({ tag: "1.0", digest: "sha512:abc" }));

    expect(paths()).toEqual([]);
    expect(logs.map((l) => ({ level: l.level, deliveryId: l.deliveryId, reason: l.reason }))).toEqual([
      { level: 40, deliveryId: "d4", reason: 'the version digest "sha512:abc" is not sha256:<64 lowercase hex>' },
    ]);
  });

  it("opens no incident when the workflows use the tag only as a cache ref", async () => {
    pointTag(registry, "deps", "cache-manifest");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockOpenIncidents(scope);
    mockDefaultBranch(scope);
    mockConfigFile(scope, undefined, { ref: MAIN_SHA });
    mockRepoAt(scope, MAIN_SHA, fixtureRepo("cache-ref"));

    await deliverPackage(probot, "d1", cachePublish({ tag: "deps" }));

    expect(logs.at(-1)).toEqual(
      expect.objectContaining({
        deliveryId: "d1",
        why: "the workflows use it only as a cache ref and never push it as an image",
        msg: "tagguard: a dedicated cache tag; no incident",
      }),
    );
  });

  it("opens no incident for a tag matching cacheTags in .github/tagguard.yml", async () => {
    pointTag(registry, "ci-layers", "cache-manifest");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockRepoReads(scope, fixtureRepo("repo"), "cacheTags:\n  - ci-*\n");

    await deliverPackage(probot, "d1", cachePublish({ tag: "ci-layers" }));

    expect(logs.at(-1)).toEqual(
      expect.objectContaining({ deliveryId: "d1", why: "it matches cacheTags in .github/tagguard.yml", msg: "tagguard: a dedicated cache tag; no incident" }),
    );
  });

  it("opens no incident, and reads no workflow, when the repository turns incidents off", async () => {
    pointTag(registry, "latest", "cache-manifest");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockOpenIncidents(scope);
    mockDefaultBranch(scope);
    mockConfigFile(scope, "incidents: false\n", { ref: MAIN_SHA });

    await deliverPackage(probot, "d1", cachePublish());

    expect(logs.at(-1)).toEqual(
      expect.objectContaining({ deliveryId: "d1", msg: "tagguard: incidents are turned off in the repository's .github/tagguard.yml; no incident" }),
    );
  });

  it("only logs for a package without a linked repository", async () => {
    pointTag(registry, "latest", "cache-manifest");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);

    await deliverPackage(probot, "d1", cachePublish({ linked: false }));

    expect(messages(logs)).toEqual([
      { level: 30, deliveryId: "d1", msg: "tagguard: ghcr.io/acme/app:latest verdict buildkit-cache, decided by the registry" },
      { level: 40, deliveryId: "d1", msg: "tagguard: the package is not linked to a repository; no incident is opened or closed" },
    ]);
  });
});

describe("registry_package published: the registry cannot be read", () => {
  let denied: FakeRegistry;

  beforeEach(async () => {
    denied = await startRegistry({ privateRepositories: ["acme/app"] });
    pointTag(denied, "latest", "cache-manifest");
    process.env.TAGGUARD_REGISTRY_URL = denied.url;
  });

  afterEach(async () => {
    await denied.stop();
  });

  const deniedReason = "denied: token service refused anonymous access to repository:acme/app:pull (private package? configure a classic PAT with read:packages)";

  it("lets the payload's manifest summary decide, and says so in the incident", async () => {
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);
    const issues: { body: string }[] = [];
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockRepoReads(scope);
    mockLabelPresent(scope);
    mockCreateIssue(scope, issues);

    await deliverPackage(probot, "d1", cachePublish());

    expect(issues[0].body).toBe(
      incidentBody({
        decidedBy: `the manifest summary in GitHub's webhook payload; the registry (${denied.host}) could not be read (${deniedReason}), so the content and the tag were not re-checked`,
        cause: ciCause(),
      }),
    );
    expect(logs[0]).toEqual(
      expect.objectContaining({
        level: 40,
        deliveryId: "d1",
        reason: expect.objectContaining({ kind: "denied", status: 403, code: "DENIED", auth: "anonymous" }),
        payloadVerdict: "buildkit-cache",
        msg: "tagguard: cannot inspect the published manifest; the payload's manifest summary decides",
      }),
    );
    expect(denied.requests.map((r) => r.path)).toEqual([byDigest(CACHE), TOKEN]);
  });

  it("claims nothing when the payload cannot decide either (an index summary), and logs the reason", async () => {
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);

    await deliverPackage(probot, "d1", cachePublish({ manifest: manifestSummary("cache-index") }));

    expect(logs).toEqual([
      expect.objectContaining({
        level: 40,
        deliveryId: "d1",
        reason: expect.objectContaining({ kind: "denied", message: deniedReason.slice("denied: ".length) }),
        payloadVerdict: "undecided",
        msg: "tagguard: cannot inspect the published manifest and the payload does not decide; nothing to report",
      }),
    ]);
  });
});
