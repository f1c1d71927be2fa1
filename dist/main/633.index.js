export const id = 633;
export const ids = [633,86];
export const modules = {

/***/ 62920:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   DI: () => (/* binding */ providerApiClient),
/* harmony export */   pe: () => (/* binding */ parseTime)
/* harmony export */ });
/* unused harmony exports ApiClient, resetInMs */
/* harmony import */ var _duration_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77607);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83916);
/* harmony import */ var _http_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(76803);
/* harmony import */ var _poll_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(29810);




/** The API client a provider uses: its name and auth headers on top of the shared options. */
function providerApiClient(label, options, headers) {
    return new ApiClient({
        label,
        http: options.http,
        clock: options.clock,
        sleep: options.sleep,
        random: options.random,
        log: options.log,
        budget: options.budget,
        requestTimeoutMs: options.requestTimeoutMs,
        headers,
        retryDelayMs: Math.min(1000, options.intervalMs),
        redact: options.redact,
    });
}
/** An ISO 8601 time from a provider as epoch milliseconds; undefined when absent or unparseable. */
function parseTime(value) {
    if (!value)
        return undefined;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
}
/**
 * A POST that may have reached the provider (reset mid-request, timed out, answered 5xx) is not sent
 * again: a second `POST /deploys` starts a second deploy, a second rollback rolls back twice. Only a
 * refused connection (nothing was sent) and a 429 (refused before processing) are safe to retry.
 */
const NON_IDEMPOTENT = new Set(['POST']);
/** Statuses worth another try: the provider's edge or a busy backend, not our request. */
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const TRANSIENT_NETWORK = new Set(['refused', 'reset', 'timeout', 'network']);
/**
 * The one way providers talk to their API: JSON over the shared HTTP client, with retries for transient
 * failures and pacing from the rate-limit headers, all inside the run's budget. Both readings of a
 * `*-Reset` header are accepted (seconds until reset, or the reset moment as epoch seconds), because
 * Render's docs say one and show the other.
 */
