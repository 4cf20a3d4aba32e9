import type { ProbotOctokit } from "probot";
import { openFingerprints, type PostedItem } from "./markers.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export type PullRef = {
  owner: string;
  repo: string;
  pull_number: number;
};

/**
 * Fingerprints the App has already posted on the pull request and not yet declared fixed, read from
 * its own reviews and review comments (filtered client-side by author and marker).
 */
export async function postedFingerprints(octokit: Octokit, pull: PullRef, botLogin: string): Promise<Set<string>> {
  const params = { ...pull, per_page: 100 };
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, params);
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, params);
  const items: PostedItem[] = [
    ...comments.filter((c) => c.user?.login === botLogin).map((c) => ({ at: c.created_at, body: c.body })),
    ...reviews.filter((r) => r.user?.login === botLogin).map((r) => ({ at: r.submitted_at ?? new Date(0).toISOString(), body: r.body })),
  ];
  return openFingerprints(items);
}
