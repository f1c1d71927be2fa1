import type { getOctokit } from '@actions/github';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { SentinelError, errorMessage } from './errors.js';
import { HttpError, type HttpClient } from './http.js';
import type { RunEvent } from './event.js';
import type { JsonReport } from './report.js';
import type { Result } from './results.js';

/** The `comment` input: `auto` on pull-request related events, `always` whenever a PR is known, or `never`. */
export type CommentMode = 'auto' | 'always' | 'never';

/** What publishing to GitHub needs from the inputs. */
export interface GitHubSettings {
  /** The `github-token` input; nothing is published without it. */
  token?: string;
  comment: CommentMode;
  /** The commit verified, when the event names none. */
  commit: string;
}

/** The check run's conclusion for a result: `superseded` is neutral, any failure a failure. */
export function checkConclusion(result: Result): GitHubReport['conclusion'] {
  return result === 'passed' ? 'success' : result === 'superseded' ? 'neutral' : 'failure';
}

/**
 * The sticky PR comment and the check run for a published verdict, with the GitHub context read from the
 * runner's environment and the event. Returns warnings only: the verdict is already published.
 */
export async function publishVerdict(options: {
  settings: GitHubSettings;
  event: RunEvent;
  report: JsonReport;
  markdown: string;
  dispatcher: Dispatcher;
  env: Record<string, string | undefined>;
}): Promise<string[]> {
  const { settings, event, report, env, dispatcher } = options;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!settings.token || !owner || !repo) return [];
  const apiUrl = env.GITHUB_API_URL || 'https://api.github.com';
  const sha = event.deploymentStatus?.sha || event.pullRequest?.headSha || env.GITHUB_SHA || settings.commit;
  const warnings: string[] = [];
  let pullNumber = event.pullRequest?.number ?? event.deploymentStatus?.pullNumber;
  if (pullNumber === undefined && settings.comment !== 'never' && event.deploymentStatus) {
    try {
      pullNumber = await pullRequestForCommit({
        token: settings.token,
        apiUrl,
        dispatcher,
        owner,
        repo,
        sha,
      });
    } catch (error) {
      warnings.push(
        `Could not find the pull request of commit ${sha.slice(0, 12)} for the comment: ${errorMessage(error)}.`,
      );
    }
  }
  const context: GitHubContext = {
    owner,
    repo,
    eventName: event.name,
    sha,
    pullNumber,
    environment:
      event.deploymentStatus?.environment ||
      report.deploy.service ||
      (report.url ? new URL(report.url).host : 'service'),
    workflow: env.GITHUB_WORKFLOW ?? 'workflow',
    runUrl: `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
  };
  const published = await publishToGitHub({
    token: settings.token,
    apiUrl,
    dispatcher,
    context,
    comment: settings.comment,
    report: {
      result: report.result,
      conclusion: checkConclusion(report.result),
      title: `${report.result}${report.failureReason ? ` (${report.failureReason})` : ''}`,
      markdown: options.markdown,
      deployUrl: report.deploy.dashboardUrl,
    },
  });
  return [...warnings, ...published.warnings];
}

/** Why a file could not be read from the repository, and what to do about it. */
export class RepositoryFileError extends SentinelError {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. Fix: ${fix}`);
  }
}

/**
 * Reads one file of the repository at `ref` through the contents API (raw media type), with the job's
 * token, on the run's HTTP client. The token goes to GITHUB_API_URL only. No token, a missing file or a
 * missing `contents: read` permission is a RepositoryFileError that says what to do.
 */
