import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Document, Node as YNode } from "yaml";
import type { Finding, RelatedLocation, Severity } from "../report/finding.js";
import { fingerprint } from "../report/fingerprint.js";
import { rules } from "../rules/index.js";
import { LineIndex, type Span } from "../workflow/span.js";
import { DEFAULT_CACHE_TAGS } from "./cache-tags.js";
import { closest } from "./closest.js";
import { DIAGNOSTICS, INVALID_CONFIG } from "./diagnostics.js";
import { type JsonPath, type SchemaError, validateJson } from "./json-schema.js";
import schema from "./tagguard.schema.json" with { type: "json" };
import { CONFIG_PATH, type Config, type DeployTarget, type RuleSettings, type VerifyEntry } from "./types.js";

/** The JSON Schema of `.github/tagguard.yml`. */
export const CONFIG_SCHEMA: object = schema;

export function defaultConfig(): Config {
  return { rules: {}, ignore: [], cacheTags: [...DEFAULT_CACHE_TAGS], deployTargets: [], limits: {}, incidents: true, verify: [], diagnostics: [] };
}

/** Ids `rules:` may configure: every registered rule and the configurable built-in diagnostics. */
export function configurableRuleIds(): string[] {
  return [...rules.map((r) => r.meta.id), ...DIAGNOSTICS.filter((d) => d.configurable).map((d) => d.id)];
}

interface RawRule {
  enabled?: boolean;
  disable?: boolean;
  severity?: Severity;
  ignore?: string[];
}

interface RawConfig {
  rules?: Record<string, RawRule>;
  ignore?: string[];
  cacheTags?: string[];
  deployTargets?: { name: string; platforms?: string[]; acceptsIndex?: boolean; uses?: string[]; run?: string[] }[];
  limits?: { steps?: number; builds?: number };
  incidents?: boolean;
  verify?: { image: string; path: string; context?: string; dockerfile?: string; map?: { from: string; to: string }[]; platform?: string }[];
}

interface Problem {
  path: JsonPath;
  atKey: boolean;
  message: string;
}

