import type { Context } from "probot";
import { cacheTagMatcher } from "../../config/cache-tags.js";
import { docsBaseOf } from "../../report/docs-url.js";
import { imageRefUsage } from "../../engine/image-refs.js";
import {
  type BlobDescriptor,
  cannotInspectReason,
  type CannotInspectReason,
  classifyPayloadManifest,
  type Env,
  type FetchedManifest,
  type FetchOptions,
  formatPlatform,
  inspect,
  type InspectResult,
  type ManifestSource,
  parseManifest,
  type PayloadClassification,
  RegistryClient,
  registryOptionsFromEnv,
} from "../../registry/index.js";
import { StoreMemory } from "../runtime/memory.js";
import type { Store } from "../runtime/store.js";
import type { Engine } from "../runtime/engine-port.js";
import {
  type Evidence,
  incidentBody,
  lastGoodIn,
  type ManifestView,
  type Recheck,
  repeatComment,
  resolvedComment,
  type TagKey,
  tagRef,
  viewOfDocument,
  viewOfSummary,
} from "./incident.js";
import { IncidentIssues } from "./incident-issues.js";
import { type PackageEvent, parsePackageEvent, type PublishedVersion } from "./package-event.js";
import { examineWorkflows, imageRefOf, type WorkflowReader } from "./publish-workflows.js";
import { describeError } from "../runtime/keyed.js";
import { verifyLimitsFromEnv, verifyPublished, type VerifyPublishDeps } from "./verify-publish.js";

export { PACKAGE_EVENTS } from "./package-event.js";

/** Tags named like caches by convention (`buildcache`, `cache`, `*-cache`, `buildcache-*`) are never inspected. */
const isDefaultCacheTag = cacheTagMatcher();

type PublishContext = Context<PackageEvent>;
type Log = PublishContext["log"];

/** A root manifest as fetched by digest, with its classification. */
interface Inspection {
  result: InspectResult;
  root: FetchedManifest;
}

export interface PublishDeps extends WorkflowReader {
  botLogin(): Promise<string>;
  /** The registry images are read from (`TAGGUARD_REGISTRY_URL`); never a host from the payload. */
  registry: ManifestSource;
  /** `host[:port]` of that registry, for messages. */
  registryHost: string;
  /** Inspections in flight by `name@digest`: one digest is never inspected twice at the same time. */
  inflight: Map<string, Promise<Inspection>>;
  /** The last runnable digest seen per image:tag (also recorded in incident bodies). */
  lastGood: StoreMemory<string>;
  /** Incident numbers opened, per repository and image:tag. */
  incidents: StoreMemory<number>;
  /** The docs base incidents link (`TAGGUARD_DOCS_URL`, default the running version's docs). */
  docsBase: string;
  /** Verifying published images against their source (`verify:` in `.github/tagguard.yml`); undefined: off. */
  verify?: VerifyPublishDeps;
}

/**
 * The publish watcher's dependencies for the App: the registry client comes from the operator's environment, what
 * replicas must agree on from the store.
 */
export function publishWatcherDeps(engine: Engine, botLogin: () => Promise<string>, env: Env, store: Store): PublishDeps {
  const registry = new RegistryClient(registryOptionsFromEnv(env));
  const docsBase = docsBaseOf(env);
  return {
    engine,
    refUsage: imageRefUsage,
    botLogin,
    registry,
    registryHost: registry.host,
    inflight: new Map(),
    lastGood: new StoreMemory(store, "last-good"),
    incidents: new StoreMemory(store, "incident"),
    docsBase,
    verify: { registry, botLogin, incidents: new StoreMemory(store, "stale-incident"), docsBase, ...verifyLimitsFromEnv(env) },
  };
}

/** Records the first manifest `inspect` fetches: the root document, shown in the incident. */
class RootRecorder implements ManifestSource {
  root: FetchedManifest | undefined;

  constructor(private readonly source: ManifestSource) {}

  async getManifest(name: string, reference: string, options?: FetchOptions): Promise<FetchedManifest> {
    const fetched = await this.source.getManifest(name, reference, options);
    this.root ??= fetched;
    return fetched;
  }

  getBlob(name: string, descriptor: BlobDescriptor, options?: FetchOptions): Promise<Uint8Array> {
    return this.source.getBlob(name, descriptor, options);
  }
}