export async function readRepositoryFile(options: {
  http: HttpClient;
  token?: string;
  env: Record<string, string | undefined>;
  path: string;
  ref?: string;
}): Promise<string> {
  const { env, path } = options;
  const at = `at commit ${(options.ref ?? 'HEAD').slice(0, 12)}`;
  if (!options.token) {
    throw new RepositoryFileError(
      `could not be read from the repository ${at}: \`github-token\` is empty`,
      "leave `github-token` at its default (the job's token) with `permissions: { contents: read }`, or give the checks inline",
    );
  }
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const segments = (text: string): string => text.split('/').map(encodeURIComponent).join('/');
  const url = new URL(`${apiUrl}/repos/${segments(env.GITHUB_REPOSITORY ?? '')}/contents/${segments(path)}`);
  if (options.ref) url.searchParams.set('ref', options.ref);
  let response;
  try {
    response = await options.http.request({
      url,
      headers: {
        accept: 'application/vnd.github.raw+json',
        authorization: `Bearer ${options.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'deploy-sentinel',
      },
    });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    throw new RepositoryFileError(
      `could not be read from the repository ${at}: ${error.message}`,
      "check `GITHUB_API_URL`, and rerun the job; GitHub's status page may show an incident",
    );
  }
  if (response.status === 200) return response.text();
  if (response.status === 404) {
    throw new RepositoryFileError(
      `is not in the repository ${at} (the GitHub API answered 404)`,
      'give its path relative to the repository root, or give the checks inline',
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new RepositoryFileError(
      `could not be read from the repository ${at}: the job's token was refused (${response.status})`,
      'add `permissions: { contents: read }` to the job (with other permissions listed, `contents: read` must be among them)',
    );
  }
  throw new RepositoryFileError(
    `could not be read from the repository ${at}: the GitHub API answered ${response.status}`,
    "rerun the job; GitHub's status page may show an incident",
  );
}

/** Where the run happens on GitHub, read from the runner's environment and event payload. */
export interface GitHubContext {
  owner: string;
  repo: string;
  eventName: string;
  /** The commit the check run is attached to. */
  sha: string;
  /** The pull request the run is about, when there is one (pull_request events, or found by commit). */
  pullNumber?: number;
  /** Names the sticky comment and the check run, e.g. "production" or "shop-api PR #12". */
  environment: string;
  workflow: string;
  runUrl: string;
}

/** What the PR comment and the check run say. */
export interface GitHubReport {
  result: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  /** The job summary's markdown, already redacted. */
  markdown: string;
  deployUrl?: string;
}

/** What publishing to GitHub did; warnings never change the verdict. */
export interface GitHubPublication {
  commentId?: number;
  commentAction?: 'created' | 'updated';
  checkRunId?: number;
  warnings: string[];
}

/** GitHub caps a comment body and a check run's summary at 65,536 characters. */
const MAX_BODY = 65_000;

/** The hidden marker that finds the sticky comment again: one per workflow and environment. */
export function commentMarker(context: Pick<GitHubContext, 'workflow' | 'environment'>): string {
  const clean = (text: string) => text.replace(/--+>?/g, '-').replace(/[\r\n]/g, ' ');
  return `<!-- deploy-sentinel: ${clean(context.workflow)} / ${clean(context.environment)} -->`;
}

/** Whether to comment: `auto` only for runs about a pull request, `always` whenever a PR is known. */
export function shouldComment(mode: CommentMode, context: GitHubContext): boolean {
  if (mode === 'never' || context.pullNumber === undefined) return false;
  if (mode === 'always') return true;
  return ['pull_request', 'pull_request_target', 'deployment_status'].includes(context.eventName);
}

/**
 * Posts the verdict where people look: a sticky PR comment (created once, then updated in place) and
 * a check run named after the environment. A token without the permission for one of them gets a
 * warning that names the missing permission; the verdict stands either way.
 */
export async function publishToGitHub(options: {
  token: string;
  apiUrl: string;
  dispatcher: Dispatcher;
  context: GitHubContext;
  report: GitHubReport;
  comment: CommentMode;
}): Promise<GitHubPublication> {
  const { context, report } = options;
  const octokit = await octokitFor(options);
  const publication: GitHubPublication = { warnings: [] };
  const repo = { owner: context.owner, repo: context.repo };

  try {
    const created = await octokit.rest.checks.create({
      ...repo,
      name: `Deploy Sentinel (${context.environment})`,
      head_sha: context.sha,
      status: 'completed',
      conclusion: report.conclusion,
      details_url: context.runUrl,
      output: { title: report.title, summary: truncate(report.markdown) },
    });
    publication.checkRunId = created.data.id;
  } catch (error) {
    publication.warnings.push(permissionWarning(error, 'the check run', 'checks: write'));
  }

  if (shouldComment(options.comment, context)) {
    try {
      const marker = commentMarker(context);
      const body = truncate(
        `${marker}\n${report.markdown}\n\n` +
          `[Workflow run](${context.runUrl})${report.deployUrl ? ` · [Deploy](${report.deployUrl})` : ''} · ` +
          `updated ${new Date().toISOString()}\n`,
      );
      const issue = { ...repo, issue_number: context.pullNumber as number };
      const existing = await findComment(octokit, issue, marker);
      if (existing) {
        await octokit.rest.issues.updateComment({ ...repo, comment_id: existing, body });
        publication.commentId = existing;
        publication.commentAction = 'updated';
      } else {
        const made = await octokit.rest.issues.createComment({ ...issue, body });
        publication.commentId = made.data.id;
        publication.commentAction = 'created';
      }
    } catch (error) {
      publication.warnings.push(permissionWarning(error, 'the pull request comment', 'pull-requests: write'));
    }
  }
  return publication;
}

/** Finds the pull request a commit belongs to (deployment_status events carry none). */
export async function pullRequestForCommit(options: {
  token: string;
  apiUrl: string;
  dispatcher: Dispatcher;
  owner: string;
  repo: string;
  sha: string;
}): Promise<number | undefined> {
  const octokit = await octokitFor(options);
  const pulls = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    owner: options.owner,
    repo: options.repo,
    commit_sha: options.sha,
  });
  return pulls.data.find((pull) => pull.state === 'open')?.number ?? pulls.data[0]?.number;
}

