#!/usr/bin/env node
// Completes package-lock.json with the platform-specific optional packages that a registry mirror
// serving only this machine's platform leaves out (e.g. @unrs/resolver-binding-darwin-arm64).
// npm writes a lockfile without them, then `npm ci` refuses it as "not in sync". Each added entry
// carries the os/cpu/libc its name encodes, so npm skips it on other platforms and resolves it from
// the registry where it applies. Run after `npm install` on such a mirror:
//   node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const OS = ["android", "darwin", "freebsd", "linux", "openharmony", "win32", "sunos", "aix", "netbsd", "openbsd"];
const CPU = ["arm", "arm64", "x64", "ia32", "loong64", "ppc64", "riscv64", "s390x", "wasm32", "mips64el"];

/** os, cpu and libc from a name such as `resolver-binding-linux-arm-musleabihf`; undefined if it names no platform. */
function platformOf(name) {
  const words = name.slice(name.lastIndexOf("/") + 1).split("-");
  const os = words.find((w) => OS.includes(w));
  const cpu = words.find((w) => CPU.includes(w));
  if (!os || !cpu) return undefined;
  const libc = words.some((w) => w.startsWith("musl")) ? "musl" : words.some((w) => w.startsWith("gnu")) ? "glibc" : undefined;
  return { os, cpu, libc: os === "linux" ? libc : undefined };
}

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const added = [];
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const at = `${path ? `${path}/` : ""}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (lock.packages[at] || lock.packages[hoisted]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+/.test(version)) continue;
    lock.packages[hoisted] = {
      version,
      cpu: [platform.cpu],
      ...(pkg.dev ? { dev: true } : {}),
      ...(platform.libc ? { libc: [platform.libc] } : {}),
      optional: true,
      os: [platform.os],
    };
    added.push(`${dep}@${version}`);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length} entries:\n  ${added.join("\n  ")}` : "lockfile already complete");
