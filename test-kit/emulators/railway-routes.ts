/**
 * The Railway operations the emulator serves: resolvers for the query, mutation and subscription roots,
 * answering from the scenario state (railway-state.ts). Operations are executed with `graphql`'s `execute`
 * and `subscribe` against Railway's schema, so what a resolver returns is shaped by the schema; a field the
 * views lack is one the emulator does not emulate (a violation and an error). Errors are worded the way
 * Railway words them, as far as known (`Not Authorized`, `Project Token not found`).
 */
import { defaultFieldResolver, GraphQLError, type GraphQLFieldResolver } from 'graphql';
import {
  ACTIVE,
  CANCELLABLE,
  DEFAULT_ROLLBACK_SCRIPT,
  DEFAULT_TRIGGER_SCRIPT,
  INSTANCE_STATUS,
  PROJECT_CREATED_AT,
  STOPPED,
  VERSION,
  type Change,
  type DeploymentRecord,
  type DeploymentStatus,
  type DeployTriggerRequest,
  type EnvironmentRecord,
  type EventRecord,
  type LogRecord,
  type RailwayState,
  type Reporting,
} from './railway-state.js';

/** What resolvers see. */
export interface Context extends Reporting {
  authorized: boolean;
  violation(problem: string): void;
}

type Args = Record<string, unknown>;
type Item = Record<PropertyKey, unknown>;

export interface RailwayResolvers {
  roots: { query: Item; mutation: Item; subscription: Item };
  /** The default resolver, except that a field the view lacks is one the emulator does not emulate. */
  resolveField: GraphQLFieldResolver<unknown, Context>;
  /** Ends every open subscription stream (on close). */
  endStreams(): void;
}