class ApiClient {
    options;
    sent = 0;
    /** Epoch ms before which the next request must not go (rate limit nearly used up). */
    notBefore = 0;
    constructor(options) {
        this.options = options;
    }
    /** Requests sent so far, retries included. */
    get requestCount() {
        return this.sent;
    }
    /**
     * Sends one call and returns the response once it is not transient. Non-2xx answers are returned, not
     * thrown, so the caller can map 401/404/409 to its own words; transient ones are retried first.
     */
    async send(request) {
        const { clock, budget, label } = this.options;
        const attempts = this.options.maxAttempts ?? 5;
        const backoff = new _poll_js__WEBPACK_IMPORTED_MODULE_3__/* .Backoff */ .nO({
            initialMs: this.options.retryDelayMs ?? 1000,
            maxMs: 30_000,
            factor: 2,
            jitter: 0.2,
            random: this.options.random,
        });
        let lastProblem = '';
        const redact = this.options.redact;
        const once = !(request.idempotent ?? !NON_IDEMPOTENT.has(request.method.toUpperCase()));
        for (let attempt = 1; attempt <= attempts; attempt++) {
            await this.waitUntil(this.notBefore, request.what);
            const remaining = budget.remainingMs();
            if (remaining <= 0 && attempt === 1) {
                // Nothing of this call was sent: the run's own clock ran out, not the provider.
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .BudgetExhaustedError */ .X0(`${label} API: ${request.what} was not sent: the time budget (\`timeout\`) ran out before the call could be sent.`);
            }
            if (remaining <= 0) {
                lastProblem ||= 'the time budget (`timeout`) ran out before the call could be sent';
                break;
            }
            this.sent++;
            let response;
            try {
                response = await this.options.http.request({
                    method: request.method,
                    url: request.url,
                    headers: {
                        accept: 'application/json',
                        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
                        ...this.options.headers,
                        ...request.headers,
                    },
                    body: request.body === undefined ? undefined : JSON.stringify(request.body),
                    timeoutMs: Math.max(1, Math.min(this.options.requestTimeoutMs, remaining)),
                });
            }
            catch (error) {
                const retryable = error instanceof _http_js__WEBPACK_IMPORTED_MODULE_2__/* .HttpError */ .j$ &&
                    TRANSIENT_NETWORK.has(error.kind) &&
                    (!once || error.kind === 'refused');
                if (!retryable) {
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ProviderApiError */ .yD(redact(`${label} API: ${request.what} failed: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error)}` +
                        (once && error instanceof _http_js__WEBPACK_IMPORTED_MODULE_2__/* .HttpError */ .j$ && TRANSIENT_NETWORK.has(error.kind)
                            ? `. It was not sent again, because ${label} may have acted on it; check the ${label} dashboard.`
                            : '')));
                }
                lastProblem = error.message;
                await this.pause(backoff.next(), `${request.what}: ${error.message}`, attempt, attempts);
                continue;
            }
            // A 429's own Retry-After governs its retry; the reset header only paces answers that went through.
            if (response.status !== 429)
                this.notBefore = this.pacingFrom(response.headers, clock.now());
            if (response.status === 429) {
                const wait = this.rateLimitWaitMs(response.headers, clock.now()) ?? backoff.next();
                if (wait > budget.remainingMs()) {
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ProviderApiError */ .yD(`${label} API: ${request.what} was rate limited (429) for ${(0,_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(wait)}, longer than the ` +
                        `${(0,_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(budget.remainingMs())} left; another job may be using the same API key. Rerun later, ` +
                        'or give Deploy Sentinel its own key.', 429);
                }
                lastProblem = `rate limited (429)`;
                await this.pause(wait, `${request.what}: rate limited by ${label}`, attempt, attempts);
                continue;
            }
            if (TRANSIENT_STATUSES.has(response.status)) {
                lastProblem = redact(`HTTP ${response.status}${describeBody(response)}`);
                if (once)
                    break;
                const wait = Math.max(backoff.next(), (0,_http_js__WEBPACK_IMPORTED_MODULE_2__/* .retryAfterMs */ .Vs)(response.headers, clock.now()) ?? 0);
                await this.pause(wait, `${request.what}: ${lastProblem}`, attempt, attempts);
                continue;
            }
            return response;
        }
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ProviderApiError */ .yD(redact(`${label} API: ${request.what} ${once ? 'failed' : 'kept failing'} (${lastProblem}); ` +
            `gave up after ${this.sent} requests in this run` +
            (once
                ? `. It was not sent again, because ${label} may have acted on it; check the ${label} dashboard.`
                : `. ${label}'s status page may show an incident; rerun the job when the API answers.`)));
    }
    /**
     * Parses a 2xx JSON body. A body that is not JSON is the provider's fault, reported as such (it is not
     * retried: a proxy answering HTML would answer it again).
     */
    json(response, what) {
        if (response.status === 202 || response.status === 204 || response.body.length === 0)
            return undefined;
        try {
            return response.json();
        }
        catch {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ProviderApiError */ .yD(`${this.options.label} API: ${what} answered HTTP ${response.status} with a body that is not JSON ` +
                `(${response.headers['content-type'] ?? 'no content type'}); check that \`api-url\` points at the API.`, response.status);
        }
    }
    async pause(ms, why, attempt, attempts) {
        if (attempt >= attempts)
            return;
        const wait = Math.min(ms, this.options.budget.remainingMs());
        this.options.log(`${this.options.label} API: ${why}; retrying in ${(0,_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(wait)} (attempt ${attempt + 1}/${attempts})`);
        if (wait > 0)
            await this.options.sleep(wait);
    }
    async waitUntil(at, what) {
        const wait = Math.min(at - this.options.clock.now(), this.options.budget.remainingMs());
        if (wait <= 0)
            return;
        this.options.log(`${this.options.label} API: rate limit nearly used up; waiting ${(0,_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(wait)} before ${what}`);
        await this.options.sleep(wait);
    }
    /** A 429's wait: Retry-After first, then the reset header, else undefined (caller backs off). */
    rateLimitWaitMs(headers, now) {
        return (0,_http_js__WEBPACK_IMPORTED_MODULE_2__/* .retryAfterMs */ .Vs)(headers, now) ?? resetInMs(headers, now);
    }
    /** When the rate limit is all but used up, hold the next request until it resets. */
    pacingFrom(headers, now) {
        const remaining = Number(headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining']);
        if (!Number.isFinite(remaining) || remaining > 1)
            return 0;
        const reset = resetInMs(headers, now);
        return reset === undefined ? 0 : now + reset;
    }
}
/**
 * Reads `Ratelimit-Reset` / `X-RateLimit-Reset` as milliseconds from now. Values above a billion are
 * epoch seconds; smaller ones are seconds until the reset. Capped at an hour, so a wrong reading cannot
 * stall a run.
 */
function resetInMs(headers, now) {
    const raw = headers['ratelimit-reset'] ?? headers['x-ratelimit-reset'];
    if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw.trim()))
        return undefined;
    const value = Number(raw);
    const ms = value > 1e9 ? value * 1000 - now : value * 1000;
    return Math.min(Math.max(0, Math.round(ms)), 3_600_000);
}
function describeBody(response) {
    const text = response.text().slice(0, 200).replace(/\s+/g, ' ').trim();
    return text ? `: ${text}` : '';
}


