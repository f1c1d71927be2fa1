/**
 * The GitHub operations the emulator serves, by operationId, answered from the scenario state
 * (github-state.ts). A handler sees a request that passed routing, the contract, auth and permissions;
 * what it answers is checked against the contract on the way out (github-emulator.ts). GitHub's rules the
 * description states in prose only (a comment body's length, a completed check run's conclusion) are
 * checked here: breaking one is answered 422, as GitHub would, and is a violation.
 */
import type { GitHubOperation } from './github-contract.js';
import {
  COMMENT_BODY_LIMIT,
  GITHUB_ACTIONS_APP,
  type CheckRunConclusion,
  type CheckRunRecord,
  type CheckRunStatus,
  type GitHubState,
  type TokenState,
} from './github-state.js';
import type { Reply } from './http-emulator.js';
import type { Json } from './openapi.js';

export interface GitHubReply extends Reply {
  /** The body is a custom media type (raw file contents): the contract checks the status only. */
  raw?: boolean;
}

export interface Context {
  operation: GitHubOperation;
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  caller: TokenState | undefined;
  /** The request's `Accept` header, for custom media types. */
  accept: string;
  /** The request's own query, to carry into `Link` URLs. */
  search: URLSearchParams;
  /** The concrete path after the base path, after `/repos/{owner}/{repo}`: `/issues/7/comments`. */
  repoRelativePath: string;
}

export interface LinkOptions {
  /** `''` or GitHub Enterprise Server's `/api/v3`. */
  basePath: string;
  /** How `Link` URLs name the repository; GitHub uses `/repositories/{id}`. */
  linkStyle: 'repository-id' | 'owner-repo';
}

/** GitHub's error body. */
export function error(
  status: number,
  message: string,
  docsUrl = 'https://docs.github.com/rest',
): GitHubReply {
  return { status, body: { message, documentation_url: docsUrl, status: String(status) } };
}

export function notFound(operation?: GitHubOperation): GitHubReply {
  return error(404, 'Not Found', operation?.docsUrl);
}

/** A 422 the way GitHub words one; `problems` become its message and `errors`. */
export function invalid(operation: GitHubOperation, problems: string[], resource: string): GitHubReply {
  return {
    status: 422,
    body: {
      message: `Invalid request.\n\n${problems.join('\n')}`,
      documentation_url: operation.docsUrl,
      errors: problems.map((message) => ({ resource, code: 'custom', message })),
      status: '422',
    },
  };
}

/** `Accept: application/vnd.github.raw+json` (or `.raw`, `.v3.raw`): the raw file contents. */
const RAW_MEDIA_TYPE = /application\/vnd\.github(?:\.v3)?\.raw(\+json)?/i;

