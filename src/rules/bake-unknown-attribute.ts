import { closest } from "../config/closest.js";
import { defineRule } from "../rule-kit/rule.js";

/**
 * Target attributes bake reads (buildx `bake/bake.go`, the `Target` struct's `hcl` tags, plus the block-level
 * `name` and `matrix`). In HCL and JSON bake files it silently drops any other attribute of a target.
 */
const TARGET_ATTRIBUTES = [
  "name",
  "matrix",
  "description",
  "inherits",
  "annotations",
  "attest",
  "context",
  "contexts",
  "dockerfile",
  "dockerfile-inline",
  "args",
  "labels",
  "tags",
  "cache-from",
  "cache-to",
  "target",
  "secret",
  "ssh",
  "platforms",
  "output",
  "pull",
  "no-cache",
  "network",
  "no-cache-filter",
  "shm-size",
  "ulimits",
  "call",
  "entitlements",
  "extra-hosts",
];

/** What a misspelt attribute was most likely meant to be: the Compose spelling (`cache_to`), or a near name. */
function meant(name: string): string | undefined {
  const hyphenated = name.toLowerCase().replace(/_/g, "-");
  if (TARGET_ATTRIBUTES.includes(hyphenated)) return hyphenated;
  const singular: Record<string, string> = { platform: "platforms", outputs: "output", secrets: "secret", tag: "tags" };
  return singular[hyphenated] ?? closest(hyphenated, TARGET_ATTRIBUTES);
}

const CONSEQUENCE: Record<string, string> = {
  "cache-to": "No cache is exported, so every build starts cold.",
  "cache-from": "No cache is imported, so every build starts cold.",
  tags: "The image gets none of these tags.",
  platforms: "The image is built for the builder's own platform only.",
  output: "The build's default output applies instead.",
};

export default defineRule({
  meta: {
    id: "bake-unknown-attribute",
    severity: "warning",
    description: "A bake target attribute that bake does not know, and silently ignores",
    fixable: "suggestion",
  },
  check(ctx) {
    for (const file of ctx.project.bakeFiles.values()) {
      // Compose files have their own spelling (cache_to is right there); bake reads them through the Compose model.
      if (file.format === "compose") continue;
      for (const block of file.blocks) {
        if (block.type !== "target") continue;
        for (const [name, span] of block.names ?? []) {
          if (TARGET_ATTRIBUTES.includes(name)) continue;
          const suggestion = meant(name);
          const why = suggestion ? ` ${CONSEQUENCE[suggestion] ?? ""}`.trimEnd() : "";
          ctx.report({
            message:
              `bake ignores the attribute ${name} of target "${block.name}": buildx drops target attributes it does not know, without a warning.` +
              (suggestion ? ` Did you mean ${suggestion}?${why}` : ""),
            primary: span,
            subject: `${block.name}|${name}`,
            fix: suggestion
              ? { title: `rename ${name} to ${suggestion}`, edits: [{ span, text: suggestion }], safe: true }
              : { title: "remove the attribute, or use one that bake knows (see the bake file reference)", edits: [], safe: false },
          });
        }
      }
    }
  },
});