/***/ }),

/***/ 39086:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Wt: () => (/* binding */ PAGE_LIMIT),
  RENDER_API_URL: () => (/* binding */ RENDER_API_URL),
  iF: () => (/* binding */ RenderClient),
  fs: () => (/* binding */ providerMessage)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/providers/api-client.ts
var api_client = __webpack_require__(62920);
;// CONCATENATED MODULE: ./src/providers/paging.ts

/**
 * Reads a cursor-paged list page by page, for as long as the caller iterates. A list that cannot be read
 * to the end is an error, never a silently shorter list: a page that says there is more but gives no
 * cursor, a cursor that comes back twice, or (with `atLimit: 'fail'`) more than `maxPages` pages.
 */
async function* cursorPages(fetchPage, limits) {
    const seen = new Set();
    let cursor;
    for (let page = 1;; page++) {
        const { items, hasMore, next } = await fetchPage(cursor);
        yield items;
        if (!hasMore)
            return;
        if (!next) {
            throw new errors/* ProviderApiError */.yD(`${limits.label} API: ${limits.what} returned a full page without a cursor for the next one; the list cannot be ` +
                `read to the end. ${limits.fix}`);
        }
        if (seen.has(next) || page >= limits.maxPages) {
            if (!seen.has(next) && limits.atLimit === 'stop')
                return;
            throw new errors/* ProviderApiError */.yD(`${limits.label} API: ${limits.what} did not end (${seen.has(next) ? 'the same cursor came back twice' : `more than ${limits.maxPages} pages`}); ` +
                `${limits.fix.charAt(0).toLowerCase()}${limits.fix.slice(1)}`);
        }
        seen.add(next);
        cursor = next;
    }
}

;// CONCATENATED MODULE: ./src/providers/render/client.ts



/** Render's public API; `api-url` overrides it (proxies, tests). */
const RENDER_API_URL = 'https://api.render.com/v1';
/** Render's page size ceiling. */
const PAGE_LIMIT = 100;
/**
 * Render's REST API v1 (shared/specs/render) as the provider calls it: every path under the service, the
 * Bearer key, and every answer that is not a 2xx mapped to our errors (a bad key or an unknown ID is a
 * configuration error naming the input; the rest is the provider failing).
 */