function inspectOnce(deps: PublishDeps, v: PublishedVersion): Promise<Inspection> {
  const key = `${v.name}@${v.digest}`;
  const pending = deps.inflight.get(key);
  if (pending) return pending;
  const started = (async () => {
    const recorder = new RootRecorder(deps.registry);
    const result = await inspect(recorder, { name: v.name, reference: v.digest });
    return { result, root: recorder.root as FetchedManifest };
  })().finally(() => deps.inflight.delete(key));
  deps.inflight.set(key, started);
  return started;
}

function reasonText(reason: CannotInspectReason): string {
  return `${reason.kind}: ${reason.message}`;
}

/** Who decided: the registry, or the payload alone because the registry could not be read. */
type Origin = { source: "registry" } | { source: "payload"; registryProblem: string };

type Decision =
  | (Origin & ({ verdict: "buildkit-cache"; view: ManifestView } | { verdict: "image"; platforms: string[] } | { verdict: "other"; description: string }))
  | { verdict: "unknown" };

function fromPayload(look: PayloadClassification, v: PublishedVersion, registryProblem: string): Decision {
  const origin = { source: "payload", registryProblem } as const;
  switch (look.verdict) {
    case "buildkit-cache":
      return { ...origin, verdict: "buildkit-cache", view: viewOfSummary(v.manifestSummary, v.digest) };
    case "image":
      return { ...origin, verdict: "image", platforms: [] };
    case "artifact":
      return { ...origin, verdict: "other", description: `${look.artifactKind} artifact` };
    case "undecided":
      return { verdict: "unknown" };
  }
}

/**
 * The verdict on the published digest: the registry decides (fetched by digest, walked, verified);
 * the webhook's manifest summary is the first look, and decides alone when the registry cannot be read.
 */
async function decide(v: PublishedVersion, deps: PublishDeps, log: Log): Promise<Decision> {
  const look = classifyPayloadManifest(v.manifestSummary);
  log.debug({ payloadVerdict: look.verdict }, "tagguard: first look at the payload's manifest summary");
  let inspection: Inspection;
  try {
    inspection = await inspectOnce(deps, v);
  } catch (err) {
    const reason = cannotInspectReason(err);
    const decision = fromPayload(look, v, reasonText(reason));
    log.warn(
      { reason, registry: deps.registryHost, payloadVerdict: look.verdict },
      decision.verdict === "unknown"
        ? "tagguard: cannot inspect the published manifest and the payload does not decide; nothing to report"
        : "tagguard: cannot inspect the published manifest; the payload's manifest summary decides",
    );
    return decision;
  }
  const { result, root } = inspection;
  if (look.verdict !== "undecided" && look.verdict !== result.verdict) {
    log.warn({ payloadVerdict: look.verdict, registryVerdict: result.verdict }, "tagguard: the payload's manifest summary disagrees with the registry; the registry decides");
  }
  switch (result.verdict) {
    case "buildkit-cache": {
      const parsed = parseManifest(root.bytes, { contentType: root.contentType });
      const view = parsed.ok ? viewOfDocument(parsed.document, result.digest) : viewOfSummary(v.manifestSummary, v.digest);
      return { verdict: "buildkit-cache", source: "registry", view };
    }
    case "image":
      return { verdict: "image", source: "registry", platforms: result.platforms.map(formatPlatform) };
    default:
      return { verdict: "other", source: "registry", description: result.problems[0]?.message ?? result.verdict };
  }
}

type TagState = Recheck | { kind: "runnable"; digest: string; platforms: string[] };

/** Reads the tag again (image and cache pushes race since BuildKit v0.28, so it may have moved). */
async function readTag(deps: PublishDeps, v: PublishedVersion): Promise<TagState> {
  try {
    const now = await inspect(deps.registry, { name: v.name, reference: v.tag });
    if (now.verdict === "image") return { kind: "runnable", digest: now.digest, platforms: now.platforms.map(formatPlatform) };
    if (now.digest === v.digest) return { kind: "same" };
    const description = now.verdict === "buildkit-cache" ? "another BuildKit cache" : (now.problems[0]?.message ?? `not runnable (${now.verdict})`);
    return { kind: "other", digest: now.digest, description };
  } catch (err) {
    return { kind: "unreadable", reason: reasonText(cannotInspectReason(err)) };
  }
}

/**
 * Handles `registry_package.published` and `package.published`: inspects a tagged container version
 * and runs the incident lifecycle in the linked repository: a BuildKit cache on a tag opens one
 * incident (or comments on the open one), a runnable image on the tag closes it.
 */
