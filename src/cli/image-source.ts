import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import {
  DEFAULT_ALLOWED_HOSTS,
  DOCKER_HUB,
  DOCKER_HUB_ALLOWED_HOSTS,
  OciLayoutSource,
  RegistryClient,
  cannotInspectReason,
  credentialsFromEnv,
  formatImageReference,
  isTlsFailureOnPrivateHost,
  isValidTag,
  parseImageReference,
  registryApiHost,
  unpackLayoutTarball,
  type BlobStreamSource,
  type ManifestSource,
  type TarballOptions,
} from "../registry/index.js";
import type { CliIo } from "./io.js";

/** What `inspect` and `verify` take from the environment: output streams, credentials, an injected fetch. */
export type ImageIo = Pick<CliIo, "stdout" | "stderr" | "env" | "fetch">;

/** An image reference ready to read: the source, the repository name and the tag or digest of the root. */
export interface OpenedImage {
  source: ManifestSource & BlobStreamSource;
  name: string;
  reference: string;
  dispose(): Promise<void>;
}

/** A parsed IMAGE argument: how to show it, and how to open it (I/O happens only in `open`). */
export interface ImagePlan {
  display: string;
  /** The registry's `host[:port]` as typed (undefined for `oci:`), for the `--plain-http` hint. */
  registry: string | undefined;
  open(tarball?: TarballOptions): Promise<OpenedImage>;
}

export interface RegistryFlags {
  plainHttp: boolean;
  allowHosts: string[];
  /** The subcommand, for the notes printed while a registry is retried (`tagguard inspect: …`). */
  command: string;
}

/**
 * Parses REF: `oci:DIR[:TAG]` or `oci:FILE.tar[:TAG]` (a layout directory or tarball), else a registry reference
 * with Docker's normalisation (`ubuntu:22.04` is `docker.io/library/ubuntu:22.04`, read from
 * `registry-1.docker.io`). Throws on a malformed REF or flags that do not apply (usage errors).
 */
export function planImage(ref: string, flags: RegistryFlags, io: ImageIo): ImagePlan {
  if (ref.startsWith("oci:")) {
    if (flags.plainHttp || flags.allowHosts.length > 0) throw new Error("--plain-http and --allow-host apply to registry references only");
    const { path, tag } = parseLayoutReference(ref);
    return {
      display: ref,
      registry: undefined,
      open: async (tarball) => {
        const isFile = await stat(path).then(
          (info) => info.isFile(),
          () => false,
        );
        const unpacked = isFile ? await unpackLayoutTarball(path, tarball) : undefined;
        const layout = unpacked?.source ?? new OciLayoutSource(path);
        try {
          const reference = (await layout.resolve(tag)).digest;
          return { source: layout, name: "layout", reference, dispose: async () => unpacked?.dispose() };
        } catch (error) {
          await unpacked?.dispose();
          throw error;
        }
      },
    };
  }
  let parsed: ReturnType<typeof parseImageReference>;
  try {
    parsed = parseImageReference(ref);
  } catch (error) {
    // `tagguard inspect ./img` or `image.tar`: a local OCI layout is read with the oci: prefix.
    if (existsSync(ref)) throw new Error(`${ref} is a local path, not an image reference: to read an OCI layout (a directory or .tar), write oci:${ref}`);
    throw error;
  }
  const credentials = credentialsFromEnv(io.env, parsed.registry);
  const defaultHosts = parsed.registry === "ghcr.io" ? DEFAULT_ALLOWED_HOSTS : parsed.registry === DOCKER_HUB ? DOCKER_HUB_ALLOWED_HOSTS : [];
  const client = new RegistryClient({
    baseUrl: `${flags.plainHttp ? "http" : "https"}://${registryApiHost(parsed.registry)}`,
    allowedHosts: [...defaultHosts, ...flags.allowHosts],
    ...(credentials === undefined ? {} : { credentials }),
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
    // A registry that fails and is retried is not a silent hang: each wait is said on stderr.
    onRetry: (r) =>
      io.stderr.write(`tagguard ${flags.command}: ${r.what}: ${r.reason}; trying again in ${(r.waitMs / 1000).toFixed(1)} s (attempt ${r.attempt + 1} of ${r.maxAttempts})\n`),
  });
  const reference = parsed.digest ?? parsed.tag!;
  return {
    display: formatImageReference(parsed),
    registry: parsed.registry,
    open: async () => ({ source: client, name: parsed.name, reference, dispose: async () => undefined }),
  };
}

/** Why reading the image failed, with a `--plain-http` hint for a TLS failure on a local or private registry. */
export function cannotReadMessage(error: unknown, plan: ImagePlan): string {
  const { message } = cannotInspectReason(error);
  const hint =
    plan.registry !== undefined && isTlsFailureOnPrivateHost(error, plan.registry)
      ? `; ${plan.registry} did not answer TLS: if it is a plain-http registry, add --plain-http`
      : "";
  return `${message}${hint}`;
}

/** `oci:PATH[:TAG]`: a final `:TAG` is split off when it is a valid tag without path separators. */
function parseLayoutReference(ref: string): { path: string; tag: string | undefined } {
  const rest = ref.slice("oci:".length);
  const colon = rest.lastIndexOf(":");
  const candidate = colon < 0 ? undefined : rest.slice(colon + 1);
  if (candidate !== undefined && !/[/\\]/.test(candidate)) {
    if (!isValidTag(candidate)) throw new Error(`invalid tag ${JSON.stringify(candidate)} in ${ref}`);
    if (colon === 0) throw new Error(`missing directory in ${ref}`);
    return { path: rest.slice(0, colon), tag: candidate };
  }
  if (rest === "") throw new Error(`missing directory in ${ref}`);
  return { path: rest, tag: undefined };
}
