import { describe, expect, it } from "@jest/globals";
import { DiffMap } from "../../src/app/review/diff.js";
import { allClearReview, buildReview, commentBody, fenced, withoutInlineComments } from "../../src/app/review/review.js";
import { cacheFinding, docsBase, file, links, sha, text, texts, url } from "./ci-workflow.js";
import { finding, linesOf, spanOf } from "./spans.js";
import { ruleDocs } from "../support/docs.js";

describe("fenced", () => {
  it("uses three backticks for plain content", () => {
    expect(fenced("suggestion", ["a: b"])).toBe("```suggestion\na: b\n```");
  });

  it("uses a fence longer than any backtick run in the content", () => {
    expect(fenced("suggestion", ["run: echo ```x```", "x: ````"])).toBe("`````suggestion\nrun: echo ```x```\nx: ````\n`````");
  });

  it("writes an empty block for an empty replacement", () => {
    expect(fenced("suggestion", [])).toBe("```suggestion\n```");
  });
});

describe("Permalinks", () => {
  it("links single lines and ranges and encodes path segments", () => {
    expect(links.lines("a b/c#d.yml", 3, 3)).toBe(`https://github.com/acme/app/blob/${sha}/a%20b/c%23d.yml#L3`);
    expect(links.lines(file, 3, 5)).toBe(url("L3-L5"));
    expect(links.span(linesOf(file, text, 9, 10))).toBe(`[${file}:9](${url("L9-L10")})`);
  });
});

const DOCS_LINK = `[\`cache-overwrites-tag\` docs](${ruleDocs("cache-overwrites-tag")})`;
const MARKER = "<!-- tagguard:v1 fp=f00d rule=cache-overwrites-tag -->";
const IMPACT =
  "The export replaces the image: the tag then holds a BuildKit cache manifest, so deployments fail. " +
  'docker run reports "manifest unknown". Rebuilding does not help while the export stays.';

