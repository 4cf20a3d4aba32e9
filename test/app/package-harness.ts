import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { expect } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import { FakeRegistry, type FakeRegistryOptions } from "../registry/fake-registry.js";
import { blob, documentJson, fixture, LAYOUT_DIR } from "../registry/fixtures.js";
import { base64Lines, BOT, INSTALLATION, OWNER, REPO, REPO_PATH } from "./harness.js";

/** Helpers for `registry_package` / `package` deliveries: payloads, the fake registry, incident API mocks. */

export const NAME = `${OWNER}/${REPO}`;
export const IMAGE = `ghcr.io/${NAME}`;
/** Head of the default branch when the publish watcher reads the workflows. */
export const MAIN_SHA = "5555555555555555555555555555555555555555";
export const LABEL = "tagguard-incident";

/** A fake registry holding every fixture of `test/fixtures/registry/layout` in repository `acme/app`. */
export async function startRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const registry = await FakeRegistry.start(options);
  registry.importLayout(LAYOUT_DIR, NAME);
  return registry;
}

/** Points `tag` at the fixture tagged `fixtureTag`; returns its digest. */
export function pointTag(registry: FakeRegistry, tag: string, fixtureTag: string): string {
  const { digest, mediaType } = fixture(fixtureTag);
  registry.putManifest(NAME, blob(digest), mediaType, [tag]);
  return digest;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** `container_metadata.manifest` as GitHub sends it for a fixture (an index has an empty config and no layers). */
export function manifestSummary(fixtureTag: string): Record<string, unknown> {
  const { digest, mediaType, size } = fixture(fixtureTag);
  const doc = documentJson(digest) as { config?: Descriptor; layers?: Descriptor[] };
  const summary = (d: Descriptor) => ({ digest: d.digest, media_type: d.mediaType, size: d.size });
  return {
    digest,
    media_type: mediaType,
    size,
    config: doc.config ? summary(doc.config) : { digest: "", media_type: "", size: 0 },
    layers: (doc.layers ?? []).map(summary),
  };
}

export interface PublishOptions {
  tag: string;
  digest: string;
  manifest?: Record<string, unknown>;
  /** Default true: the package is linked to acme/app. */
  linked?: boolean;
  event?: "registry_package" | "package";
  packageType?: string;
}

/** A `published` delivery; `registry.url` and `package_url` point elsewhere on purpose: they must not be used. */
export function publishPayload(o: PublishOptions): Record<string, unknown> {
  const pkg = {
    id: 1001,
    name: REPO,
    namespace: OWNER,
    ecosystem: "CONTAINER",
    package_type: o.packageType ?? "CONTAINER",
    html_url: `https://github.com/orgs/${OWNER}/packages/container/package/${REPO}`,
    owner: { login: OWNER, type: "Organization" },
    package_version: {
      id: 2002,
      version: o.digest,
      name: o.digest,
      package_url: `169.254.169.254/${NAME}:${o.tag}`,
      target_oid: "0123456789abcdef0123456789abcdef01234567",
      container_metadata: {
        tag: { name: o.tag, digest: o.digest },
        labels: { all_labels: {} },
        manifest: o.manifest ?? {},
      },
    },
    registry: { type: "CONTAINER", url: "http://169.254.169.254/latest/meta-data" },
  };
  const repository = {
    id: 1,
    name: REPO,
    full_name: NAME,
    default_branch: "main",
    owner: { login: OWNER, type: "Organization" },
    html_url: `https://github.com/${NAME}`,
  };
  return {
    action: "published",
    [o.event ?? "registry_package"]: pkg,
    ...(o.linked === false ? {} : { repository }),
    installation: { id: INSTALLATION },
    sender: { login: "github-actions[bot]", type: "Bot" },
  };
}

export function deliverPackage(probot: Probot, id: string, payload: Record<string, unknown>, event = "registry_package"): Promise<void> {
  return probot.receive({ id, name: event, payload } as unknown as EmitterWebhookEvent);
}

export interface IssueStub {
  number: number;
  body: string;
  login?: string;
}

/**
 * Stops recording unmatched requests and asserts that every GitHub request met a mock and every mock was used (nock
 * sees the requests to the fake registry, and proxies, on 127.0.0.1 too and lets them through).
 */
export function expectOnlyMockedRequests(unmatched: { requests: string[]; stop(): void }): void {
  unmatched.stop();
  expect(unmatched.requests.filter((r) => !r.includes("//127.0.0.1:"))).toEqual([]);
  expect(nock.pendingMocks()).toEqual([]);
}

/**
 * `.github/tagguard.yml` as the watcher reads it (404 without `config`): at `ref`, the default branch's head, with its
 * workflows before an incident; without one (the default branch) after each runnable image, for its `verify:` entries.
 */
export function mockConfigFile(scope: nock.Scope, config?: string, options: { ref?: string; times?: number } = {}): nock.Scope {
  const path = scope.get(`${REPO_PATH}/contents/.github%2Ftagguard.yml`);
  const contents = (options.ref === undefined ? path : path.query({ ref: options.ref })).times(options.times ?? 1);
  if (config === undefined) return contents.reply(404, { message: "Not Found" });
  return contents.reply(200, { type: "file", path: ".github/tagguard.yml", size: config.length, encoding: "base64", content: base64Lines(config) });
}

/** The default branch's `.github/tagguard.yml`, read after each runnable image for its `verify:` entries: none here. */
export function mockNoVerifyConfig(scope: nock.Scope, times = 1): nock.Scope {
  return mockConfigFile(scope, undefined, { times });
}

export function mockOpenIncidents(scope: nock.Scope, issues: IssueStub[] = []): nock.Scope {
  return scope
    .get(`${REPO_PATH}/issues`)
    .query({ state: "open", labels: LABEL, per_page: 100 })
    .reply(
      200,
      issues.map((i) => ({ number: i.number, state: "open", title: "t", body: i.body, user: { login: i.login ?? BOT }, labels: [{ name: LABEL }] })),
    );
}

export function mockDefaultBranch(scope: nock.Scope, sha = MAIN_SHA): nock.Scope {
  return scope.get(`${REPO_PATH}/branches/main`).reply(200, { name: "main", commit: { sha } });
}

/** The label is missing: looked up (404), then created. */
export function mockLabelMissing(scope: nock.Scope, created: unknown[]): nock.Scope {
  scope.get(`${REPO_PATH}/labels/${LABEL}`).reply(404, { message: "Not Found" });
  return scope
    .post(`${REPO_PATH}/labels`, (body: unknown) => {
      created.push(body);
      return true;
    })
    .reply(201, { name: LABEL });
}

export function mockLabelPresent(scope: nock.Scope): nock.Scope {
  return scope.get(`${REPO_PATH}/labels/${LABEL}`).reply(200, { name: LABEL, color: "b60205" });
}

export function mockCreateIssue(scope: nock.Scope, sink: unknown[], number = 12): nock.Scope {
  return scope
    .post(`${REPO_PATH}/issues`, (body: unknown) => {
      sink.push(body);
      return true;
    })
    .reply(201, { number });
}

export function mockComments(scope: nock.Scope, number: number, comments: { body: string; login?: string }[] = []): nock.Scope {
  return scope
    .get(`${REPO_PATH}/issues/${number}/comments`)
    .query({ per_page: 100 })
    .reply(
      200,
      comments.map((c, i) => ({ id: i + 1, body: c.body, user: { login: c.login ?? BOT } })),
    );
}

export function mockComment(scope: nock.Scope, number: number, sink: unknown[]): nock.Scope {
  return scope
    .post(`${REPO_PATH}/issues/${number}/comments`, (body: unknown) => {
      sink.push(body);
      return true;
    })
    .reply(201, { id: 99 });
}

export function mockClose(scope: nock.Scope, number: number, sink: unknown[]): nock.Scope {
  return scope
    .patch(`${REPO_PATH}/issues/${number}`, (body: unknown) => {
      sink.push(body);
      return true;
    })
    .reply(200, { number, state: "closed" });
}
