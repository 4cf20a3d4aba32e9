import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const NAME = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

/** Whether text is a repository's `owner/name` as GitHub spells them. */
export function isRepositoryName(text: string): boolean {
  return NAME.test(text);
}

/**
 * The `owner/name` of the `origin` remote in a git config file's text: `https://host/owner/name(.git)`,
 * `git@host:owner/name(.git)` or `ssh://git@host/owner/name`. Undefined when there is no such remote or its URL
 * does not end in a repository name.
 */
export function originRepository(config: string): string | undefined {
  let inOrigin = false;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[\s*remote\s+"([^"]*)"\s*\]$/.exec(line);
    if (section || line.startsWith("[")) {
      inOrigin = section?.[1] === "origin";
      continue;
    }
    const url = inOrigin ? /^url\s*=\s*(.+)$/.exec(line)?.[1].trim() : undefined;
    if (!url) continue;
    // A hosted remote only (https://host/…, ssh://git@host/…, git@host:…); a local path names no GitHub repository.
    const path = (/^(?:https?|ssh|git):\/\/[^/]+\/(.+)$/i.exec(url) ?? /^[^@/:]+@[^:/]+:(.+)$/.exec(url))?.[1];
    if (!path) return undefined;
    const parts = path.replace(/\.git\/?$/, "").replace(/\/$/, "").split("/");
    const name = parts.slice(-2).join("/");
    return parts.length >= 2 && isRepositoryName(name) ? name : undefined;
  }
  return undefined;
}

/** The `origin` repository of the git checkout at `dir` (its `.git` directory), when it has one. */
export function checkoutRepository(dir: string): string | undefined {
  const config = join(dir, ".git", "config");
  try {
    if (!statSync(config).isFile() || statSync(config).size > 1 << 20) return undefined;
    return originRepository(readFileSync(config, "utf8"));
  } catch {
    return undefined;
  }
}
