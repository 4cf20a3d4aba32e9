import { MAX_BLOB_BYTES, errorMessage, inspect, parsePlatform, type InspectResult, type Platform } from "../registry/index.js";
import { choice, parseOptions } from "./args.js";
import { cannotReadMessage, planImage, type ImageIo, type ImagePlan } from "./image-source.js";
import { formatJson, formatText } from "./inspect-format.js";

export const INSPECT_USAGE =
  "usage: tagguard inspect REF [--format text|json] [--platform OS/ARCH[/VARIANT]] [--plain-http] [--allow-host HOST]...";

export const INSPECT_HELP = `${INSPECT_USAGE}

Decides whether REF holds a runnable image or a BuildKit cache.

REF
  HOST/NAME:TAG             e.g. ghcr.io/acme/app:1.2.3 (host and name are lowercased)
  HOST/NAME@sha256:HEX      by digest
  NAME:TAG                  Docker Hub, as docker reads it: ubuntu:22.04 is
                            docker.io/library/ubuntu:22.04 (from registry-1.docker.io)
  oci:DIR[:TAG]             OCI image layout, e.g. from
                            docker buildx build --output type=oci,tar=false,dest=DIR
                            (TAG matches org.opencontainers.image.ref.name; optional
                            when index.json lists one manifest)
  oci:FILE.tar[:TAG]        the same as a tarball (--output type=oci,dest=FILE.tar)

Options
  --format text|json        output format (default text)
  --platform OS/ARCH[/VARIANT]  the platform the image must provide (default linux/amd64)
  --plain-http              talk http:// to the registry (e.g. 127.0.0.1:5000)
  --allow-host HOST[:PORT]  let redirects and the token service reach HOST (repeatable);
                            the registry host is always allowed, for ghcr.io also
                            pkg-containers.githubusercontent.com, and for docker.io
                            auth.docker.io and production.cloudflare.docker.com

Credentials (Basic auth, sent only to the registry host or its allowed token service)
  GHCR_TOKEN                classic PAT with read:packages, used for ghcr.io
  TAGGUARD_REGISTRY_TOKEN   token/password for any registry (for ghcr.io only when
                            GHCR_TOKEN is unset)
  TAGGUARD_REGISTRY_USERNAME  username sent with it (default: tagguard)
  Without them, public images are read anonymously.

Exit status
  0  runnable image
  1  BuildKit cache, artifact, invalid manifest, or an error-severity problem
     (e.g. no linux/amd64 image, or none for --platform)
  2  cannot inspect (network, auth, not found, digest mismatch, usage)
`;

/** `tagguard inspect …` (argv after `inspect`); resolves to the exit code. */
export async function runInspect(argv: string[], io: ImageIo): Promise<number> {
  const usage = (message: string): number => {
    io.stderr.write(`tagguard inspect: ${message} (${INSPECT_USAGE})\n`);
    return 2;
  };
  let values: { format?: string; platform?: string; "plain-http"?: boolean; "allow-host"?: string[]; help?: boolean };
  let positionals: string[];
  let format: "text" | "json";
  try {
    ({ values, positionals } = parseOptions(argv, {
      format: { type: "string", short: "f" },
      platform: { type: "string" },
      "plain-http": { type: "boolean" },
      "allow-host": { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    }));
    format = choice("format", values.format, ["text", "json"], "text");
  } catch (error) {
    return usage(errorMessage(error));
  }
  if (values.help === true) {
    io.stdout.write(INSPECT_HELP);
    return 0;
  }
  if (positionals.length !== 1) return usage(positionals.length === 0 ? "missing REF" : "expected exactly one REF");

  let plan: ImagePlan;
  let platform: Platform | undefined;
  try {
    platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
    plan = planImage(positionals[0]!, { plainHttp: values["plain-http"] === true, allowHosts: values["allow-host"] ?? [], command: "inspect" }, io);
  } catch (error) {
    return usage(errorMessage(error));
  }
  let result: InspectResult;
  try {
    // inspect reads manifests and configs only: a layout tarball's layers are not unpacked
    const image = await plan.open({ skipBlobsLargerThan: MAX_BLOB_BYTES });
    try {
      result = await inspect(image.source, { name: image.name, reference: image.reference }, platform === undefined ? {} : { platform });
    } finally {
      await image.dispose();
    }
  } catch (error) {
    io.stderr.write(`tagguard inspect: cannot inspect ${plan.display}: ${cannotReadMessage(error, plan)}\n`);
    return 2;
  }
  if (result.verdict === "unsupported") {
    io.stderr.write(`tagguard inspect: cannot inspect ${plan.display}: ${result.problems[0]!.message}\n`);
    return 2;
  }
  io.stdout.write(format === "json" ? formatJson(plan.display, result) : formatText(plan.display, result));
  return result.verdict === "image" && !result.problems.some((p) => p.severity === "error") ? 0 : 1;
}
