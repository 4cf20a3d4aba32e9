/**
 * Resolving the review threads of fixed findings. A thread the App started carries its finding's marker;
 * once a push makes that finding disappear, the thread is resolved so the conversation shows only what
 * is still open. The review that announces the fixes stays; threads a person resolved stay resolved.
 */

import type { ProbotOctokit } from "probot";
import type { Finding } from "../../report/finding.js";
import type { ReviewThread } from "../github/repo-files.js";
import { parseMarkers } from "./markers.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * The open threads the App (`slug`) started on findings none of which is among `findings` any more, on
 * files that were analysed at the head (`analysed`): a file that could not be read fixes nothing. A
 * thread without a finding marker is never touched.
 */
export function fixedThreads(threads: readonly ReviewThread[], slug: string, findings: readonly Finding[], analysed: ReadonlySet<string> | ReadonlyMap<string, unknown>): ReviewThread[] {
  const current = new Set(findings.map((f) => f.fingerprint));
  return threads.filter((t) => {
    if (t.resolved || t.author !== slug || !analysed.has(t.path)) return false;
    const { fingerprints } = parseMarkers(t.body);
    return fingerprints.length > 0 && fingerprints.every((fp) => !current.has(fp));
  });
}

/** Resolves the threads in one GraphQL request: one aliased `resolveReviewThread` per thread. */
export async function resolveThreads(octokit: Octokit, threads: readonly ReviewThread[]): Promise<void> {
  if (threads.length === 0) return;
  const params = threads.map((_, i) => `$t${i}: ID!`).join(", ");
  const fields = threads.map((_, i) => `r${i}: resolveReviewThread(input: { threadId: $t${i} }) { thread { id isResolved } }`).join(" ");
  const variables = Object.fromEntries(threads.map((t, i) => [`t${i}`, t.id]));
  await octokit.graphql(`mutation tagguardResolveThreads(${params}) { ${fields} }`, variables);
}