/** The resolvers over `state`; `pushInitialStatus`: a `deployment` subscription first gets the current state. */
export function railwayResolvers(state: RailwayState): RailwayResolvers {
  const { options, tokenKind, serviceName, repo, environments, deployments, prDeploys } = state;
  const { newestFirst, instanceDeployments, canRollback, advanceReported, setStatus, createDeployment } =
    state;
  const pushInitialStatus = options.pushInitialStatus ?? true;
  const workspace = { id: 'ws-emulator-0001', name: 'Deploy Sentinel' };
  const user = { id: 'user-emulator-0001', name: 'Sentinel Tester', email: 'tester@example.com' };
  const issuedCursors = new Set<string>();
  const channels = new Set<Channel<Item>>();

  // Errors the way Railway words them (as far as known: `Not Authorized`, `Project Token not found`).
  const fail = (message: string): never => {
    throw new GraphQLError(message);
  };
  const requireAuth = (ctx: Context) => {
    if (!ctx.authorized) fail('Not Authorized');
  };
  /** A project token sees its environment only. */
  const requireScope = (environmentId: string) => {
    if (tokenKind === 'project' && environmentId !== options.environmentId) fail('Not Authorized');
  };
  const findDeployment = (ctx: Context, id: unknown): DeploymentRecord => {
    requireAuth(ctx);
    const d = deployments.get(String(id));
    if (!d) return fail('Deployment not found');
    requireScope(d.environmentId);
    return d;
  };
  const findEnvironment = (id: unknown): EnvironmentRecord => {
    const env = environments.get(String(id));
    if (!env) return fail('Environment not found');
    requireScope(env.id);
    return env;
  };
  const requireProject = (projectId: unknown) => {
    if (projectId !== undefined && projectId !== null && projectId !== options.projectId) {
      fail('Project not found');
    }
  };
  const findInstance = (environmentId: unknown, serviceId: unknown): EnvironmentRecord => {
    const env = findEnvironment(environmentId);
    if (serviceId !== options.serviceId) fail('ServiceInstance not found');
    return env;
  };

  /**
   * Relay pagination over `all` (already in order) restricted to `include`. Cursors are opaque (base64 of
   * kind and ID); one the emulator never issued is a violation and an error.
   */
  const paginate = <T extends { id: string }>(
    ctx: Context,
    kind: string,
    all: T[],
    include: (item: T) => boolean,
    args: Args,
    view: (item: T) => Item,
  ): Item => {
    const position = (cursor: unknown, name: string): number => {
      const text = String(cursor);
      const id = Buffer.from(text, 'base64').toString('utf8').replace(`${kind}:`, '');
      const index = all.findIndex((item) => item.id === id);
      if (!issuedCursors.has(text) || index < 0) {
        ctx.violation(`${name} cursor ${text} was not issued by this emulator for ${kind}s`);
        fail(`Invalid cursor: ${text}`);
      }
      return index;
    };
    const first = typeof args.first === 'number' ? args.first : undefined;
    const last = typeof args.last === 'number' ? args.last : undefined;
    if ((first ?? 0) < 0 || (last ?? 0) < 0) fail('first and last must not be negative');
    let indices = all.map((_, index) => index).filter((index) => include(all[index]!));
    if (args.after !== undefined && args.after !== null) {
      const after = position(args.after, 'after');
      indices = indices.filter((index) => index > after);
    }
    if (args.before !== undefined && args.before !== null) {
      const before = position(args.before, 'before');
      indices = indices.filter((index) => index < before);
    }
    const total = indices.length;
    if (first !== undefined) indices = indices.slice(0, first);
    if (last !== undefined) indices = indices.slice(Math.max(0, indices.length - last));
    const edges = indices.map((index) => {
      const item = all[index]!;
      const cursor = Buffer.from(`${kind}:${item.id}`).toString('base64');
      issuedCursors.add(cursor);
      return { cursor, node: view(item) };
    });
    return {
      edges,
      pageInfo: {
        hasNextPage: first !== undefined && total > first,
        hasPreviousPage: last !== undefined && total > last,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  };
  const emptyConnection = () => ({
    edges: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  });

  // Views: plain objects the default resolver reads; functions for fields with arguments or cycles.
  const workspaceView = (): Item => ({
    id: workspace.id,
    name: workspace.name,
    avatar: null,
    createdAt: PROJECT_CREATED_AT,
    updatedAt: PROJECT_CREATED_AT,
    preferredRegion: null,
    discordRole: null,
    slackChannelId: null,
  });

  const serviceView = (): Item => ({
    id: options.serviceId,
    name: serviceName,
    projectId: options.projectId,
    createdAt: PROJECT_CREATED_AT,
    updatedAt: PROJECT_CREATED_AT,
    deletedAt: null,
    icon: null,
    groupId: null,
    templateId: null,
    templateServiceId: null,
    templateThreadSlug: null,
    isRestricted: false,
    hasHiddenRegistryCredentialsFromTemplate: false,
    featureFlags: [],
    project: () => projectView(),
  });

  const domainsView = (env: EnvironmentRecord): Item => ({
    serviceDomains: [
      {
        id: `sd-${env.id}`,
        domain: env.domain,
        suffix: env.domain.endsWith('.up.railway.app') ? 'up.railway.app' : null,
        environmentId: env.id,
        serviceId: options.serviceId,
        projectId: options.projectId,
        targetPort: 8080,
        syncStatus: 'ACTIVE',
        createdAt: env.createdAt,
        updatedAt: env.createdAt,
        deletedAt: null,
        edgeId: null,
        cdnMode: null,
        newDomainName: null,
        newHostLabel: null,
      },
    ],
    customDomains: [],
  });

  const instanceView = (env: EnvironmentRecord): Item => ({
    id: `si-${env.id}`,
    serviceId: options.serviceId,
    serviceName,
    environmentId: env.id,
    createdAt: env.createdAt,
    updatedAt: env.createdAt,
    deletedAt: null,
    healthcheckPath: options.healthcheckPath === undefined ? '/health' : options.healthcheckPath,
    healthcheckTimeout: 300,
    numReplicas: 1,
    region: 'us-west2',
    source: { repo, image: null },
    builder: 'RAILPACK',
    buildCommand: null,
    startCommand: null,
    rootDirectory: null,
    dockerfilePath: null,
    railwayConfigFile: null,
    preDeployCommand: null,
    cronSchedule: null,
    nextCronRunAt: null,
    restartPolicyType: 'ON_FAILURE',
    restartPolicyMaxRetries: 10,
    sleepApplication: false,
    drainingSeconds: null,
    overlapSeconds: null,
    ipv6EgressEnabled: null,
    upstreamUrl: null,
    watchPatterns: [],
    isUpdatable: true,
    nixpacksPlan: null,
    railpackInfo: null,
    edgeConfig: null,
    domains: () => domainsView(env),
    service: () => serviceView(),
    latestDeployment: async (_args: Args, ctx: Context) => {
      const latest = instanceDeployments(options.serviceId, env.id)[0];
      if (!latest) return null;
      await advanceReported(ctx, latest);
      return deploymentView(latest);
    },
    activeDeployments: async (_args: Args, ctx: Context) => {
      const all = instanceDeployments(options.serviceId, env.id);
      for (const d of all) if (d.pending.length > 0) await advanceReported(ctx, d);
      return all.filter((d) => ACTIVE.has(d.status)).map(deploymentView);
    },
  });

  const environmentView = (env: EnvironmentRecord): Item => ({
    id: env.id,
    name: env.name,
    projectId: options.projectId,
    isEphemeral: env.isEphemeral,
    createdAt: env.createdAt,
    updatedAt: env.createdAt,
    deletedAt: null,
    canAccess: true,
    unmergedChangesCount: 0,
    meta:
      env.meta === null
        ? null
        : {
            prNumber: null,
            prTitle: null,
            prRepo: null,
            branch: null,
            baseBranch: null,
            prCommentId: null,
            latestSuccessfulGitHubDeploymentId: null,
            skippedResourceIds: null,
            ...env.meta,
          },
    sourceEnvironment: () => {
      const source = env.sourceEnvironmentId ? environments.get(env.sourceEnvironmentId) : undefined;
      return source ? environmentView(source) : null;
    },
    serviceInstances: (args: Args, ctx: Context) =>
      paginate(
        ctx,
        'serviceInstance',
        [{ id: `si-${env.id}` }],
        () => true,
        args,
        () => instanceView(env),
      ),
    deployments: (args: Args, ctx: Context) =>
      paginate(
        ctx,
        'deployment',
        newestFirst(deployments.values()),
        (d) => d.environmentId === env.id && !d.deleted,
        args,
        deploymentView,
      ),
    volumeInstances: () => emptyConnection(),
  });

  const projectView = (): Item => ({
    id: options.projectId,
    name: options.projectName ?? 'deploy-sentinel',
    description: null,
    createdAt: PROJECT_CREATED_AT,
    updatedAt: PROJECT_CREATED_AT,
    deletedAt: null,
    expiredAt: null,
    isPublic: false,
    isTempProject: false,
    prDeploys,
    botPrEnvironments: false,
    focusedPrEnvironments: false,
    baseEnvironmentId: options.environmentId,
    primaryEnvironmentId: options.environmentId,
    baseEnvironment: () => environmentView(environments.get(options.environmentId)!),
    workspaceId: workspace.id,
    workspace: () => workspaceView(),
    services: (args: Args, ctx: Context) =>
      paginate(ctx, 'service', [{ id: options.serviceId }], () => true, args, serviceView),
    environments: (args: Args, ctx: Context) =>
      paginate(
        ctx,
        'environment',
        [...environments.values()].sort((a, b) =>
          args.sort === 'desc'
            ? b.createdAt.localeCompare(a.createdAt)
            : a.createdAt.localeCompare(b.createdAt),
        ),
        (env) =>
          (typeof args.isEphemeral !== 'boolean' || env.isEphemeral === args.isEphemeral) &&
          (tokenKind !== 'project' || env.id === options.environmentId),
        args,
        environmentView,
      ),
    buckets: () => emptyConnection(),
    volumes: () => emptyConnection(),
  });

  const deploymentView = (d: DeploymentRecord): Item => {
    // A snapshot: a subscription event executes after the state may have moved on.
    const status = d.status;
    const instanceStatus = INSTANCE_STATUS[status];
    return {
      id: d.id,
      status,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      statusUpdatedAt: d.statusUpdatedAt,
      projectId: options.projectId,
      environmentId: d.environmentId,
      serviceId: d.serviceId,
      meta: d.meta === null ? null : structuredClone(d.meta),
      canRollback: canRollback(d),
      canRedeploy: d.canRedeploy,
      deploymentStopped: d.stopped || STOPPED.has(status),
      staticUrl: d.staticUrl,
      url: d.url,
      snapshotId: null,
      diagnosis: null,
      suggestAddServiceDomain: false,
      sockets: [],
      creator: d.creator ? { avatar: null, ...d.creator } : null,
      instances: instanceStatus ? [{ id: `${d.id}-instance-1`, status: instanceStatus }] : [],
      environment: () => environmentView(environments.get(d.environmentId)!),
      service: () => serviceView(),
    };
  };

  const logTimestamp = (line: LogRecord) =>
    `${new Date(line.time).toISOString().slice(0, 19)}.${String(line.time % 1000).padStart(3, '0')}${String(line.nanos).padStart(6, '0')}Z`;

  const logView = (d: DeploymentRecord) => (line: LogRecord) => ({
    timestamp: logTimestamp(line),
    message: line.message,
    severity: line.severity,
    attributes: line.attributes,
    tags: {
      deploymentId: d.id,
      deploymentInstanceId: `${d.id}-instance-1`,
      environmentId: d.environmentId,
      projectId: options.projectId,
      serviceId: d.serviceId,
      snapshotId: null,
      pluginId: null,
    },
  });

  const eventView = (event: EventRecord): Item => ({
    id: event.id,
    step: event.step,
    createdAt: event.createdAt,
    completedAt: event.completedAt,
    payload:
      event.payload === null || event.payload === undefined
        ? null
        : {
            attempt: null,
            detail: null,
            durationMs: null,
            error: null,
            maxAttempts: null,
            reason: null,
            skipped: null,
            ...event.payload,
          },
  });

  /**
   * Railway's log filter, as far as emulated: words and `"phrases"` (case-insensitive substrings),
   * `@key:value` (an attribute; `@level:` also matches `severity`), `-` negating a term, `AND` or nothing
   * between terms. `OR`, parentheses and `replica:` are not emulated: a violation and an error.
   */
  const logMatcher = (ctx: Context, filter: unknown): ((line: LogRecord) => boolean) => {
    if (typeof filter !== 'string' || filter.trim() === '') return () => true;
    const terms = (filter.match(/-?"[^"]*"|\S+/g) ?? []).filter((term) => term !== 'AND');
    const unemulated = terms.filter((term) => term === 'OR' || /[()]/.test(term) || /^-?replica:/.test(term));
    if (unemulated.length > 0) {
      ctx.violation(`log filter ${JSON.stringify(filter)} uses ${unemulated.join(', ')}, not emulated`);
      fail(`the Railway emulator does not emulate the log filter ${JSON.stringify(filter)}`);
    }
    const tests = terms.map((raw) => {
      const negated = raw.startsWith('-') && raw.length > 1;
      const term = negated ? raw.slice(1) : raw;
      const attribute = /^@([^:]+):(.*)$/.exec(term);
      const unquote = (text: string) => text.replace(/^"(.*)"$/, '$1').toLowerCase();
      const test = attribute
        ? (line: LogRecord) => {
            const [key, value] = [attribute[1]!.toLowerCase(), unquote(attribute[2]!)];
            const matches = line.attributes.some(
              (a) => a.key.toLowerCase() === key && a.value.toLowerCase() === value,
            );
            return matches || (key === 'level' && line.severity?.toLowerCase() === value);
          }
        : (line: LogRecord) => line.message.toLowerCase().includes(unquote(term));
      return negated ? (line: LogRecord) => !test(line) : test;
    });
    return (line) => tests.every((test) => test(line));
  };

  const dateArg = (ctx: Context, value: unknown, name: string): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) {
      ctx.violation(`${name} ${JSON.stringify(value)} is not an RFC 3339 DateTime`);
      fail(`Invalid DateTime for ${name}`);
    }
    return time;
  };

  /**
   * `buildLogs` / `deploymentLogs`: in time order. With `limit`, Railway answers `limit + 1` lines (the
   * quirk the CLI trims): the newest ones up to `endDate`, or, with only a `startDate`, the oldest from it.
   */
  const logsQuery = (kind: 'build' | 'deploy') => (args: Args, ctx: Context) => {
    const d = findDeployment(ctx, args.deploymentId);
    const start = dateArg(ctx, args.startDate, 'startDate');
    const end = dateArg(ctx, args.endDate, 'endDate');
    if (typeof args.limit === 'number' && args.limit < 0) fail('limit must not be negative');
    const matches = logMatcher(ctx, args.filter);
    let lines = d.logs[kind].filter(
      (line) =>
        (start === undefined || line.time >= start) &&
        (end === undefined || line.time <= end) &&
        matches(line),
    );
    if (typeof args.limit === 'number') {
      const count = args.limit + 1;
      lines = start !== undefined && end === undefined ? lines.slice(0, count) : lines.slice(-count);
    }
    return lines.map(logView(d));
  };

  const queryRoot: Item = {
    deployments: async (args: Args, ctx: Context) => {
      requireAuth(ctx);
      const input = (args.input ?? {}) as {
        projectId?: string | null;
        environmentId?: string | null;
        serviceId?: string | null;
        includeDeleted?: boolean | null;
        status?: { in?: DeploymentStatus[] | null; notIn?: DeploymentStatus[] | null } | null;
      };
      if (input.projectId) requireProject(input.projectId);
      if (input.environmentId) requireScope(input.environmentId);
      const inScope = (d: DeploymentRecord) =>
        (!input.environmentId || d.environmentId === input.environmentId) &&
        (!input.serviceId || d.serviceId === input.serviceId) &&
        (tokenKind !== 'project' || d.environmentId === options.environmentId) &&
        (input.includeDeleted === true || !d.deleted);
      const all = newestFirst(deployments.values());
      for (const d of all) if (inScope(d) && d.pending.length > 0) await advanceReported(ctx, d);
      const statusIn = input.status?.in;
      const statusNotIn = input.status?.notIn;
      return paginate(
        ctx,
        'deployment',
        all,
        (d) =>
          inScope(d) &&
          (!statusIn || statusIn.includes(d.status)) &&
          (!statusNotIn || !statusNotIn.includes(d.status)),
        args,
        deploymentView,
      );
    },
    deployment: async (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      await advanceReported(ctx, d);
      return deploymentView(d);
    },
    serviceInstance: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      return instanceView(findInstance(args.environmentId, args.serviceId));
    },
    domains: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.projectId);
      return domainsView(findInstance(args.environmentId, args.serviceId));
    },
    environments: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.projectId);
      return (projectView().environments as (args: Args, ctx: Context) => Item)(args, ctx);
    },
    environment: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.projectId);
      return environmentView(findEnvironment(args.id));
    },
    project: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.id);
      return projectView();
    },
    projectToken: (_args: Args, ctx: Context) => {
      requireAuth(ctx);
      if (tokenKind !== 'project') fail('Project Token not found');
      return {
        id: 'pt-emulator-0001',
        name: 'deploy-sentinel',
        displayToken: `${options.token.slice(0, 4)}…`,
        createdAt: PROJECT_CREATED_AT,
        projectId: options.projectId,
        environmentId: options.environmentId,
        project: () => projectView(),
        environment: () => environmentView(environments.get(options.environmentId)!),
      };
    },
    me: (_args: Args, ctx: Context) => {
      requireAuth(ctx);
      if (tokenKind !== 'account') fail('Not Authorized');
      return {
        ...user,
        username: 'sentinel-tester',
        avatar: null,
        createdAt: PROJECT_CREATED_AT,
        lastLogin: PROJECT_CREATED_AT,
        isAdmin: false,
        isVerified: true,
        isConductor: false,
        has2FA: false,
        hasPasskeys: false,
        agreedFairUse: true,
        githubUsername: null,
        githubProviderId: null,
        termsAgreedOn: PROJECT_CREATED_AT,
        workspaces: () => [workspaceView()],
      };
    },
    buildLogs: logsQuery('build'),
    deploymentLogs: logsQuery('deploy'),
    deploymentEvents: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      return paginate(ctx, 'event', d.events, () => true, args, eventView);
    },
  };

  const triggerDeploy = async (request: DeployTriggerRequest, ctx: Context): Promise<DeploymentRecord> => {
    requireAuth(ctx);
    const env = findInstance(request.environmentId, request.serviceId);
    const outcome = state.hooks.trigger ? await state.hooks.trigger(request) : {};
    if ('error' in outcome) return fail(outcome.error);
    const newest = instanceDeployments(options.serviceId, env.id)[0];
    const commitHash =
      outcome.commitHash ??
      request.commitSha ??
      (newest?.meta?.commitHash as string | undefined) ??
      '0'.repeat(40);
    return createDeployment(
      env,
      {
        id: outcome.deploymentId,
        meta: {
          repo,
          branch: env.meta?.branch ?? 'main',
          commitHash,
          ...(outcome.commitMessage !== undefined && { commitMessage: outcome.commitMessage }),
        },
        statuses: outcome.statuses ?? DEFAULT_TRIGGER_SCRIPT,
      },
      outcome.onSuccess,
    );
  };

  const mutationRoot: Item = {
    serviceInstanceDeployV2: async (args: Args, ctx: Context) => {
      const d = await triggerDeploy(
        {
          mutation: 'serviceInstanceDeployV2',
          serviceId: String(args.serviceId),
          environmentId: String(args.environmentId),
          ...(typeof args.commitSha === 'string' && { commitSha: args.commitSha }),
        },
        ctx,
      );
      return d.id;
    },
    serviceInstanceDeploy: async (args: Args, ctx: Context) => {
      await triggerDeploy(
        {
          mutation: 'serviceInstanceDeploy',
          serviceId: String(args.serviceId),
          environmentId: String(args.environmentId),
          ...(typeof args.commitSha === 'string' && { commitSha: args.commitSha }),
          ...(typeof args.latestCommit === 'boolean' && { latestCommit: args.latestCommit }),
        },
        ctx,
      );
      return true;
    },
    deploymentRollback: async (args: Args, ctx: Context) => {
      const target = findDeployment(ctx, args.id);
      if (!canRollback(target)) fail('Deployment cannot be rolled back');
      const outcome = state.hooks.rollback ? await state.hooks.rollback(target.id) : {};
      if ('error' in outcome) return fail(outcome.error);
      createDeployment(
        environments.get(target.environmentId)!,
        {
          id: outcome.deploymentId,
          meta: target.meta === null ? null : structuredClone(target.meta),
          statuses: outcome.statuses ?? DEFAULT_ROLLBACK_SCRIPT,
        },
        outcome.onSuccess,
      );
      return true;
    },
    deploymentRedeploy: (args: Args, ctx: Context) => {
      const target = findDeployment(ctx, args.id);
      if (!target.canRedeploy) fail('Deployment cannot be redeployed');
      const d = createDeployment(
        environments.get(target.environmentId)!,
        {
          meta: target.meta === null ? null : structuredClone(target.meta),
          statuses: DEFAULT_TRIGGER_SCRIPT,
        },
        undefined,
      );
      return deploymentView(d);
    },
    deploymentApprove: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      if (d.status !== 'NEEDS_APPROVAL') fail('Deployment does not need approval');
      setStatus(d, 'QUEUED');
      return true;
    },
    deploymentCancel: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      if (!CANCELLABLE.has(d.status)) fail('Deployment cannot be cancelled');
      d.pending = [];
      d.onSuccess = undefined;
      setStatus(d, 'REMOVED');
      return true;
    },
    deploymentRemove: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      d.pending = [];
      setStatus(d, 'REMOVED');
      return true;
    },
    deploymentStop: (args: Args, ctx: Context) => {
      findDeployment(ctx, args.id).stopped = true;
      return true;
    },
    deploymentRestart: (args: Args, ctx: Context) => {
      findDeployment(ctx, args.id);
      return true;
    },
  };

  /** A stream of `change`s of `d`, mapped to subscription payloads (the per-event root values). */
  const stream = (d: DeploymentRecord, map: (change: Change) => Item | undefined, initial: Item[]) => {
    let listener: (change: Change) => void = () => undefined;
    const channel: Channel<Item> = new Channel<Item>({
      onDelivered: (item) => {
        const version = item[VERSION];
        if (typeof version === 'number') state.delivered(d, version);
      },
      onEnd: () => {
        d.listeners.delete(listener);
        channels.delete(channel);
      },
    });
    listener = (change) => {
      const item = map(change);
      if (item) channel.push(item);
    };
    d.listeners.add(listener);
    channels.add(channel);
    initial.forEach((item) => channel.push(item));
    return channel;
  };

  const statusEvent = (d: DeploymentRecord): Item => ({
    deployment: deploymentView(d),
    [VERSION]: d.version,
  });

  /**
   * `buildLogs` / `deploymentLogs` subscriptions: first the existing lines that match (the last `limit`; the
   * limit+1 quirk is not known to apply here), as one batch, then each `addLogs` batch as it comes.
   */
  const logsSubscription = (kind: 'build' | 'deploy', field: string) => (args: Args, ctx: Context) => {
    const d = findDeployment(ctx, args.deploymentId);
    const matches = logMatcher(ctx, args.filter);
    const view = logView(d);
    let backlog = d.logs[kind].filter(matches);
    if (typeof args.limit === 'number') backlog = backlog.slice(-Math.max(0, args.limit));
    return stream(
      d,
      (change) => {
        if (change.kind !== 'logs' || change.log !== kind) return undefined;
        const lines = change.lines.filter(matches);
        return lines.length > 0 ? { [field]: lines.map(view) } : undefined;
      },
      backlog.length > 0 ? [{ [field]: backlog.map(view) }] : [],
    );
  };

  const subscriptionRoot: Item = {
    deployment: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      return stream(
        d,
        (change) => (change.kind === 'status' ? statusEvent(d) : undefined),
        pushInitialStatus ? [statusEvent(d)] : [],
      );
    },
    buildLogs: logsSubscription('build', 'buildLogs'),
    deploymentLogs: logsSubscription('deploy', 'deploymentLogs'),
    deploymentEvents: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      return stream(
        d,
        (change) => (change.kind === 'event' ? { deploymentEvents: eventView(change.event) } : undefined),
        [],
      );
    },
  };

  const roots = { query: queryRoot, mutation: mutationRoot, subscription: subscriptionRoot };

  /** The default resolver, except that a field the view lacks is one the emulator does not emulate. */
  const resolveField: GraphQLFieldResolver<unknown, Context> = (source, args, ctx, info) => {
    const check = (value: unknown) => {
      if (value !== undefined) return value;
      const what = `${info.parentType.name}.${info.fieldName}`;
      ctx.violation(`the Railway emulator does not emulate ${what}`);
      throw new GraphQLError(`the Railway emulator does not emulate ${what}`);
    };
    const value: unknown = defaultFieldResolver(source, args, ctx, info);
    return value instanceof Promise ? value.then(check) : check(value);
  };

  return {
    roots,
    resolveField,
    endStreams() {
      for (const channel of channels) channel.end();
    },
  };
}

/**
 * An async queue of subscription payloads. It knows when its consumer came back for the next item, which
 * means the previous one was handled (for a socket: sent), and tells `onDelivered`.
 */
class Channel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private handed: { item: T } | undefined;
  private ended = false;

  constructor(private readonly hooks: { onDelivered?: (item: T) => void; onEnd?: () => void }) {}

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiting.shift();
    if (!waiter) {
      this.buffer.push(item);
      return;
    }
    this.handed = { item };
    waiter({ value: item, done: false });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.handed) {
      const { item } = this.handed;
      this.handed = undefined;
      this.hooks.onDelivered?.(item);
    }
    if (this.buffer.length > 0) {
      const item = this.buffer.shift()!;
      this.handed = { item };
      return Promise.resolve({ value: item, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffer.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
    this.hooks.onEnd?.();
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
