import { DOCS } from "../support/docs.js";
import { Permalinks } from "../../src/app/review/review.js";
import type { Finding } from "../../src/report/finding.js";
import { finding, spanOf } from "./spans.js";

/** One workflow whose cache export collides with its pushed tag; line numbers are in the comments. */
export const file = ".github/workflows/ci.yml";
export const text = [
  "name: ci", // 1
  "on: push", // 2
  "jobs:", // 3
  "  build:", // 4
  "    runs-on: ubuntu-latest", // 5
  "    steps:", // 6
  "      - uses: docker/build-push-action@v6", // 7
  "        with:", // 8
  "          push: true", // 9
  "          tags: ghcr.io/acme/app:latest", // 10
  "          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max", // 11
  "",
].join("\n");
export const sha = "0123456789abcdef0123456789abcdef01234567";
export const links = new Permalinks("https://github.com/acme/app", sha);
export const texts = new Map([[file, text]]);
export const docsBase = DOCS;
export const url = (line: string) => `https://github.com/acme/app/blob/${sha}/.github/workflows/ci.yml#${line}`;

/** A cache-overwrites-tag finding on line 11 of the workflow, with its related push and fix. */
export function cacheFinding(overrides: Partial<Finding> = {}): Finding {
  return finding({
    primary: spanOf(file, text, 11, "ref=ghcr.io/acme/app:latest"),
    related: [{ span: spanOf(file, text, 10, "ghcr.io/acme/app:latest"), message: "the image tag pushed here" }],
    fix: {
      title: "Export the cache to a dedicated tag",
      safe: true,
      edits: [{ span: spanOf(file, text, 11, "ghcr.io/acme/app:latest"), text: "ghcr.io/acme/app:buildcache" }],
    },
    fingerprint: "f00d",
    ...overrides,
  });
}
