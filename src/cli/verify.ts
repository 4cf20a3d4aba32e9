import { dirname, join, relative, resolve } from "node:path";
import { errorMessage, parsePlatform, resolveImageLayers, type Platform } from "../registry/index.js";
import {
  DEFAULT_DOWNLOAD_BUDGET,
  VerifyError,
  configuredMapping,
  mapDockerfile,
  verifyImage,
  type MappingEntry,
  type SourceMapping,
  type VerifyReport,
} from "../verify/index.js";
import { choice, parseOptions } from "./args.js";
import { isDirectory } from "./load.js";
import { cannotReadMessage, planImage, type ImageIo, type ImagePlan } from "./image-source.js";
import { readContextDir, readSmallText } from "./source-dir.js";
import { verifyGithub, verifyJson, verifyText, type VerifiedImage } from "./verify-format.js";

export const VERIFY_USAGE =
  "usage: tagguard verify IMAGE --path /app [--source DIR] [--dockerfile FILE] [--platform OS/ARCH[/VARIANT]] [--format text|json|github]";

export const VERIFY_HELP = `${VERIFY_USAGE}

Proves that the files an image holds under --path are the files of the build context, as the
Dockerfile copies them: without running the image, from the registry or an OCI layout.

IMAGE
  HOST/NAME:TAG, HOST/NAME@sha256:HEX, NAME:TAG (Docker Hub), as for tagguard inspect
  oci:DIR[:TAG] | oci:FILE.tar[:TAG]  docker buildx build --output type=oci,dest=FILE.tar

Options
  --path PATH               directory in the image to verify (required), e.g. /app
  --source DIR              the build context (default .); its .dockerignore applies
  --dockerfile FILE         default DIR/Dockerfile; FILE.dockerignore beside it wins over
                            DIR/.dockerignore, as with BuildKit
  --map FROM:TO             the context path FROM lands at image path TO (repeatable); replaces
                            the Dockerfile, e.g. when the final stage copies from several places
  --platform OS/ARCH[/VARIANT]  which image of a multi-platform tag (default linux/amd64)
  --format text|json|github output format (default text); github writes workflow annotations
  --max-download BYTES      compressed bytes the layers may total (default 2147483648)
  --timeout SECONDS         time budget for the whole verification (default 600)
  --plain-http, --allow-host HOST  as for tagguard inspect

Exit status
  0  identical: every file the Dockerfile copies into the path is in the image, unchanged
  1  the image differs from the source (stale, missing, symlink or mode differences)
  2  cannot verify (no layers, a limit reached, a Dockerfile it will not guess about, usage)
`;

const DEFAULT_TIMEOUT_S = 600;

interface Options {
  path: string;
  source: string;
  dockerfile: string;
  maps: MappingEntry[];
  platform: Platform | undefined;
  format: "text" | "json" | "github";
  maxDownload: number;
  timeoutMs: number;
}

