import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { COMMIT, staleBody } from "../app/stale-expectations.js";
import { publishPayload } from "../app/package-harness.js";
import { FakeRegistry } from "../registry/fake-registry.js";
import { REVISION, VERIFY_CONFIG, appImage, sourceBlob, sourceTree } from "../verify/app-fixture.js";
import { pushImage, type BuiltImage } from "../verify/image-builder.js";
import { APP_ROUTES, FakeGitHub, type RecordedRequest } from "./fake-github.js";
import { ProbotProcess } from "./probot-process.js";

/**
 * Verifying published images end to end: the built App as a `probot run` process, a fake GitHub API (the
 * repository's tree and blobs at the image's revision, issues) and the fake registry serving real OCI images, all on
 * 127.0.0.1. A stale image opens the stale-image incident; a fresh one closes it.
 */

const SECRET = "e2e-webhook-secret";
const API = "/api/v3/repos/acme/app";
const open: { number: number; state: string; title: string; body: string; user: { login: string }; labels: { name: string }[] }[] = [];

const github = new FakeGitHub({
  ...APP_ROUTES,
  [`GET ${API}/contents/.github%2Ftagguard.yml`]: {
    status: 200,
    body: { type: "file", path: ".github/tagguard.yml", encoding: "base64", content: Buffer.from(VERIFY_CONFIG).toString("base64") },
  },
  [`GET ${API}/git/trees/${REVISION}?recursive=1`]: { status: 200, body: sourceTree() },
  [`GET ${API}/git/blobs/${sourceBlob("Dockerfile").sha}`]: { status: 200, body: sourceBlob("Dockerfile") },
  [`GET ${API}/git/blobs/${sourceBlob(".dockerignore").sha}`]: { status: 200, body: sourceBlob(".dockerignore") },
  [`GET ${API}/issues?state=open&labels=tagguard-incident&per_page=100`]: () => ({ status: 200, body: open }),
  [`GET ${API}/labels/tagguard-incident`]: { status: 200, body: { name: "tagguard-incident" } },
  [`POST ${API}/issues`]: (req) => {
    const { title, body } = req.body as { title: string; body: string };
    open.push({ number: 1, state: "open", title, body, user: { login: "tagguard[bot]" }, labels: [{ name: "tagguard-incident" }] });
    return { status: 201, body: { number: 1 } };
  },
  [`POST ${API}/issues/1/comments`]: { status: 201, body: { id: 9 } },
  [`PATCH ${API}/issues/1`]: () => {
    open.splice(0, open.length);
    return { status: 200, body: { number: 1, state: "closed" } };
  },
});

let registry: FakeRegistry;
let server: ProbotProcess;
let stale: BuiltImage;
let fresh: BuiltImage;

beforeAll(async () => {
  registry = await FakeRegistry.start();
  stale = await appImage({ stale: true, revision: REVISION });
  fresh = await appImage({ stale: false, revision: REVISION });
  const githubPort = await github.start();
  server = await ProbotProcess.start({ githubPort, webhookSecret: SECRET, env: { TAGGUARD_REGISTRY_URL: registry.url } });
});

afterAll(async () => {
  await server?.stop();
  await github.stop();
  await registry?.stop();
});

describe("probot run ./lib/app/index.js: verifying published images", () => {
  it("opens a stale-image incident for a stale COPY layer and closes it when a fresh image is published", async () => {
    pushImage(registry, "acme/app", stale, "latest");
    const first = await server.deliver("registry_package", JSON.stringify(publishPayload({ tag: "latest", digest: stale.manifest.digest, manifest: {} })), { id: "e2e-stale" });
    expect(first.status).toBe(200);
    const created: RecordedRequest = await github.waitFor((r) => r.method === "POST" && r.url === `${API}/issues`);
    expect(created.body).toEqual({ title: "ghcr.io/acme/app:latest ships files that differ from its source", labels: ["tagguard-incident"], body: staleBody(stale) });
    expect(await server.waitForLog((l) => l.msg === "tagguard: opened a stale-image incident")).toEqual(expect.objectContaining({ deliveryId: "e2e-stale", issue: 1 }));

    pushImage(registry, "acme/app", fresh, "latest");
    const second = await server.deliver("registry_package", JSON.stringify(publishPayload({ tag: "latest", digest: fresh.manifest.digest, manifest: {} })), { id: "e2e-fresh" });
    expect(second.status).toBe(200);
    const comment = await github.waitFor((r) => r.method === "POST" && r.url === `${API}/issues/1/comments`);
    expect(comment.body).toEqual({
      body: `\`ghcr.io/acme/app:latest\` now holds \`${fresh.manifest.digest}\`, whose 6 files under \`/app\` match revision [\`0e421ef\`](${COMMIT}). Closing this incident.\n\n<!-- tagguard:verified ${fresh.manifest.digest} -->`,
    });
    const closed = await github.waitFor((r) => r.method === "PATCH" && r.url === `${API}/issues/1`);
    expect(closed.body).toEqual({ state: "closed", state_reason: "completed" });
    expect(await server.waitForLog((l) => l.msg === "tagguard: a verified image is on the tag; stale-image incident closed")).toEqual(
      expect.objectContaining({ deliveryId: "e2e-fresh", issue: 1 }),
    );
    expect(server.output).not.toContain("ghs_e2e_installation_token");
  });
});