class RenderClient {
    options;
    api;
    /** The service calls are about: `service-id`, or the preview of a pull request once one is used. */
    serviceId;
    constructor(options) {
        this.options = options;
        this.serviceId = options.serviceId;
        this.api = (0,api_client/* providerApiClient */.DI)('Render', options, { authorization: `Bearer ${options.token}` });
    }
    servicePath() {
        return `/services/${encodeURIComponent(this.serviceId)}`;
    }
    url(path, query) {
        const base = this.options.apiUrl.href.replace(/\/+$/, '');
        const url = new URL(`${base}${path}`);
        if (query)
            url.search = query.toString();
        return url;
    }
    /** One call, mapped to our errors: 401/403 name `api-token`, a 404 names the ID that was not found. */
    async call(method, path, what, options = {}) {
        const response = await this.api.send({
            method,
            url: this.url(path, options.query),
            body: options.body,
            what,
        });
        return this.check(response, what, options);
    }
    check(response, what, options) {
        const { status } = response;
        if (status >= 200 && status < 300)
            return this.api.json(response, what);
        const raw = providerMessage(response);
        const said = raw === undefined ? undefined : this.options.redact(raw);
        const quoted = said ? ` (Render says: "${said}")` : '';
        if (status === 401) {
            throw new errors/* ProviderConfigError */.iI(`Render rejected the API key in input \`api-token\` (401 while ${what})${quoted}. ` +
                'Fix: create an API key under Render Account Settings → API Keys and pass it from a secret, e.g. `api-token: ${{ secrets.RENDER_API_KEY }}`.');
        }
        if (status === 403) {
            throw new errors/* ProviderConfigError */.iI(`Render refused the API key in input \`api-token\` access to service ${this.serviceId} (403 while ${what})${quoted}. ` +
                'Fix: use an API key of a member of the workspace that owns the service.');
        }
        if (status === 404 && options.notFound === 'rollback-target') {
            throw new errors/* ProviderApiError */.yD(`Render answered 404 while ${what}${quoted}: the target deploy is unknown to Render or cannot be rolled back to.`, 404, said);
        }
        if (status === 404 && options.notFound === 'deploy') {
            throw new errors/* ProviderConfigError */.iI(`Render has no such deploy on service ${this.serviceId} (404 while ${what})${quoted}. ` +
                'Check input `deploy-id`. Fix: pass a deploy ID of this service (dep-…), or leave `deploy-id` empty to find the deploy by commit.');
        }
        if (status === 404) {
            throw new errors/* ProviderConfigError */.iI(`Render does not know service "${this.serviceId}" (404 while ${what})${quoted}. ` +
                "Check input `service-id`. Fix: copy the service ID (srv-…) from the service's dashboard URL, and check that `api-url` is Render's API.");
        }
        throw new errors/* ProviderApiError */.yD(`Render API: ${what} failed with HTTP ${status}${quoted}.`, status, said);
    }
    /**
     * A Render list, page by page: `limit` at the ceiling, each next page by the last item's `cursor`, and a
     * full page taken to mean there is more (Render sends no total).
     */
    pages(path, query, limits) {
        return cursorPages(async (cursor) => {
            const params = new URLSearchParams(query);
            params.set('limit', String(PAGE_LIMIT));
            if (cursor)
                params.set('cursor', cursor);
            const items = await this.call('GET', path, limits.what, { query: params });
            if (!Array.isArray(items))
                throw this.malformed(limits.what, limits.expected);
            const last = items[items.length - 1];
            return {
                items: items,
                hasMore: items.length >= PAGE_LIMIT,
                next: typeof last?.cursor === 'string' ? last.cursor : undefined,
            };
        }, { label: 'Render', ...limits });
    }
    malformed(what, expected) {
        return new errors/* ProviderApiError */.yD(`Render API: ${what} returned something other than ${expected}; check \`api-url\`.`);
    }
}
/** Render's own error text, cut short. */
function providerMessage(response) {
    try {
        const body = response.json();
        return typeof body?.message === 'string' ? body.message.slice(0, 300) : undefined;
    }
    catch {
        return undefined;
    }
}


/***/ }),

/***/ 19633:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  RenderProvider: () => (/* binding */ RenderProvider)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/providers/poll-deploy.ts
var poll_deploy = __webpack_require__(73417);
// EXTERNAL MODULE: ./src/providers/render/client.ts + 1 modules
var client = __webpack_require__(39086);
// EXTERNAL MODULE: ./src/providers/api-client.ts
var api_client = __webpack_require__(62920);
;// CONCATENATED MODULE: ./src/providers/render/statuses.ts