type Octokit = ReturnType<typeof getOctokit>;

/**
 * A GitHub client for one token. Octokit (a megabyte bundled) loads here, on the first call, so a run with
 * nothing to publish never loads it. Its requests go through the run's one dispatcher, like every other
 * request the action sends.
 */
async function octokitFor(options: {
  token: string;
  apiUrl: string;
  dispatcher: Dispatcher;
}): Promise<Octokit> {
  const { getOctokit: create } = await import('@actions/github');
  return create(options.token, {
    baseUrl: options.apiUrl,
    request: {
      fetch: (url: string, init: object) => undiciFetch(url, { ...init, dispatcher: options.dispatcher }),
    },
  });
}

async function findComment(
  octokit: Octokit,
  issue: { owner: string; repo: string; issue_number: number },
  marker: string,
): Promise<number | undefined> {
  // At most 10 pages of 100: a PR with more comments than that gets a new sticky comment, not a hang.
  for (let page = 1; page <= 10; page++) {
    const { data } = await octokit.rest.issues.listComments({ ...issue, per_page: 100, page });
    // Only a bot's comment is ours to overwrite: a person quoting the marker keeps their comment.
    const found = data.find((comment) => comment.user?.type === 'Bot' && comment.body?.includes(marker));
    if (found) return found.id;
    if (data.length < 100) return undefined;
  }
  return undefined;
}

function truncate(text: string): string {
  return text.length <= MAX_BODY
    ? text
    : `${text.slice(0, MAX_BODY)}\n\n… (cut: see the job summary for the rest)\n`;
}

/** A failed GitHub call in words; a 403/404 from the token's permissions names the one to grant. */
function permissionWarning(error: unknown, what: string, permission: string): string {
  const status = (error as { status?: number }).status;
  const message = errorMessage(error);
  if (status === 403 || status === 404) {
    return (
      `Could not publish ${what}: GitHub answered ${status} (${message}). The token probably lacks ` +
      `\`${permission}\`; add \`permissions: { ${permission} }\` to the job. The verdict is unaffected.`
    );
  }
  return `Could not publish ${what}: ${message}. The verdict is unaffected.`;
}