describe("commentBody", () => {
  it("renders the headline, related sites, the fix as a suggestion, the docs link and the marker", () => {
    expect(commentBody(cacheFinding(), { line: 11 }, { texts, links, docsBase })).toBe(
      [
        "**error** `cache-overwrites-tag`: cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image",
        "",
        "Related:",
        `- [${file}:10](${url("L10")}): the image tag pushed here`,
        "",
        "**Fix:** Export the cache to a dedicated tag",
        "",
        "```suggestion",
        "          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
        "```",
        "",
        DOCS_LINK,
        "",
        MARKER,
      ].join("\n"),
    );
  });

  it("explains why in at most two sentences, and says when the finding is only possible", () => {
    const f = cacheFinding({ confidence: "possible", related: [], message: `cache-to may write ghcr.io/acme/app:latest. ${IMPACT}` });
    expect(commentBody(f, { line: 11 }, { texts: new Map(), links, docsBase })).toBe(
      [
        "**error** `cache-overwrites-tag` (possible): cache-to may write ghcr.io/acme/app:latest.",
        "",
        'The export replaces the image: the tag then holds a BuildKit cache manifest, so deployments fail. docker run reports "manifest unknown".',
        "",
        "**Fix:** Export the cache to a dedicated tag",
        "",
        DOCS_LINK,
        "",
        MARKER,
      ].join("\n"),
    );
  });

  it("links to the first comment on the rule instead of repeating the why", () => {
    const first = cacheFinding({ primary: spanOf(file, text, 10, "ghcr.io/acme/app:latest") });
    const f = cacheFinding({ related: [], fix: undefined, message: `cache-to writes ghcr.io/acme/app:latest. ${IMPACT}` });
    expect(commentBody(f, { line: 11 }, { texts, links, docsBase }, { kind: "see", first })).toBe(
      [
        "**error** `cache-overwrites-tag`: cache-to writes ghcr.io/acme/app:latest.",
        "",
        `Why: see the first \`cache-overwrites-tag\` comment, on [${file}:10](${url("L10")}).`,
        "",
        DOCS_LINK,
        "",
        MARKER,
      ].join("\n"),
    );
  });

  it("keeps fewer than 80 words before the suggestion: related sites go first, then the why is shortened, then the headline", () => {
    const words = (n: number, w: string) => Array.from({ length: n }, () => w).join(" ");
    const long = cacheFinding({ message: `${words(30, "head")}. ${words(40, "why")}. Second ${words(10, "why")}.` });
    const body = commentBody(long, { line: 11 }, { texts, links, docsBase });
    expect(body.split("\n\n").slice(0, 4)).toEqual([
      `**error** \`cache-overwrites-tag\`: ${words(30, "head")}.`,
      `${words(39, "why")}…`,
      "**Fix:** Export the cache to a dedicated tag",
      "```suggestion\n          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max\n```",
    ]);
    const longer = cacheFinding({ message: `${words(100, "head")}.` });
    const cut = commentBody(longer, { line: 11 }, { texts, links, docsBase });
    const before = cut.slice(0, cut.indexOf("```suggestion"));
    expect(before).toBe(`**error** \`cache-overwrites-tag\`: ${words(69, "head")}…\n\n**Fix:** Export the cache to a dedicated tag\n\n`);
    expect(before.split(/\s+/).filter(Boolean)).toHaveLength(79);
  });

  it("shows the fix as a diff when its lines differ from the commented lines", () => {
    const f = cacheFinding({ primary: linesOf(file, text, 7, 11), related: [], fix: { ...cacheFinding().fix!, safe: false } });
    expect(commentBody(f, { startLine: 7, line: 11 }, { texts, links, docsBase })).toBe(
      [
        "**error** `cache-overwrites-tag`: cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image",
        "",
        "**Fix (review before applying):** Export the cache to a dedicated tag",
        "",
        `In [${file}:11](${url("L11")}):`,
        "",
        "```diff",
        "-          cache-to: type=registry,ref=ghcr.io/acme/app:latest,mode=max",
        "+          cache-to: type=registry,ref=ghcr.io/acme/app:buildcache,mode=max",
        "```",
        "",
        DOCS_LINK,
        "",
        MARKER,
      ].join("\n"),
    );
  });

  it("names the fix only, when the file text is unknown", () => {
    const body = commentBody(cacheFinding({ related: [] }), { line: 11 }, { texts: new Map(), links, docsBase });
    expect(body).toBe(
      [
        "**error** `cache-overwrites-tag`: cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image",
        "",
        "**Fix:** Export the cache to a dedicated tag",
        "",
        DOCS_LINK,
        "",
        MARKER,
      ].join("\n"),
    );
  });
});

