import type { ProbotOctokit } from "probot";
import type { StoreMemory } from "../runtime/memory.js";
import { hasIncidentMarker, incidentTitle, reportedDigests, type TagKey, tagRef } from "./incident.js";

/** What tells one kind of incident from another: its marker, its title and the digests it records as reported. */
export interface IncidentKind {
  hasMarker(body: string | null | undefined, key: TagKey): boolean;
  title(key: TagKey): string;
  reportedDigests(body: string | null | undefined): string[];
}

/** A BuildKit cache on an image tag (the default kind). */
export const CACHE_INCIDENT: IncidentKind = { hasMarker: hasIncidentMarker, title: incidentTitle, reportedDigests };

type Octokit = InstanceType<typeof ProbotOctokit>;

/** The label every incident carries; open incidents are listed by it. */
export const INCIDENT_LABEL = "tagguard-incident";
const LABEL_COLOR = "b60205";
const LABEL_DESCRIPTION = "A published image tag holds a BuildKit cache instead of a runnable image (tagguard)";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface OpenIncident {
  number: number;
  body: string;
}

function status(err: unknown): number | undefined {
  const s = typeof err === "object" && err !== null ? (err as { status?: unknown }).status : undefined;
  return typeof s === "number" ? s : undefined;
}

/**
 * The incident issues of one repository, as the App's installation sees them. An incident is an open
 * issue with the label, written by the App, whose body carries the image:tag marker. `memory` (in the
 * store, shared by every replica) holds the numbers of incidents opened, so an incident is found even
 * when the issue list lags behind a just-created issue.
 */
export class IncidentIssues {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
    private readonly botLogin: string,
    private readonly memory: StoreMemory<number>,
    private readonly kind: IncidentKind = CACHE_INCIDENT,
  ) {}

  private memoryKey(key: TagKey): string {
    return `${this.repo.owner}/${this.repo.repo}|${tagRef(key)}`;
  }

  private isIncident(issue: { user?: { login?: string } | null; body?: string | null }, key: TagKey): boolean {
    return issue.user?.login === this.botLogin && this.kind.hasMarker(issue.body, key);
  }

  /** The open incident for `key` (the oldest, should there be several), or undefined. */
  async findOpen(key: TagKey): Promise<OpenIncident | undefined> {
    const issues = await this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
      ...this.repo,
      state: "open",
      labels: INCIDENT_LABEL,
      per_page: 100,
    });
    const found = issues.filter((i) => !i.pull_request && this.isIncident(i, key)).sort((a, b) => a.number - b.number)[0];
    if (found) {
      await this.memory.set(this.memoryKey(key), found.number);
      return { number: found.number, body: found.body ?? "" };
    }
    const remembered = await this.memory.get(this.memoryKey(key));
    if (remembered === undefined) return undefined;
    const { data } = await this.octokit.rest.issues.get({ ...this.repo, issue_number: remembered });
    if (data.state === "open" && this.isIncident(data, key)) return { number: data.number, body: data.body ?? "" };
    await this.memory.delete(this.memoryKey(key));
    return undefined;
  }

  /** Whether the incident (its body, or one of the App's comments on it) already reports `digest`. */
  async hasReported(incident: OpenIncident, digest: string): Promise<boolean> {
    if (this.kind.reportedDigests(incident.body).includes(digest)) return true;
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.repo,
      issue_number: incident.number,
      per_page: 100,
    });
    return comments.some((c) => c.user?.login === this.botLogin && this.kind.reportedDigests(c.body).includes(digest));
  }

  /** Opens an incident (creating the label first when the repository lacks it); returns the issue number. */
  async open(key: TagKey, body: string): Promise<number> {
    await this.ensureLabel();
    const { data } = await this.octokit.rest.issues.create({ ...this.repo, title: this.kind.title(key), body, labels: [INCIDENT_LABEL] });
    await this.memory.set(this.memoryKey(key), data.number);
    return data.number;
  }

  async comment(issueNumber: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ ...this.repo, issue_number: issueNumber, body });
  }

  /** Comments and closes the incident as completed. */
  async close(key: TagKey, issueNumber: number, body: string): Promise<void> {
    await this.comment(issueNumber, body);
    await this.octokit.rest.issues.update({ ...this.repo, issue_number: issueNumber, state: "closed", state_reason: "completed" });
    await this.memory.delete(this.memoryKey(key));
  }

  private async ensureLabel(): Promise<void> {
    try {
      await this.octokit.rest.issues.getLabel({ ...this.repo, name: INCIDENT_LABEL });
      return;
    } catch (err) {
      if (status(err) !== 404) throw err;
    }
    try {
      await this.octokit.rest.issues.createLabel({ ...this.repo, name: INCIDENT_LABEL, color: LABEL_COLOR, description: LABEL_DESCRIPTION });
    } catch (err) {
      if (status(err) !== 422) throw err;
    }
  }
}
