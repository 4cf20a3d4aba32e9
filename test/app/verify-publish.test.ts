import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { createApp } from "../../src/app/app.js";
import * as engine from "../../src/engine/index.js";
import { FakeRegistry } from "../registry/fake-registry.js";
import { REVISION, VERIFY_CONFIG, appImage, sourceBlob, sourceTree } from "../verify/app-fixture.js";
import { pushImage, type BuiltImage } from "../verify/image-builder.js";
import { api, type LogLines, mockBotLogin, mockToken, newProbot, recordUnmatched, REPO_PATH } from "./harness.js";
import { COMMIT, staleBody } from "./stale-expectations.js";
import {
  deliverPackage,
  expectOnlyMockedRequests,
  LABEL,
  mockClose,
  mockComment,
  mockConfigFile,
  mockCreateIssue,
  mockLabelPresent,
  mockOpenIncidents,
  NAME,
  publishPayload,
} from "./package-harness.js";

/**
 * The publish watcher verifying a published image against its source (`verify:` in .github/tagguard.yml): real
 * OCI images in the fake registry on 127.0.0.1, the repository's tree and blobs from nock.
 */
const app = createApp(engine);

let registry: FakeRegistry;
let unmatched: ReturnType<typeof recordUnmatched>;
let stale: BuiltImage;
let fresh: BuiltImage;

beforeEach(async () => {
  nock.cleanAll();
  unmatched = recordUnmatched();
  registry = await FakeRegistry.start();
  stale = await appImage({ stale: true, revision: REVISION });
  fresh = await appImage({ stale: false, revision: REVISION });
  process.env.TAGGUARD_REGISTRY_URL = registry.url;
});

afterEach(async () => {
  delete process.env.TAGGUARD_REGISTRY_URL;
  await registry.stop();
  expectOnlyMockedRequests(unmatched);
});

function mockSource(scope: nock.Scope, config = VERIFY_CONFIG): void {
  mockConfigFile(scope, config);
  scope.get(`${REPO_PATH}/git/trees/${REVISION}`).query({ recursive: "1" }).reply(200, sourceTree());
  scope.get(`${REPO_PATH}/git/blobs/${sourceBlob(".dockerignore").sha}`).reply(200, sourceBlob(".dockerignore"));
  scope.get(`${REPO_PATH}/git/blobs/${sourceBlob("Dockerfile").sha}`).reply(200, sourceBlob("Dockerfile"));
}

const publish = (image: BuiltImage) => publishPayload({ tag: "latest", digest: image.manifest.digest, manifest: {} });

/** `image` on ghcr.io/acme/app:latest, an App with the installation token and bot login mocked, and the source. */
async function published(image: BuiltImage, logs?: LogLines, config = VERIFY_CONFIG): Promise<{ probot: Awaited<ReturnType<typeof newProbot>>; scope: nock.Scope }> {
  pushImage(registry, NAME, image, "latest");
  const probot = await newProbot(app, logs);
  const scope = api();
  mockToken(scope);
  mockBotLogin(scope);
  mockSource(scope, config);
  return { probot, scope };
}