/** `tagguard verify …` (argv after `verify`); resolves to the exit code. */
export async function runVerify(argv: string[], io: ImageIo): Promise<number> {
  const usage = (message: string): number => {
    io.stderr.write(`tagguard verify: ${message} (${VERIFY_USAGE})\n`);
    return 2;
  };
  let options: Options;
  let plan: ImagePlan;
  try {
    const { values, positionals } = parseOptions(argv, {
      path: { type: "string" },
      source: { type: "string" },
      dockerfile: { type: "string" },
      map: { type: "string", multiple: true },
      platform: { type: "string" },
      format: { type: "string", short: "f" },
      "max-download": { type: "string" },
      timeout: { type: "string" },
      "plain-http": { type: "boolean" },
      "allow-host": { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    });
    if (values.help === true) {
      io.stdout.write(VERIFY_HELP);
      return 0;
    }
    if (positionals.length !== 1) return usage(positionals.length === 0 ? "missing IMAGE" : "expected exactly one IMAGE");
    if (values.path === undefined) return usage("missing --path, the directory in the image that holds the source, e.g. /app");
    if (!values.path.startsWith("/")) return usage("--path must be an absolute path in the image, e.g. /app");
    const format = choice("format", values.format, ["text", "json", "github"], "text");
    const source = values.source ?? ".";
    if (values.source !== undefined && !isDirectory(source)) return usage(`--source ${source} is not a directory`);
    options = {
      path: values.path,
      source,
      dockerfile: values.dockerfile ?? join(source, "Dockerfile"),
      maps: (values.map ?? []).map(parseMap),
      platform: values.platform === undefined ? undefined : parsePlatform(values.platform),
      format,
      maxDownload: positiveInteger(values["max-download"], "--max-download", DEFAULT_DOWNLOAD_BUDGET),
      timeoutMs: positiveInteger(values.timeout, "--timeout", DEFAULT_TIMEOUT_S) * 1000,
    };
    plan = planImage(positionals[0]!, { plainHttp: values["plain-http"] === true, allowHosts: values["allow-host"] ?? [], command: "verify" }, io);
  } catch (error) {
    return usage(errorMessage(error).split(". ")[0]!);
  }

  const budget = AbortSignal.timeout(options.timeoutMs);
  let verified: VerifiedImage;
  let report: VerifyReport;
  try {
    const image = await plan.open({ maxBytes: options.maxDownload });
    try {
      const call = { signal: budget, budgetMs: options.timeoutMs, ...(options.platform === undefined ? {} : { platform: options.platform }) };
      const layers = await resolveImageLayers(image.source, { name: image.name, reference: image.reference }, call);
      const mapping = await readMapping(options, layers.workingDir);
      const context = await readContextDir(options.source, await dockerignoreFor(options));
      report = await verifyImage({
        layers: layers.layers,
        open: (layer) => image.source.openBlob(image.name, layer, { signal: budget, deadline: Date.now() + options.timeoutMs }),
        path: options.path,
        context,
        mapping,
        limits: { maxDownloadBytes: options.maxDownload, signal: budget },
      });
      verified = {
        image: plan.display,
        platform: layers.platform,
        manifestDigest: layers.manifestDigest,
        revision: layers.revision ?? null,
        source: options.source,
      };
    } finally {
      await image.dispose();
    }
  } catch (error) {
    const message = budget.aborted ? `time budget of ${options.timeoutMs / 1000} s reached` : cannotVerifyMessage(error, plan);
    io.stderr.write(`tagguard verify: cannot verify ${plan.display}: ${message}\n`);
    return 2;
  }
  const write = options.format === "json" ? verifyJson : options.format === "github" ? verifyGithub : verifyText;
  io.stdout.write(write(verified, report));
  return report.comparison.identical ? 0 : 1;
}

function cannotVerifyMessage(error: unknown, plan: ImagePlan): string {
  return error instanceof VerifyError ? error.message : cannotReadMessage(error, plan);
}

async function readMapping(options: Options, workingDir: string | undefined): Promise<SourceMapping> {
  if (options.maps.length > 0) return configuredMapping(options.maps);
  const text = await readSmallText(options.dockerfile);
  if (text === undefined) throw new VerifyError("mapping", `${options.dockerfile} does not exist; give --dockerfile or --map`);
  return mapDockerfile(text, options.path, { file: relative(resolve(options.source), resolve(options.dockerfile)) || options.dockerfile, ...(workingDir === undefined ? {} : { baseWorkdir: workingDir }) });
}

/** BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile first, then the context's `.dockerignore`. */
async function dockerignoreFor(options: Options): Promise<string | undefined> {
  const beside = await readSmallText(join(dirname(options.dockerfile), `${options.dockerfile.split("/").pop()!}.dockerignore`));
  return beside ?? (await readSmallText(join(options.source, ".dockerignore")));
}

function parseMap(text: string): MappingEntry {
  const colon = text.indexOf(":");
  if (colon < 0 || !text.slice(colon + 1).startsWith("/")) throw new Error(`--map ${JSON.stringify(text)}: expected FROM:/image/path`);
  return { from: text.slice(0, colon), to: text.slice(colon + 1) };
}

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) throw new Error(`${flag} must be a positive integer`);
  return Number(text);
}