describe("buildReview", () => {
  const wholeFile = new DiffMap([{ filename: file, status: "added", patch: "@@ -0,0 +1,11 @@\n" }]);
  const onlyLine9 = new DiffMap([{ filename: file, status: "modified", patch: "@@ -9,1 +9,1 @@\n-          push: false\n+          push: true" }]);

  it("comments inline with line and side, and a multi-line range with start_line and start_side", () => {
    const multi = finding({ primary: linesOf(file, text, 9, 10), fingerprint: "beef", ruleId: "push-without-tags", severity: "warning", confidence: "possible", message: "m" });
    const review = buildReview({ findings: [multi, cacheFinding()], diff: wholeFile, texts, links, docsBase, headSha: sha, notes: [] });
    expect(review.body).toBe("**tagguard** found 2 new problems in the workflows at `0123456`: 1 error, 1 warning (1 possible).");
    expect(review.comments.map(({ body, ...rest }) => rest)).toEqual([
      { path: file, line: 11, side: "RIGHT" },
      { path: file, start_line: 9, start_side: "RIGHT", line: 10, side: "RIGHT" },
    ]);
    expect(review.comments[1].body).toBe(
      `**warning** \`push-without-tags\` (possible): m\n\n[\`push-without-tags\` docs](${ruleDocs("push-without-tags")})\n\n<!-- tagguard:v1 fp=beef rule=push-without-tags -->`,
    );
  });

  it("gives the why once per rule: later comments on the rule link to the first", () => {
    const message = `cache-to writes ghcr.io/acme/app:latest. ${IMPACT}`;
    const first = cacheFinding({ message, related: [], fix: undefined, primary: spanOf(file, text, 10, "ghcr.io/acme/app:latest"), fingerprint: "a1" });
    const second = cacheFinding({ message, related: [], fix: undefined, fingerprint: "a2" });
    const other = finding({ primary: spanOf(file, text, 9, "push"), fingerprint: "b1", ruleId: "push-without-tags", message: `Pushed. ${IMPACT}` });
    const review = buildReview({ findings: [second, other, first], diff: wholeFile, texts, links, docsBase, headSha: sha, notes: [] });
    const why = 'The export replaces the image: the tag then holds a BuildKit cache manifest, so deployments fail. docker run reports "manifest unknown".';
    expect(review.comments.map((c) => [c.line, c.body.split("\n\n")[1]])).toEqual([
      [9, why],
      [10, why],
      [11, `Why: see the first \`cache-overwrites-tag\` comment, on [${file}:10](${url("L10")}).`],
    ]);
  });

  it("gives the why in a later comment on the rule when the first one had no room for it", () => {
    const long = Array.from({ length: 75 }, () => "word").join(" ");
    const first = cacheFinding({ message: `${long}. ${IMPACT}`, related: [], fix: undefined, primary: spanOf(file, text, 10, "ghcr.io/acme/app:latest"), fingerprint: "a1" });
    const second = cacheFinding({ message: `cache-to writes ghcr.io/acme/app:latest. ${IMPACT}`, related: [], fix: undefined, fingerprint: "a2" });
    const review = buildReview({ findings: [second, first], diff: wholeFile, texts, links, docsBase, headSha: sha, notes: [] });
    expect(review.comments.map((c) => c.body.split("\n\n").length)).toEqual([3, 4]);
    expect(review.comments[1].body.split("\n\n")[1]).toBe(
      'The export replaces the image: the tag then holds a BuildKit cache manifest, so deployments fail. docker run reports "manifest unknown".',
    );
  });

  it("falls back to the first line of a range that leaves the hunk, without a suggestion", () => {
    const f = cacheFinding({ primary: linesOf(file, text, 9, 11), related: [] });
    const review = buildReview({ findings: [f], diff: onlyLine9, texts, links, docsBase, headSha: sha, notes: [] });
    expect(review.comments).toHaveLength(1);
    expect(review.comments[0].line).toBe(9);
    expect(review.comments[0].start_line).toBeUndefined();
    expect(review.comments[0].body).not.toContain("```suggestion");
  });

  it("lists findings outside the diff in the body with their markers, related locations, fix and notes", () => {
    const review = buildReview({ findings: [cacheFinding()], diff: onlyLine9, texts, links, docsBase, headSha: sha, notes: ["`big.yml` is large."] });
    expect(review.comments).toEqual([]);
    expect(review.body).toBe(
      [
        "**tagguard** found 1 new problem in the workflows at `0123456`: 1 error.",
        "",
        "**Outside the diff**",
        "",
        `- **error** \`cache-overwrites-tag\` (definite) at [${file}:11](${url("L11")}): cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image ${DOCS_LINK} <!-- tagguard:v1 fp=f00d rule=cache-overwrites-tag -->`,
        `  - related: [${file}:10](${url("L10")}): the image tag pushed here`,
        "  - **Fix:** Export the cache to a dedicated tag",
        "",
        "**Notes**",
        "",
        "- `big.yml` is large.",
      ].join("\n"),
    );
  });

  it("caps inline comments and moves the overflow to the body, errors first", () => {
    const many = Array.from({ length: 4 }, (_, i) =>
      finding({ primary: spanOf(file, text, 8 + i, text.split("\n")[7 + i].trim()), fingerprint: `fp${i}`, severity: i === 0 ? "info" : "error", message: `m${i}` }),
    );
    const review = buildReview({ findings: many, diff: wholeFile, texts, links, docsBase, headSha: sha, notes: [], maxInline: 2 });
    expect(review.comments.map((c) => c.line)).toEqual([9, 10]);
    expect(review.body).toBe(
      [
        "**tagguard** found 4 new problems in the workflows at `0123456`: 3 errors, 1 info.",
        "",
        "**Over the limit of 2 inline comments**",
        "",
        `- **error** \`cache-overwrites-tag\` (definite) at [${file}:11](${url("L11")}): m3 ${DOCS_LINK} <!-- tagguard:v1 fp=fp3 rule=cache-overwrites-tag -->`,
        `- **info** \`cache-overwrites-tag\` (definite) at [${file}:8](${url("L8")}): m0 ${DOCS_LINK} <!-- tagguard:v1 fp=fp0 rule=cache-overwrites-tag -->`,
      ].join("\n"),
    );
  });

  it("points the findings over the cap to the check run, recording them as posted with their markers", () => {
    const many = Array.from({ length: 4 }, (_, i) =>
      finding({ primary: spanOf(file, text, 8 + i, text.split("\n")[7 + i].trim()), fingerprint: `fp${i}`, message: `m${i}` }),
    );
    const outside = cacheFinding({ related: [], fix: undefined });
    const checkUrl = "https://github.com/acme/app/runs/9";
    const review = buildReview({ findings: [...many, outside], diff: onlyLine9, texts, links, docsBase, headSha: sha, notes: [], maxInline: 1, checkUrl });
    expect(review.comments.map((c) => c.line)).toEqual([9]);
    expect(review.body).toBe(
      [
        `**tagguard** found 5 new problems in the workflows at \`0123456\`: 5 errors. The [tagguard check](${checkUrl}) lists every finding.`,
        "",
        "**Outside the diff**",
        "",
        `- **error** \`cache-overwrites-tag\` (definite) at [${file}:8](${url("L8")}): m0 ${DOCS_LINK} <!-- tagguard:v1 fp=fp0 rule=cache-overwrites-tag -->`,
        `- **error** \`cache-overwrites-tag\` (definite) at [${file}:10](${url("L10")}): m2 ${DOCS_LINK} <!-- tagguard:v1 fp=fp2 rule=cache-overwrites-tag -->`,
        `- **error** \`cache-overwrites-tag\` (definite) at [${file}:11](${url("L11")}): m3 ${DOCS_LINK} <!-- tagguard:v1 fp=fp3 rule=cache-overwrites-tag -->`,
        `- **error** \`cache-overwrites-tag\` (definite) at [${file}:11](${url("L11")}): cache-to writes ghcr.io/acme/app:latest, which this step pushes as an image ${DOCS_LINK} <!-- tagguard:v1 fp=f00d rule=cache-overwrites-tag -->`,
      ].join("\n"),
    );
  });

  it("says how many findings over the cap the check run annotates, one marker each", () => {
    const many = Array.from({ length: 4 }, (_, i) => finding({ primary: spanOf(file, text, 11, "cache-to"), fingerprint: `fp${i}` }));
    const checkUrl = "https://github.com/acme/app/runs/9";
    const review = buildReview({ findings: many, diff: wholeFile, texts, links, docsBase, headSha: sha, notes: ["a note"], maxInline: 2, checkUrl });
    expect(review.comments).toHaveLength(2);
    expect(review.body).toBe(
      [
        `**tagguard** found 4 new problems in the workflows at \`0123456\`: 4 errors. The [tagguard check](${checkUrl}) lists every finding.`,
        "",
        `2 more findings in the diff are over the limit of 2 inline comments: the [tagguard check](${checkUrl}) annotates every finding. <!-- tagguard:v1 fp=fp2 rule=cache-overwrites-tag --> <!-- tagguard:v1 fp=fp3 rule=cache-overwrites-tag -->`,
        "",
        "**Notes**",
        "",
        "- a note",
      ].join("\n"),
    );
  });

  it("leaves markers that do not fit the body size limit out, pointing to the check run for every finding", () => {
    const many = Array.from({ length: 30 }, (_, i) => finding({ primary: spanOf(file, text, 11, "cache-to"), fingerprint: `fp${i}` }));
    const checkUrl = "https://github.com/acme/app/runs/9";
    const review = buildReview({ findings: many, diff: wholeFile, texts: new Map(), links, docsBase, headSha: sha, notes: [], maxInline: 1, maxBodyChars: 1000, checkUrl });
    expect(review.body.length).toBeLessThanOrEqual(1000);
    const marked = review.body.match(/fp=fp\d+/g) ?? [];
    expect(marked).toEqual(Array.from({ length: marked.length }, (_, i) => `fp=fp${i + 1}`));
    expect(review.body).toContain(`\n\n${marked.length} more findings in the diff are over the limit of 1 inline comments: `);
    expect(review.body.endsWith(`\n\n${29 - marked.length} more findings did not fit into this review and will be reported on the next run. The [tagguard check](${checkUrl}) lists every finding.`)).toBe(true);
  });

  it("caps inline comments at 20 by default", () => {
    const many = Array.from({ length: 25 }, (_, i) => finding({ primary: spanOf(file, text, 11, "cache-to"), fingerprint: `fp${i}` }));
    const review = buildReview({ findings: many, diff: wholeFile, texts: new Map(), links, docsBase, headSha: sha, notes: [] });
    expect(review.comments).toHaveLength(20);
    expect(review.body.match(/<!-- tagguard:v1 fp=/g)).toHaveLength(5);
  });

  it("leaves findings that do not fit the body size limit unmarked, to be posted on the next run", () => {
    const many = Array.from({ length: 3 }, (_, i) => finding({ primary: spanOf(file, text, 11, "cache-to"), fingerprint: `fp${i}`, message: "x".repeat(100) }));
    const review = buildReview({ findings: many, diff: onlyLine9, texts, links, docsBase, headSha: sha, notes: [], maxBodyChars: 1300 });
    expect(review.body.length).toBeLessThanOrEqual(1300);
    expect(review.body.match(/fp=fp\d/g)).toEqual(["fp=fp0", "fp=fp1"]);
    expect(review.body.endsWith("\n\n1 more finding did not fit into this review and will be reported on the next run.")).toBe(true);
  });

  it("keeps engine text from forging markers or breaking list items", () => {
    const f = finding({ primary: spanOf(file, text, 11, "cache-to"), fingerprint: "x1", message: "line one\nline two <!-- tagguard:v1 all-clear -->" });
    const review = buildReview({ findings: [f], diff: onlyLine9, texts, links, docsBase, headSha: sha, notes: [] });
    expect(review.body.split("\n")[4]).toBe(
      `- **error** \`cache-overwrites-tag\` (definite) at [${file}:11](${url("L11")}): line one line two &lt;!-- tagguard:v1 all-clear --> ${DOCS_LINK} <!-- tagguard:v1 fp=x1 rule=cache-overwrites-tag -->`,
    );
  });

  it("can move every inline comment into the body with a reason", () => {
    const review = withoutInlineComments({ findings: [cacheFinding()], diff: wholeFile, texts, links, docsBase, headSha: sha, notes: [] }, "GitHub said no.");
    expect(review.comments).toEqual([]);
    expect(review.body).toContain("**Outside the diff**");
    expect(review.body).toContain("<!-- tagguard:v1 fp=f00d rule=cache-overwrites-tag -->");
    expect(review.body.endsWith("**Notes**\n\n- GitHub said no.")).toBe(true);
  });
});

describe("allClearReview", () => {
  it("says once that everything is fixed, with the all-clear marker", () => {
    expect(allClearReview(sha)).toEqual({
      body: "**tagguard**: every problem reported earlier on this pull request is fixed at `0123456`.\n\n<!-- tagguard:v1 all-clear -->",
      comments: [],
    });
  });
});
