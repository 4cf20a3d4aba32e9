import type { Hole, Template } from "../../src/workflow/expr/value.js";

/** A literal template. */
export const L = (s: string): Template => (s === "" ? [] : [{ lit: s }]);

/** A hole part. */
export const H = (source: string, extra: Omit<Hole, "source"> = {}): { hole: Hole } => ({ hole: { source, ...extra } });

/** A template from literal strings and hole parts. */
export const T = (...parts: (string | { hole: Hole })[]): Template => parts.map((p) => (typeof p === "string" ? { lit: p } : p));
