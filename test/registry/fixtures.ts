import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClassifyInput, FetchedManifest } from "../../src/registry/index.js";

/** OCI image layout holding every registry fixture; tags are `org.opencontainers.image.ref.name` annotations. */
export const LAYOUT_DIR = fileURLToPath(new URL("../fixtures/registry/layout", import.meta.url));

export interface FixtureDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

const index = JSON.parse(readFileSync(join(LAYOUT_DIR, "index.json"), "utf8")) as {
  manifests: (FixtureDescriptor & { annotations: Record<string, string> })[];
};

export const FIXTURE_TAGS: ReadonlyMap<string, FixtureDescriptor> = new Map(
  index.manifests.map((m) => [m.annotations["org.opencontainers.image.ref.name"]!, { mediaType: m.mediaType, digest: m.digest, size: m.size }]),
);

export const BLOBS: ReadonlyMap<string, Uint8Array> = new Map(
  readdirSync(join(LAYOUT_DIR, "blobs", "sha256")).map((hex) => [
    `sha256:${hex}`,
    new Uint8Array(readFileSync(join(LAYOUT_DIR, "blobs", "sha256", hex))),
  ]),
);

export function fixture(tag: string): FixtureDescriptor {
  const descriptor = FIXTURE_TAGS.get(tag);
  if (descriptor === undefined) throw new Error(`no fixture tagged ${tag}`);
  return descriptor;
}

export function blob(digest: string): Uint8Array {
  const bytes = BLOBS.get(digest);
  if (bytes === undefined) throw new Error(`no fixture blob ${digest}`);
  return bytes;
}

/** The JSON of a fixture document, for building variants in tests. */
export function documentJson(digest: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(blob(digest))) as Record<string, unknown>;
}

/** Root as a registry would serve it (Content-Type = its media type); every fixture blob available as child/config. */
export function fixtureInput(tag: string): ClassifyInput {
  const { digest, mediaType } = fixture(tag);
  const children = new Map<string, FetchedManifest>();
  for (const [d, bytes] of BLOBS) children.set(d, { digest: d, contentType: undefined, bytes });
  return { root: { digest, contentType: mediaType, bytes: blob(digest) }, children, configs: BLOBS };
}

export const encode = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