/** The handlers, by operationId (every operation of github-operations.ts has one). */
export function githubRoutes(
  state: GitHubState,
  links: LinkOptions,
  violations: string[],
): Record<string, (context: Context) => GitHubReply> {
  const { owner, repo, repositoryId, comments, checkRuns, pulls, deployments, timestamp, serverUrl } = state;
  const { findComment, isFork, commentJson, checkRunJson, deploymentJson, deploymentStatusJson } = state;

  /** `per_page` (default 30, capped at 100) and `page`, with GitHub's `Link` header. */
  const paged = <T>(items: T[], context: Context): { page: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(context.query.per_page ?? 30) || 30));
    const page = Math.max(1, Number(context.query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    if (last === 1) return { page: slice, headers: {} };
    const path =
      links.linkStyle === 'repository-id'
        ? `${links.basePath}/repositories/${repositoryId}${context.repoRelativePath}`
        : `${links.basePath}/repos/${owner}/${repo}${context.repoRelativePath}`;
    const origin = new URL(state.api).origin;
    const linkTo = (target: number, rel: string) => {
      const search = new URLSearchParams(context.search);
      search.set('page', String(target));
      return `<${origin}${path}?${search.toString()}>; rel="${rel}"`;
    };
    const pageLinks: string[] = [];
    if (page > 1) pageLinks.push(linkTo(Math.min(page - 1, last), 'prev'));
    if (page < last) pageLinks.push(linkTo(page + 1, 'next'), linkTo(last, 'last'));
    if (page > 1) pageLinks.push(linkTo(1, 'first'));
    return { page: slice, headers: { Link: pageLinks.join(', ') } };
  };

  /** GitHub's rules the schema leaves to prose: a violation, answered 422 as GitHub would. */
  const ruleBroken = (context: Context, problems: string[], resource: string): GitHubReply => {
    violations.push(
      ...problems.map((problem) => `${context.operation.operationId}: GitHub rule broken: ${problem}`),
    );
    return invalid(context.operation, problems, resource);
  };

  const issueOf = (context: Context) => Number(context.path.issue_number);

  return {
    'issues/list-comments'(context) {
      const issue = issueOf(context);
      if (!pulls.has(issue) && !comments.has(issue)) return notFound(context.operation);
      const since = context.query.since === undefined ? undefined : Date.parse(String(context.query.since));
      const matching = (comments.get(issue) ?? []).filter(
        (comment) => since === undefined || Date.parse(comment.updatedAt) >= since,
      );
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map(commentJson), headers };
    },

    'issues/create-comment'(context) {
      const issue = issueOf(context);
      if (!pulls.has(issue) && !comments.has(issue)) return notFound(context.operation);
      const { body } = context.body as { body: string };
      const problem = commentBodyProblem(body);
      if (problem) return ruleBroken(context, [problem], 'IssueComment');
      const comment = state.addComment(issue, { body, user: context.caller?.login });
      return {
        status: 201,
        body: commentJson(comment),
        headers: { Location: `${state.repoBase()}/issues/comments/${comment.id}` },
      };
    },

    'issues/get-comment'(context) {
      const comment = findComment(Number(context.path.comment_id));
      return comment ? { status: 200, body: commentJson(comment) } : notFound(context.operation);
    },

    'issues/update-comment'(context) {
      const comment = findComment(Number(context.path.comment_id));
      if (!comment) return notFound(context.operation);
      const { body } = context.body as { body: string };
      const problem = commentBodyProblem(body);
      if (problem) return ruleBroken(context, [problem], 'IssueComment');
      comment.body = body;
      comment.updatedAt = timestamp();
      return { status: 200, body: commentJson(comment) };
    },

    'issues/delete-comment'(context) {
      const comment = findComment(Number(context.path.comment_id));
      if (!comment) return notFound(context.operation);
      const list = comments.get(comment.issue)!;
      list.splice(list.indexOf(comment), 1);
      return { status: 204 };
    },

    'checks/create'(context) {
      if (context.caller?.kind === 'personal-access-token') {
        return error(403, 'You must authenticate via a GitHub App.', context.operation.docsUrl);
      }
      const body = context.body as Json;
      const problems = checkRunProblems(body, 'create');
      if (!/^[0-9a-f]{40}$/.test(String(body.head_sha))) {
        problems.push(`No commit found for SHA: ${String(body.head_sha)}`);
      }
      if (problems.length > 0) return ruleBroken(context, problems, 'CheckRun');
      const now = timestamp();
      const headSha = String(body.head_sha);
      const suiteId = state.suiteFor(headSha);
      const run: CheckRunRecord = {
        id: state.newCheckRunId(),
        name: String(body.name),
        headSha,
        status: 'queued',
        conclusion: null,
        startedAt: now,
        completedAt: null,
        detailsUrl: null,
        externalId: '',
        title: null,
        summary: null,
        text: null,
        annotationsCount: 0,
        suiteId,
        app: GITHUB_ACTIONS_APP.slug,
        updates: 0,
      };
      run.detailsUrl = `${serverUrl}/${owner}/${repo}/runs/${run.id}`;
      applyCheckRunChanges(run, body, now);
      checkRuns.push(run);
      return { status: 201, body: checkRunJson(run) };
    },

    'checks/get'(context) {
      const run = checkRuns.find((candidate) => candidate.id === Number(context.path.check_run_id));
      return run ? { status: 200, body: checkRunJson(run) } : notFound(context.operation);
    },

    'checks/update'(context) {
      const run = checkRuns.find((candidate) => candidate.id === Number(context.path.check_run_id));
      if (!run) return notFound(context.operation);
      const body = context.body as Json;
      const problems = checkRunProblems(body, 'update');
      if (problems.length > 0) return ruleBroken(context, problems, 'CheckRun');
      applyCheckRunChanges(run, body, timestamp());
      run.updates++;
      return { status: 200, body: checkRunJson(run) };
    },

    /** `ref` is a commit SHA or the head branch of an emulated same-repository pull request. */
    'checks/list-for-ref'(context) {
      const ref = String(context.path.ref).replace(/^refs\/heads\//, '');
      const pull = [...pulls.values()].find((pr) => pr.headRef === ref && !isFork(pr));
      const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : pull?.headSha;
      if (sha === undefined) {
        return error(422, `No commit found for SHA: ${ref}`, context.operation.docsUrl);
      }
      let matching = checkRuns.filter(
        (run) =>
          run.headSha === sha &&
          (context.query.check_name === undefined || run.name === context.query.check_name) &&
          (context.query.status === undefined || run.status === context.query.status) &&
          (context.query.app_id === undefined || context.query.app_id === GITHUB_ACTIONS_APP.id),
      );
      if ((context.query.filter ?? 'latest') === 'latest') {
        matching = matching.filter(
          (run) => !matching.some((other) => other.name === run.name && other.id > run.id),
        );
      }
      matching = [...matching].reverse();
      const { page, headers } = paged(matching, context);
      return {
        status: 200,
        body: { total_count: matching.length, check_runs: page.map(checkRunJson) },
        headers,
      };
    },

    'repos/list-deployments'(context) {
      const { sha, ref, task, environment } = context.query;
      const matching = [...deployments.values()]
        .filter(
          (deployment) =>
            (sha === undefined || deployment.sha === sha) &&
            (ref === undefined || deployment.ref === ref) &&
            (task === undefined || deployment.task === task) &&
            (environment === undefined || environment === null || deployment.environment === environment),
        )
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map(deploymentJson), headers };
    },

    'repos/get-deployment'(context) {
      const deployment = deployments.get(Number(context.path.deployment_id));
      return deployment ? { status: 200, body: deploymentJson(deployment) } : notFound(context.operation);
    },

    'repos/list-deployment-statuses'(context) {
      const deployment = deployments.get(Number(context.path.deployment_id));
      if (!deployment) return notFound(context.operation);
      const newestFirst = [...deployment.statuses].sort(
        (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id,
      );
      const { page, headers } = paged(newestFirst, context);
      return { status: 200, body: page.map((status) => deploymentStatusJson(deployment, status)), headers };
    },

    'pulls/get'(context) {
      const pr = pulls.get(Number(context.path.pull_number));
      return pr ? { status: 200, body: state.pullRequestJson(pr, true) } : notFound(context.operation);
    },

    'pulls/list'(context) {
      const wanted = String(context.query.state ?? 'open');
      let head = context.query.head === undefined ? undefined : String(context.query.head);
      if (head !== undefined && !head.includes(':')) {
        violations.push(
          `GET pulls: head=${head} must be "user:ref-name"; GitHub ignores the filter otherwise`,
        );
        head = undefined;
      }
      const matching = [...pulls.values()]
        .filter(
          (pr) =>
            (wanted === 'all' || pr.state === wanted) &&
            (head === undefined || `${pr.headRepo.split('/')[0]}:${pr.headRef}` === head) &&
            (context.query.base === undefined || pr.baseRef === context.query.base),
        )
        .sort((a, b) => b.number - a.number);
      if (context.query.direction === 'asc') matching.reverse();
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map((pr) => state.pullRequestJson(pr, false)), headers };
    },

    'repos/list-pull-requests-associated-with-commit'(context) {
      const sha = String(context.path.commit_sha);
      const matching = [...pulls.values()]
        .filter((pr) => pr.headSha === sha || (pr.merged && pr.baseSha === sha))
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map((pr) => state.pullRequestJson(pr, false)), headers };
    },

    /**
     * The files of the commit the test gave (`repositoryFiles`): a file as `content-file` (base64), or its
     * bytes for the raw media type; a directory as `content-directory`. Another ref is 404 `No commit found
     * for the ref ...`, a missing path 404 `Not Found`.
     */
    'repos/get-content'(context) {
      const ref = context.query.ref === undefined ? undefined : String(context.query.ref);
      const found = state.readRepository(String(context.path.path), ref);
      if ('missing' in found) {
        return found.missing === 'ref'
          ? error(404, `No commit found for the ref ${ref}`, context.operation.docsUrl)
          : notFound(context.operation);
      }
      if (found.kind === 'dir') return { status: 200, body: state.contentDirectoryJson(found, ref) };
      const raw = RAW_MEDIA_TYPE.exec(context.accept);
      if (!raw) return { status: 200, body: state.contentFileJson(found, ref) };
      return {
        status: 200,
        raw: true,
        text: found.bytes,
        headers: {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Content-Type-Options': 'nosniff',
          'X-GitHub-Media-Type': raw[1] ? 'github.v3; param=raw; format=json' : 'github.v3; param=raw',
        },
      };
    },
  };
}