/** Events that say why a build or deploy ended. */
const FAILURE_EVENTS = new Set(['build_ended', 'pre_deploy_ended', 'deploy_ended', 'server_failed']);
/** Render's 11 deploy statuses and what each means for the run. */
const STATES = {
    created: { state: 'pending' },
    queued: { state: 'pending' },
    build_in_progress: { state: 'pending' },
    update_in_progress: { state: 'pending', deploying: true },
    pre_deploy_in_progress: { state: 'pending' },
    live: { state: 'live' },
    build_failed: { state: 'failed', failedStage: 'build' },
    update_failed: { state: 'failed', failedStage: 'deploy' },
    pre_deploy_failed: { state: 'failed', failedStage: 'pre-deploy' },
    canceled: { state: 'canceled' },
    deactivated: { state: 'replaced' },
};
/** A deploy as Render reports it, in provider-neutral terms; an unknown status stops the run. */
function toDeploy(raw) {
    if (!raw || typeof raw.id !== 'string')
        throw new errors/* ProviderApiError */.yD('Render API: reading a deploy returned something other than a deploy with an id; check `api-url`.');
    const status = String(raw.status ?? '');
    const mapped = STATES[status];
    if (!mapped) {
        throw new errors/* ProviderApiError */.yD(`Render reported deploy ${raw.id} with status "${status || '(none)'}", which is not one of the 11 statuses ` +
            'this version knows; the result would be a guess, so the run stops. Update Deploy Sentinel.');
    }
    return {
        id: raw.id,
        status,
        state: mapped.state,
        failedStage: mapped.failedStage,
        commit: raw.commit?.id,
        createdAt: (0,api_client/* parseTime */.pe)(raw.createdAt),
        finishedAt: (0,api_client/* parseTime */.pe)(raw.finishedAt),
        canRollbackTo: status === 'live' || status === 'deactivated',
        trigger: raw.trigger,
        deploying: mapped.deploying,
    };
}
/** Render's `reason.failure` (and friends) in words: the why of a failed build or deploy. */
function describeFailure(reason) {
    if (!reason || typeof reason !== 'object')
        return undefined;
    const r = reason;
    const failure = (r.failure ?? (r.buildFailed ? {} : undefined));
    if (!failure)
        return r.newDeploy || r.newBuild ? 'replaced by a newer deploy' : undefined;
    const parts = [];
    if (typeof failure.nonZeroExit === 'number')
        parts.push(`exited with status ${failure.nonZeroExit}`);
    if (failure.earlyExit)
        parts.push('exited early');
    if (failure.oomKilled) {
        const limit = failure.oomKilled.memoryLimit;
        parts.push(`out of memory (OOM killed${limit ? `, limit ${limit}` : ''})`);
    }
    if (typeof failure.timedOutSeconds === 'number')
        parts.push(`timed out after ${failure.timedOutSeconds}s${failure.timedOutReason ? ` (${failure.timedOutReason})` : ''}`);
    if (typeof failure.unhealthy === 'string')
        parts.push(`unhealthy: ${failure.unhealthy}`);
    if (failure.evicted)
        parts.push('evicted');
    return parts.length > 0 ? parts.join('; ') : 'failed (no reason given)';
}

;// CONCATENATED MODULE: ./src/providers/render/provider.ts




/** Pages of a list read before giving up (10,000 items): a cursor that never ends must not hang us. */
const MAX_PAGES = 100;
/** Log lines kept as evidence, newest first; the diagnosis and the tail need far fewer. */
const MAX_LOG_LINES = 2000;
const MAX_LOG_PAGES = 20;
/**
 * The Render provider, over Render's REST API v1 (shared/specs/render). Every call is one of the
 * document's operations; list endpoints are paged by cursor and sorted here, because Render does not
 * state their order.
 */
