import { readFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** tagguard's docs at the tag of the version under test, as every link in its output names them. */
export const DOCS = `https://github.com/tagguard/tagguard/blob/v${version}/docs/`;

/** A rule's docs page. */
export const ruleDocs = (id: string) => `${DOCS}rules/${id}.md`;
