import { parseArgs } from "node:util";
import {
  DEFAULT_ALLOWED_HOSTS,
  OciLayoutSource,
  RegistryClient,
  cannotInspectReason,
  credentialsFromEnv,
  errorMessage,
  formatImageReference,
  inspect,
  isValidTag,
  parseImageReference,
  type FetchLike,
  type InspectResult,
} from "../registry/index.js";
import { formatJson, formatText } from "./inspect-format.js";

export interface InspectIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  fetch?: FetchLike;
}

export const INSPECT_USAGE = "usage: tagguard inspect REF [--format text|json] [--plain-http] [--allow-host HOST]...";

export const INSPECT_HELP = `${INSPECT_USAGE}

Decides whether REF holds a runnable image or a BuildKit cache.

REF
  HOST/NAME:TAG             e.g. ghcr.io/acme/app:1.2.3 (host and name are lowercased)
  HOST/NAME@sha256:HEX      by digest
  oci:DIR[:TAG]             OCI image layout, e.g. from
                            docker buildx build --output type=oci,tar=false,dest=DIR
                            (TAG matches org.opencontainers.image.ref.name; optional
                            when index.json lists one manifest)

Options
  --format text|json        output format (default text)
  --plain-http              talk http:// to the registry (e.g. 127.0.0.1:5000)
  --allow-host HOST[:PORT]  let redirects and the token service reach HOST (repeatable);
                            the registry host is always allowed, and for ghcr.io also
                            pkg-containers.githubusercontent.com

Credentials (Basic auth, sent only to the registry host or its allowed token service)
  GHCR_TOKEN                classic PAT with read:packages, used for ghcr.io
  TAGGUARD_REGISTRY_TOKEN   token/password for any registry (for ghcr.io only when
                            GHCR_TOKEN is unset)
  TAGGUARD_REGISTRY_USERNAME  username sent with it (default: tagguard)
  Without them, public images are read anonymously.

Exit status
  0  runnable image
  1  BuildKit cache, artifact, invalid manifest, or an error-severity problem
     (e.g. no linux/amd64 image)
  2  cannot inspect (network, auth, not found, digest mismatch, usage)
`;

interface Plan {
  display: string;
  run: () => Promise<InspectResult>;
}

/** `tagguard inspect …` (argv after `inspect`); resolves to the exit code. */
export async function runInspect(argv: string[], io: InspectIo): Promise<number> {
  const usage = (message: string): number => {
    io.stderr.write(`tagguard inspect: ${message} (${INSPECT_USAGE})\n`);
    return 2;
  };
  let values: { format?: string; "plain-http"?: boolean; "allow-host"?: string[]; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        format: { type: "string" },
        "plain-http": { type: "boolean" },
        "allow-host": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return usage(errorMessage(error).split(". ")[0]!);
  }
  if (values.help === true) {
    io.stdout.write(INSPECT_HELP);
    return 0;
  }
  const format = values.format ?? "text";
  if (format !== "text" && format !== "json") return usage(`unknown format ${JSON.stringify(format)}`);
  if (positionals.length !== 1) return usage(positionals.length === 0 ? "missing REF" : "expected exactly one REF");

  let plan: Plan;
  try {
    plan = makePlan(positionals[0]!, values["plain-http"] === true, values["allow-host"] ?? [], io);
  } catch (error) {
    return usage(errorMessage(error));
  }
  let result: InspectResult;
  try {
    result = await plan.run();
  } catch (error) {
    io.stderr.write(`tagguard inspect: cannot inspect ${plan.display}: ${cannotInspectReason(error).message}\n`);
    return 2;
  }
  if (result.verdict === "unsupported") {
    io.stderr.write(`tagguard inspect: cannot inspect ${plan.display}: ${result.problems[0]!.message}\n`);
    return 2;
  }
  io.stdout.write(format === "json" ? formatJson(plan.display, result) : formatText(plan.display, result));
  return result.verdict === "image" && !result.problems.some((p) => p.severity === "error") ? 0 : 1;
}

function makePlan(ref: string, plainHttp: boolean, allowHosts: string[], io: InspectIo): Plan {
  if (ref.startsWith("oci:")) {
    if (plainHttp || allowHosts.length > 0) throw new Error("--plain-http and --allow-host apply to registry references only");
    const { dir, tag } = parseLayoutReference(ref);
    const layout = new OciLayoutSource(dir);
    return {
      display: ref,
      run: async () => inspect(layout, { name: "layout", reference: (await layout.resolve(tag)).digest }),
    };
  }
  const parsed = parseImageReference(ref);
  const credentials = credentialsFromEnv(io.env, parsed.registry);
  const client = new RegistryClient({
    baseUrl: `${plainHttp ? "http" : "https"}://${parsed.registry}`,
    allowedHosts: [...(parsed.registry === "ghcr.io" ? DEFAULT_ALLOWED_HOSTS : []), ...allowHosts],
    ...(credentials === undefined ? {} : { credentials }),
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
  });
  const reference = parsed.digest ?? parsed.tag!;
  return { display: formatImageReference(parsed), run: () => inspect(client, { name: parsed.name, reference }) };
}

/** `oci:DIR[:TAG]`: a final `:TAG` is split off when it is a valid tag without path separators. */
function parseLayoutReference(ref: string): { dir: string; tag: string | undefined } {
  const rest = ref.slice("oci:".length);
  const colon = rest.lastIndexOf(":");
  const candidate = colon < 0 ? undefined : rest.slice(colon + 1);
  if (candidate !== undefined && !/[/\\]/.test(candidate)) {
    if (!isValidTag(candidate)) throw new Error(`invalid tag ${JSON.stringify(candidate)} in ${ref}`);
    if (colon === 0) throw new Error(`missing directory in ${ref}`);
    return { dir: rest.slice(0, colon), tag: candidate };
  }
  if (rest === "") throw new Error(`missing directory in ${ref}`);
  return { dir: rest, tag: undefined };
}