describe("registry_package published: verifying the image against its source", () => {
  it("opens a stale-image incident for a stale COPY layer, then closes it when a fresh image is published", async () => {
    const logs: LogLines = [];
    const { probot, scope } = await published(stale, logs);
    mockOpenIncidents(scope);
    mockLabelPresent(scope);
    const issues: unknown[] = [];
    mockCreateIssue(scope, issues, 7);
    mockOpenIncidents(scope);
    await deliverPackage(probot, "d-stale", publish(stale));

    expect(issues).toEqual([{ title: "ghcr.io/acme/app:latest ships files that differ from its source", labels: [LABEL], body: staleBody(stale) }]);
    expect(logs.filter((l) => l.msg === "tagguard: opened a stale-image incident").map((l) => l.issue)).toEqual([7]);

    pushImage(registry, NAME, fresh, "latest");
    const comments: unknown[] = [];
    const updates: unknown[] = [];
    mockSource(scope);
    mockOpenIncidents(scope, [{ number: 7, body: staleBody(stale) }]);
    mockComment(scope, 7, comments);
    mockClose(scope, 7, updates);
    mockOpenIncidents(scope, [{ number: 7, body: staleBody(stale) }]);
    await deliverPackage(probot, "d-fresh", publish(fresh));

    expect(comments).toEqual([
      {
        body: `\`ghcr.io/acme/app:latest\` now holds \`${fresh.manifest.digest}\`, whose 6 files under \`/app\` match revision [\`0e421ef\`](${COMMIT}). Closing this incident.\n\n<!-- tagguard:verified ${fresh.manifest.digest} -->`,
      },
    ]);
    expect(updates).toEqual([{ state: "closed", state_reason: "completed" }]);
  });

  it("comments once on the open incident for another stale image", async () => {
    const { probot, scope } = await published(stale);
    mockOpenIncidents(scope, [{ number: 7, body: "earlier\n<!-- tagguard:stale-incident image=ghcr.io/acme/app tag=latest -->\n" }]);
    scope.get(`${REPO_PATH}/issues/7/comments`).query({ per_page: 100 }).reply(200, []);
    const comments: { body: string }[] = [];
    mockComment(scope, 7, comments);
    mockOpenIncidents(scope);
    await deliverPackage(probot, "d1", publish(stale));
    expect(comments.map((c) => c.body.split("\n\n")[0])).toEqual([
      `Another image published to \`ghcr.io/acme/app:latest\` differs from its revision [\`0e421ef\`](${COMMIT}): \`${stale.manifest.digest}\`.`,
    ]);
    expect(comments[0]!.body.endsWith(`<!-- tagguard:stale-digest ${stale.manifest.digest} -->`)).toBe(true);
  });

  it("opens no stale-image incident with incidents: false, but still closes an open one", async () => {
    const logs: LogLines = [];
    const config = `incidents: false\n${VERIFY_CONFIG}`;
    const { probot, scope } = await published(stale, logs, config);
    mockOpenIncidents(scope);
    mockOpenIncidents(scope);
    await deliverPackage(probot, "d-stale", publish(stale));
    expect(logs.filter((l) => String(l.msg).includes("incidents are turned off")).map((l) => l.msg)).toEqual([
      "tagguard: incidents are turned off in the repository's .github/tagguard.yml; no stale-image incident",
    ]);

    pushImage(registry, NAME, fresh, "latest");
    const updates: unknown[] = [];
    mockSource(scope, config);
    mockOpenIncidents(scope, [{ number: 7, body: staleBody(stale) }]);
    mockComment(scope, 7, []);
    mockClose(scope, 7, updates);
    mockOpenIncidents(scope, [{ number: 7, body: staleBody(stale) }]);
    await deliverPackage(probot, "d-fresh", publish(fresh));
    expect(updates).toEqual([{ state: "closed", state_reason: "completed" }]);
  });

  it("skips, with a log line, an image that records no revision, and one no verify: entry names", async () => {
    const unlabelled = await appImage({ stale: true, revision: "main" });
    pushImage(registry, NAME, unlabelled, "latest");
    const logs: LogLines = [];
    const probot = await newProbot(app, logs);
    const scope = api();
    mockToken(scope);
    mockBotLogin(scope);
    mockConfigFile(scope, VERIFY_CONFIG);
    mockOpenIncidents(scope);
    await deliverPackage(probot, "d1", publish(unlabelled));
    expect(logs.filter((l) => l.level === 30 && String(l.msg).includes("revision")).map((l) => [l.msg, l.revision])).toEqual([
      ["tagguard: the image records no commit revision (org.opencontainers.image.revision); not verified", "main"],
    ]);

    const other = "verify:\n  - image: ghcr.io/acme/other\n    path: /app\n";
    mockConfigFile(scope, other);
    mockOpenIncidents(scope);
    await deliverPackage(probot, "d2", publish(unlabelled));
  });

  it("reports a limit it reaches in the log and opens nothing", async () => {
    process.env.TAGGUARD_VERIFY_MAX_BYTES = "100";
    try {
      const logs: LogLines = [];
      const { probot, scope } = await published(stale, logs);
      mockOpenIncidents(scope);
      await deliverPackage(probot, "d1", publish(stale));
      const top = stale.layers[3]!;
      expect(logs.filter((l) => l.level === 40).map((l) => [l.msg, l.reason])).toEqual([
        [
          "tagguard: cannot verify the published image against its source; nothing is reported",
          `limit: download budget of 100 bytes reached: layer ${top.digest} (${top.size} bytes) would bring the total to ${top.size}`,
        ],
      ]);
    } finally {
      delete process.env.TAGGUARD_VERIFY_MAX_BYTES;
    }
  });
});