/** Applies a create or update body to a check run; a conclusion implies `completed`. */
function applyCheckRunChanges(run: CheckRunRecord, body: Json, now: string): void {
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  if (typeof body.started_at === 'string') run.startedAt = body.started_at;
  if (typeof body.status === 'string') run.status = body.status as CheckRunStatus;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion as CheckRunConclusion;
    run.status = 'completed';
  }
  if (typeof body.completed_at === 'string') run.completedAt = body.completed_at;
  if (run.status === 'completed' && run.completedAt === null) run.completedAt = now;
  const output = body.output as Json | undefined;
  if (output) {
    if (typeof output.title === 'string') run.title = output.title;
    if (typeof output.summary === 'string') run.summary = output.summary;
    if (typeof output.text === 'string') run.text = output.text;
    // Annotations add up across requests (at most 50 per request).
    if (Array.isArray(output.annotations)) run.annotationsCount += output.annotations.length;
  }
}

/** Rules for check-run bodies that GitHub's description states in prose only. */
function checkRunProblems(body: Json, mode: 'create' | 'update'): string[] {
  const problems: string[] = [];
  const completing = body.status === 'completed' || body.completed_at !== undefined;
  if (completing && body.conclusion === undefined) {
    problems.push('conclusion is required when status is "completed" or completed_at is given');
  }
  if (body.conclusion === 'stale') problems.push('conclusion "stale" can only be set by GitHub');
  if (body.status !== undefined && ['waiting', 'requested', 'pending'].includes(String(body.status))) {
    problems.push(`status "${String(body.status)}" can only be set by GitHub Actions`);
  }
  const output = body.output as Json | undefined;
  if (mode === 'update' && output && output.title === undefined) {
    problems.push('output.title is required (the description marks it **Required** in prose)');
  }
  return problems;
}

function commentBodyProblem(body: string): string | undefined {
  return body.length > COMMENT_BODY_LIMIT
    ? `body is too long (maximum is ${COMMENT_BODY_LIMIT} characters), it has ${body.length}`
    : undefined;
}

export function resourceOf(operationId: string): string {
  if (operationId.startsWith('checks/')) return 'CheckRun';
  if (operationId.startsWith('issues/')) return 'IssueComment';
  if (operationId.startsWith('pulls/')) return 'PullRequest';
  return 'Deployment';
}