/** `rules.cache-overwrites-tag.severity`, `deployTargets[0].name`; the top level is "top level". */
function formatPath(path: JsonPath): string {
  if (path.length === 0) return "top level";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function describe(p: Problem): string {
  return `${formatPath(p.atKey ? p.path.slice(0, -1) : p.path)}: ${p.message}`;
}

/** Locates problems in the YAML source; without a source, everything points at the file's start. */
class Locator {
  private readonly index: LineIndex;

  constructor(
    private readonly file: string,
    text: string,
    private readonly doc?: Document.Parsed,
  ) {
    this.index = new LineIndex(text);
  }

  span(path: JsonPath, atKey = false): Span {
    let node = this.doc?.contents as YNode | null | undefined;
    let keyNode: YNode | undefined;
    for (const step of path) {
      if (node && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        keyNode = pair.key as YNode;
        node = pair.value as YNode | null;
      } else if (node && isSeq(node) && typeof step === "number") {
        keyNode = undefined;
        node = node.items[step] as YNode | undefined;
      } else {
        break;
      }
    }
    const target = atKey && keyNode ? keyNode : (node ?? keyNode);
    const range = target?.range;
    if (!range) return this.index.span(this.file, 0, 0, path);
    return this.index.span(this.file, range[0], range[1], path);
  }
}

function invalid(file: string, problems: Problem[], locator: Locator): Finding {
  const [first, ...rest] = problems;
  const more = rest.length ? ` (${rest.length} more problem${rest.length === 1 ? "" : "s"} listed below)` : "";
  const related: RelatedLocation[] = rest.map((p) => ({ span: locator.span(p.path, p.atKey), message: describe(p) }));
  return {
    ruleId: INVALID_CONFIG,
    severity: "error",
    confidence: "definite",
    message: `${file} is invalid, so tagguard ignores it and uses its defaults. ${describe(first)}${more}`,
    primary: locator.span(first.path, first.atKey),
    related,
    hidden: [],
    fingerprint: fingerprint(INVALID_CONFIG, file, describe(first)),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What the schema cannot express: contradicting switches and deploy targets defined twice. */
function semanticProblems(value: unknown): Problem[] {
  if (!isObject(value)) return [];
  const problems: Problem[] = [];
  for (const [id, r] of Object.entries(isObject(value.rules) ? value.rules : {})) {
    if (isObject(r) && typeof r.enabled === "boolean" && r.enabled === r.disable) {
      problems.push({ path: ["rules", id], atKey: false, message: `enabled: ${r.enabled} and disable: ${r.disable} contradict each other; use one of them` });
    }
  }
  const names = new Map<string, number>();
  (Array.isArray(value.deployTargets) ? value.deployTargets : []).forEach((t: unknown, i) => {
    if (!isObject(t) || typeof t.name !== "string") return;
    const first = names.get(t.name);
    if (first === undefined) names.set(t.name, i);
    else problems.push({ path: ["deployTargets", i, "name"], atKey: false, message: `"${t.name}" is already defined by deployTargets[${first}]` });
  });
  return problems;
}

/** Checks schema and semantics; returns the config, or problems when the file is invalid. */
function build(value: unknown, file: string, locator: Locator): Config {
  const config = defaultConfig();
  if (value === null || value === undefined) return config;
  const problems: Problem[] = validateJson(schema, value).map((e: SchemaError) => ({
    path: e.path,
    atKey: e.atKey === true,
    message: e.message,
  }));
  problems.push(...semanticProblems(value));
  if (problems.length) {
    const at = (p: Problem) => locator.span(p.path, p.atKey).start.offset;
    problems.sort((a, b) => at(a) - at(b));
    return { ...config, diagnostics: [invalid(file, problems, locator)] };
  }
  const raw = value as RawConfig;

  const known = configurableRuleIds();
  const builtins = DIAGNOSTICS.filter((d) => !d.configurable).map((d) => d.id);
  for (const [id, r] of Object.entries(raw.rules ?? {})) {
    if (known.includes(id)) {
      const settings: RuleSettings = { enabled: r.enabled ?? !(r.disable ?? false), ignore: r.ignore ?? [] };
      if (r.severity) settings.severity = r.severity;
      config.rules[id] = settings;
      continue;
    }
    const guess = closest(id, known);
    const message = builtins.includes(id)
      ? `rules.${id}: ${id} is reported by tagguard itself and cannot be configured, so this entry has no effect.`
      : `rules.${id}: unknown rule id, so this entry has no effect. ${guess ? `Did you mean ${guess}?` : `Known ids: ${known.join(", ")}.`}`;
    config.diagnostics.push({
      ruleId: INVALID_CONFIG,
      severity: "warning",
      confidence: "definite",
      message,
      primary: locator.span(["rules", id], true),
      related: [],
      hidden: [],
      fingerprint: fingerprint(INVALID_CONFIG, file, `rules.${id}`),
    });
  }
  config.ignore = raw.ignore ?? [];
  if (raw.cacheTags) config.cacheTags = raw.cacheTags;
  if (raw.incidents !== undefined) config.incidents = raw.incidents;
  if (raw.limits?.steps !== undefined) config.limits.steps = raw.limits.steps;
  if (raw.limits?.builds !== undefined) config.limits.builds = raw.limits.builds;
  config.deployTargets = (raw.deployTargets ?? []).map((t): DeployTarget => {
    const target: DeployTarget = { name: t.name, uses: t.uses ?? [], run: t.run ?? [] };
    if (t.platforms) target.platforms = t.platforms;
    if (t.acceptsIndex !== undefined) target.acceptsIndex = t.acceptsIndex;
    return target;
  });
  config.verify = (raw.verify ?? []).map((v): VerifyEntry => {
    const context = v.context ?? ".";
    const entry: VerifyEntry = {
      image: v.image,
      path: v.path,
      context,
      dockerfile: v.dockerfile ?? (context === "." ? "Dockerfile" : `${context.replace(/\/+$/, "")}/Dockerfile`),
      map: v.map ?? [],
    };
    if (v.platform !== undefined) entry.platform = v.platform;
    return entry;
  });
  return config;
}

/**
 * Reads `.github/tagguard.yml` from its text. Never throws: an invalid file gives the defaults plus
 * one `invalid-config` error finding (in `diagnostics`) pointing at the first problem; unknown rule
 * ids give an `invalid-config` warning each and the rest of the file still applies.
 */
export function parseConfig(text: string, file: string = CONFIG_PATH): Config {
  const doc = parseDocument(text, { prettyErrors: false });
  const locator = new Locator(file, text, doc);
  const index = new LineIndex(text);
  if (doc.errors.length) {
    const [start, end] = doc.errors[0].pos;
    const message = doc.errors[0].message.split("\n")[0];
    return {
      ...defaultConfig(),
      diagnostics: [
        {
          ruleId: INVALID_CONFIG,
          severity: "error",
          confidence: "definite",
          message: `${file} is not valid YAML, so tagguard ignores it and uses its defaults: ${message}`,
          primary: index.span(file, start, end, []),
          related: [],
          hidden: [],
          fingerprint: fingerprint(INVALID_CONFIG, file, message),
        },
      ],
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ...defaultConfig(), diagnostics: [invalid(file, [{ path: [], atKey: false, message: (err as Error).message }], locator)] };
  }
  return build(value, file, locator);
}

/**
 * Reads an already parsed configuration, e.g. the object Probot's `context.config("tagguard.yml")`
 * returns (`null` when there is none). Findings point at the start of `file`.
 */
export function configFromValue(value: unknown, file: string = CONFIG_PATH): Config {
  return build(value, file, new Locator(file, ""));
}