export function registryPackageHandler(deps: PublishDeps): (context: PublishContext) => Promise<void> {
  return async (context) => {
    const eventLog = context.log.child({ deliveryId: context.id, event: `${context.name}.published` });
    const parsed = parsePackageEvent(context.name, context.payload);
    if (parsed.kind === "skip") {
      eventLog[parsed.level]({ reason: parsed.reason }, "tagguard: package event skipped");
      return;
    }
    const v = parsed.version;
    const log = eventLog.child({ image: v.image, tag: v.tag, digest: v.digest, versionId: v.versionId });
    if (isDefaultCacheTag(v.tag, v.image)) {
      log.info("tagguard: the tag is named like a dedicated cache tag; not inspected");
      return;
    }
    await watch(context, v, deps, log);
  };
}

async function watch(context: PublishContext, v: PublishedVersion, deps: PublishDeps, log: Log): Promise<void> {
  const decision = await decide(v, deps, log);
  if (decision.verdict === "unknown") return;
  const key: TagKey = { image: v.image, tag: v.tag };
  log.info(
    { verdict: decision.verdict, source: decision.source, ...(decision.verdict === "other" ? { description: decision.description } : {}) },
    `tagguard: ${tagRef(key)} verdict ${decision.verdict}, decided by the ${decision.source}`,
  );
  if (decision.verdict === "image") await deps.lastGood.set(tagRef(key), v.digest);
  if (decision.verdict === "other") return;
  const repository = v.repository;
  if (!repository) {
    const message = "tagguard: the package is not linked to a repository; no incident is opened or closed";
    if (decision.verdict === "buildkit-cache") log.warn(message);
    else log.info(message);
    return;
  }
  const issues = async () =>
    new IncidentIssues(context.octokit, { owner: repository.owner, repo: repository.repo }, await deps.botLogin(), deps.incidents);

  if (decision.verdict === "image") {
    if (decision.source === "registry" && deps.verify !== undefined) await verifyPublished(context.octokit, repository, v, deps.verify, log);
    const incidents = await issues();
    const open = await incidents.findOpen(key);
    if (!open) return;
    if (decision.source === "registry") {
      const now = await readTag(deps, v);
      if (now.kind === "other") {
        log.warn({ issue: open.number, current: now.digest }, "tagguard: the tag no longer holds this image; the incident stays open");
        return;
      }
    }
    await incidents.close(key, open.number, resolvedComment(key, v.digest, decision.platforms, decision.source));
    log.info({ issue: open.number }, "tagguard: a runnable image is on the tag again; incident closed");
    return;
  }

  let evidence: Evidence;
  if (decision.source === "registry") {
    const now = await readTag(deps, v);
    if (now.kind === "runnable") {
      await deps.lastGood.set(tagRef(key), now.digest);
      log.warn({ current: now.digest, platforms: now.platforms }, "tagguard: the tag was briefly a cache and holds a runnable image again; no incident");
      return;
    }
    evidence = { source: "registry", registryHost: deps.registryHost, recheck: now };
  } else {
    evidence = { source: "payload", registryHost: deps.registryHost, registryProblem: decision.registryProblem };
  }

  const incidents = await issues();
  const open = await incidents.findOpen(key);
  if (open) {
    if (await incidents.hasReported(open, v.digest)) {
      log.info({ issue: open.number }, "tagguard: this cache is already reported in the open incident");
      return;
    }
    await incidents.comment(open.number, repeatComment(key, v.digest, evidence, (await deps.lastGood.get(tagRef(key))) ?? lastGoodIn(open.body)));
    log.info({ issue: open.number }, "tagguard: another cache on the tag; commented on the open incident");
    return;
  }

  const workflows = await examineWorkflows(context.octokit, repository, imageRefOf(v.image, v.tag), deps);
  if (!workflows.incidents) {
    log.info("tagguard: incidents are turned off in the repository's .github/tagguard.yml; no incident");
    return;
  }
  if (workflows.error !== undefined) {
    log.warn({ error: describeError(workflows.error) }, "tagguard: could not read the workflows; the incident names no cause");
  }
  if (workflows.dedicatedCacheTag !== undefined) {
    log.info({ why: workflows.dedicatedCacheTag }, "tagguard: a dedicated cache tag; no incident");
    return;
  }
  const number = await incidents.open(
    key,
    incidentBody({
      key,
      digest: v.digest,
      view: decision.view,
      evidence,
      workflows: workflows.evidence,
      lastGood: await deps.lastGood.get(tagRef(key)),
      docsBase: deps.docsBase,
    }),
  );
  const causes = workflows.evidence.kind === "read" ? workflows.evidence.causes.length : undefined;
  log.info({ issue: number, causes, source: decision.source }, "tagguard: opened an incident");
}