class RenderProvider {
    options;
    label = 'Render';
    noRollbackTarget = 'no earlier deploy of this service was live, so there is nothing to roll back to';
    resumeAutoDeploy = "Turn it back on once a fix is merged: in the Render dashboard, the service's Settings > Build & Deploy > " +
        'Auto-Deploy, or send `PATCH /v1/services/<service-id>` with `{"autoDeploy": "yes"}`.';
    autoDeployAdvice = 'Render leaves auto-deploy on after a rollback: the next push to the branch deploys again. ' +
        'Set `pause-auto-deploy: true` to turn it off as part of the rollback, or fix forward quickly.';
    capabilities = { pauseAutoDeploy: true, pushStatus: false, previews: true };
    client;
    cachedService;
    /** The service named by `service-id`; the client moves on to a preview when one is used. */
    baseServiceId;
    constructor(options) {
        this.options = options;
        this.baseServiceId = options.serviceId;
        this.client = new client/* RenderClient */.iF(options);
    }
    requestCount() {
        return this.client.api.requestCount;
    }
    async service() {
        if (this.cachedService)
            return this.cachedService;
        const body = await this.client.call('GET', this.client.servicePath(), 'reading the service');
        if (!isObject(body))
            throw this.client.malformed('reading the service', 'a service object');
        const details = (body.serviceDetails ?? {});
        this.cachedService = {
            id: String(body.id ?? this.client.serviceId),
            name: typeof body.name === 'string' ? body.name : this.client.serviceId,
            url: typeof details.url === 'string' && details.url ? details.url : undefined,
            dashboardUrl: typeof body.dashboardUrl === 'string' ? body.dashboardUrl : undefined,
            ownerId: typeof body.ownerId === 'string' ? body.ownerId : undefined,
        };
        return this.cachedService;
    }
    /**
     * Render's PR previews are services of their own whose `serviceDetails.parentServer` is the base
     * service (inferred from the OpenAPI document; see README). The preview of PR n is named `… PR #n`
     * and built from the PR's branch.
     */
    async usePreview(pr) {
        const query = new URLSearchParams({ includePreviews: 'true' });
        const pages = this.client.pages('/services', query, {
            what: 'listing services to find the preview',
            expected: 'an array of services',
            maxPages: MAX_PAGES,
            atLimit: 'stop',
            fix: 'Pass `service-id` of the preview service, or name the deploy with `deploy-id`.',
        });
        for await (const items of pages) {
            for (const item of items) {
                const service = item?.service;
                const details = (service?.serviceDetails ?? {});
                const named = typeof service?.name === 'string' && new RegExp(`\\bPR #${pr.number}\\b`).test(service.name);
                const branched = typeof service?.branch === 'string' && service.branch === pr.branch;
                if (details.parentServer?.id === this.baseServiceId &&
                    (named || branched) &&
                    typeof service?.id === 'string') {
                    this.client.serviceId = service.id;
                    this.cachedService = undefined;
                    return this.service();
                }
            }
        }
        return undefined;
    }
    async getDeploy(id) {
        const body = await this.client.call('GET', `${this.client.servicePath()}/deploys/${encodeURIComponent(id)}`, `reading deploy ${id}`, { notFound: 'deploy' });
        return toDeploy(body);
    }
    async listDeploys(options = {}) {
        const query = new URLSearchParams();
        if (options.createdAfter !== undefined)
            query.set('createdAfter', new Date(options.createdAfter).toISOString());
        const deploys = [];
        // A list that cannot be read to the end could hide ours: that is an error, never a shorter list.
        const pages = this.client.pages(`${this.client.servicePath()}/deploys`, query, {
            what: 'listing deploys',
            expected: 'an array of deploys',
            maxPages: MAX_PAGES,
            atLimit: 'fail',
            fix: 'Pass `deploy-id` to name the deploy directly.',
        });
        for await (const items of pages) {
            for (const item of items)
                if (item?.deploy?.id)
                    deploys.push(toDeploy(item.deploy));
        }
        const after = options.createdAfter;
        return deploys
            .filter((deploy) => after === undefined || (deploy.createdAt ?? 0) > after)
            .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
    }
    async triggerDeploy(commit) {
        const response = await this.client.api.send({
            method: 'POST',
            url: this.client.url(`${this.client.servicePath()}/deploys`),
            body: { commitId: commit },
            what: `triggering a deploy of ${commit}`,
        });
        if (response.status === 409) {
            throw new errors/* ProviderApiError */.yD(`Render refused to start a deploy of ${commit} (409 conflict: ${(0,client/* providerMessage */.fs)(response) ?? 'no reason given'}). ` +
                'Another deploy is probably running; let it finish, or set `deploy: false` and verify the deploy Render starts itself.', 409);
        }
        const body = this.client.check(response, `triggering a deploy of ${commit}`, {});
        return body === undefined ? undefined : toDeploy(body);
    }
    waitForDeploy(id, deadline, onStatus, liveHint) {
        return (0,poll_deploy/* pollUntilSettled */.zh)(id, {
            liveHint,
            hintEveryMs: Math.min(this.options.intervalMs, 1000),
            getDeploy: (deployId) => this.getDeploy(deployId),
            pacing: (0,poll_deploy/* providerPacing */.wz)(this.options.intervalMs),
            deadline,
            clock: this.options.clock,
            sleep: this.options.sleep,
            random: this.options.random,
            onStatus,
        });
    }
    async evidence(deploy, stage) {
        const notes = [];
        const now = this.options.clock.now();
        const start = deploy.createdAt ?? now - 3_600_000;
        const end = stage === 'runtime' ? now : Math.min(now, (deploy.finishedAt ?? now) + 60_000);
        // Render has no deploy filter on logs: the deploy's time window on the service is the closest match.
        const types = stage === 'build' ? ['build'] : stage === 'runtime' ? ['app'] : ['build', 'app'];
        let lines = [];
        try {
            lines = await this.logs(start, end, types, notes);
        }
        catch (error) {
            notes.push(`logs could not be read: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
        let events = [];
        try {
            events = await this.failureEvents(deploy, start, end);
        }
        catch (error) {
            notes.push(`events could not be read: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
        return { lines, events, notes };
    }
    describeRollback(target) {
        return `POST ${this.client.url(`${this.client.servicePath()}/rollback`).href} ${JSON.stringify({ deployId: target.id })}`;
    }
    async rollback(target) {
        const body = await this.client.call('POST', `${this.client.servicePath()}/rollback`, `rolling back to ${target.id}`, {
            body: { deployId: target.id },
            notFound: 'rollback-target',
        });
        // Render answers 201 with the new deploy (trigger `rollback`). The call went through either way, so
        // an answer we cannot read is an unconfirmed rollback, never one "not performed".
        if (body === undefined)
            throw new errors/* RollbackUnconfirmedError */.Vx('Render answered without the new deploy');
        try {
            return toDeploy(body);
        }
        catch (error) {
            throw new errors/* RollbackUnconfirmedError */.Vx(`Render's answer could not be read: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    }
    async pauseAutoDeploy() {
        await this.client.call('PATCH', this.client.servicePath(), 'turning auto-deploy off', {
            body: { autoDeploy: 'no' },
        });
    }
    async logs(start, end, types, notes) {
        const { ownerId } = await this.service();
        if (!ownerId) {
            notes.push('the service did not name its owner, which the logs API needs');
            return [];
        }
        const newestFirst = [];
        let window = { startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString() };
        for (let page = 1; page <= MAX_LOG_PAGES; page++) {
            const query = new URLSearchParams({
                ownerId,
                ...window,
                direction: 'backward',
                limit: String(client/* PAGE_LIMIT */.Wt),
            });
            query.append('resource', this.client.serviceId);
            for (const type of types)
                query.append('type', type);
            const body = (await this.client.call('GET', '/logs', 'reading logs', { query }));
            for (const entry of body?.logs ?? []) {
                const type = entry.labels?.find((label) => label.name === 'type')?.value;
                newestFirst.push({
                    message: String(entry.message ?? ''),
                    timestamp: entry.timestamp,
                    stream: type === 'build' ? 'build' : 'app',
                });
            }
            if (newestFirst.length >= MAX_LOG_LINES) {
                notes.push(`only the newest ${MAX_LOG_LINES} log lines were read`);
                break;
            }
            if (!body?.hasMore || !body.nextStartTime || !body.nextEndTime)
                break;
            if (body.nextStartTime === window.startTime && body.nextEndTime === window.endTime) {
                notes.push('the logs API returned the same page window twice; stopped reading');
                break;
            }
            window = { startTime: body.nextStartTime, endTime: body.nextEndTime };
            if (page === MAX_LOG_PAGES)
                notes.push(`only ${MAX_LOG_PAGES} pages of logs were read`);
        }
        return newestFirst.slice(0, MAX_LOG_LINES).reverse();
    }
    async failureEvents(deploy, start, end) {
        // The `type` filter takes one type per request; one unfiltered request for the window is cheaper.
        const query = new URLSearchParams({
            startTime: new Date(start).toISOString(),
            endTime: new Date(end).toISOString(),
            limit: String(client/* PAGE_LIMIT */.Wt),
        });
        const items = await this.client.call('GET', `${this.client.servicePath()}/events`, 'reading events', {
            query,
        });
        if (!Array.isArray(items))
            return [];
        const events = [];
        for (const item of items) {
            const event = item?.event;
            if (!event?.type || !event.details || !FAILURE_EVENTS.has(event.type))
                continue;
            const details = event.details;
            // deploy_ended and pre_deploy_ended name the deploy; build_ended only its build, so the window decides.
            if (typeof details.deployId === 'string' && details.deployId !== deploy.id)
                continue;
            const outcome = String(details.deployStatus ?? details.buildStatus ?? details.preDeployStatus ?? 'failed');
            if (outcome === 'succeeded')
                continue;
            events.push({
                step: event.type.replace(/_ended$/, '').replace(/_/g, '-'),
                outcome,
                // server_failed carries the failure object itself as its reason.
                detail: describeFailure(event.type === 'server_failed' ? { failure: details.reason } : details.reason),
                at: event.timestamp,
            });
        }
        return events.sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''));
    }
}
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}


/***/ })

};
