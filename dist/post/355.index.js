export const id = 355;
export const ids = [355];
export const modules = {

/***/ 2920:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   DI: () => (/* binding */ providerApiClient),
/* harmony export */   pe: () => (/* binding */ parseTime)
/* harmony export */ });
/* unused harmony exports ApiClient, resetInMs */
/* harmony import */ var _duration_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7607);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3916);
/* harmony import */ var _http_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6803);
/* harmony import */ var _poll_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9810);




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

/***/ 9355:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RAILWAY_API_URL: () => (/* binding */ RAILWAY_API_URL),
/* harmony export */   x: () => (/* binding */ RailwayClient)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);
/* harmony import */ var _api_client_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2920);
/* harmony import */ var _operations_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9986);



/** Railway's public GraphQL API; `api-url` overrides it (proxies, tests). */
const RAILWAY_API_URL = 'https://backboard.railway.com/graphql/v2';
/**
 * Railway's GraphQL API as the provider calls it: the token sent the way its type needs (found out once
 * when `auto`), every operation from RAILWAY_OPERATIONS, and GraphQL errors on a 200 mapped to our errors
 * (a rejected token or an unknown ID is a configuration error naming the input).
 */
class RailwayClient {
    options;
    api;
    /** The project, as soon as any answer names it (the token check, the service instance, a deployment). */
    projectId;
    /** The environment calls are about: `environment-id`, or the PR environment once one is used. */
    environmentId;
    auth;
    constructor(options) {
        this.options = options;
        this.environmentId = options.environmentId;
        // Auth headers depend on the token type, decided per call (authHeaders), not here.
        this.api = (0,_api_client_js__WEBPACK_IMPORTED_MODULE_1__/* .providerApiClient */ .DI)('Railway', options, {});
    }
    /** Authorization for this token: asked once (`auto`), then reused for every call and the socket. */
    async authHeaders() {
        if (this.auth)
            return this.auth;
        const { token, tokenType } = this.options;
        const bearer = { authorization: `Bearer ${token}` };
        const project = { 'project-access-token': token };
        if (tokenType === 'account')
            this.auth = bearer;
        else if (tokenType === 'project')
            this.auth = project;
        else {
            // A project token answers `projectToken`; account and workspace tokens do not. One request decides.
            const response = await this.post(_operations_js__WEBPACK_IMPORTED_MODULE_2__/* .RAILWAY_OPERATIONS */ .F.projectToken, {}, project, 'checking the token type', true);
            const body = response.status === 200
                ? this.api.json(response, 'checking the token type')
                : undefined;
            const projectId = body?.data?.projectToken?.projectId;
            this.auth = projectId ? project : bearer;
            this.projectId ??= projectId;
            this.options.log(`Railway: api-token is ${projectId ? 'a project token' : 'an account or workspace token'}.`);
        }
        return this.auth;
    }
    post(query, variables, headers, what, idempotent) {
        return this.api.send({
            method: 'POST',
            url: this.options.apiUrl,
            body: { query, variables },
            headers,
            what,
            idempotent,
        });
    }
    /** One operation; GraphQL `errors` on a 200 are errors, quoted, and auth errors name `api-token`. */
    async query(name, variables, options = {}) {
        const what = `the ${name} ${options.mutation ? 'mutation' : 'query'}`;
        const response = await this.post(_operations_js__WEBPACK_IMPORTED_MODULE_2__/* .RAILWAY_OPERATIONS */ .F[name], variables, await this.authHeaders(), what, !options.mutation);
        if (response.status === 401 || response.status === 403)
            throw this.authError(what, `HTTP ${response.status}`);
        if (response.status < 200 || response.status >= 300) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ProviderApiError */ .yD(`Railway API: ${what} failed with HTTP ${response.status}.`, response.status);
        }
        const body = this.api.json(response, what);
        const errors = Array.isArray(body?.errors) ? body.errors : [];
        if (errors.length > 0) {
            const said = this.options.redact(errors.map((e) => String(e?.message ?? 'unknown error')).join('; '));
            if (/not authori[sz]ed|project token not found|unauthenticated/i.test(said))
                throw this.authError(what, said);
            if (options.notFound === 'deploy' && /not found/i.test(said)) {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ProviderConfigError */ .iI(`Railway has no deployment ${String(variables.id)} (${what} said: "${said}"). Check input \`deploy-id\`. ` +
                    'Fix: pass a deployment ID of this service, or leave `deploy-id` empty to find the deployment by commit.');
            }
            if (/service.*not found|environment.*not found|serviceinstance.*not found/i.test(said)) {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ProviderConfigError */ .iI(`Railway does not know service "${this.options.serviceId}" in environment "${this.environmentId}" ` +
                    `(${what} said: "${said}"). Check inputs \`service-id\` and \`environment-id\`. ` +
                    "Fix: copy both IDs from the service's Settings page in the Railway dashboard.");
            }
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ProviderApiError */ .yD(`Railway API: ${what} returned errors: "${said}".`, response.status, said);
        }
        if (!body?.data)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ProviderApiError */ .yD(`Railway API: ${what} returned no data; check \`api-url\`.`);
        return body.data;
    }
    authError(what, said) {
        return new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ProviderConfigError */ .iI(`Railway rejected the token in input \`api-token\` (${what}: "${said}"). ` +
            'Fix: create a token under Railway Account Settings → Tokens (or a project token in the project settings) and ' +
            'pass it from a secret; if it is a project token, it must belong to the environment in `environment-id`. ' +
            'Set `api-token-type` if the automatic choice is wrong.');
    }
}


/***/ }),

/***/ 9986:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   F: () => (/* binding */ RAILWAY_OPERATIONS)
/* harmony export */ });
/* unused harmony export DEPLOYMENT_FIELDS */
/** The GraphQL selection of a deployment, the same in every operation that returns one. */
const DEPLOYMENT_FIELDS = 'id status createdAt statusUpdatedAt canRollback meta projectId';
/**
 * Every operation the action sends, in one place, so a test validates each one against Railway's
 * schema (shared/specs/railway/schema.json).
 */
const RAILWAY_OPERATIONS = {
    projectToken: 'query ProjectToken { projectToken { projectId environmentId } }',
    serviceInstance: `query ServiceInstance($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) {
    serviceName
    domains { serviceDomains { domain } customDomains { domain } }
    latestDeployment { projectId }
  }
}`,
    deployments: `query Deployments($input: DeploymentListInput!, $first: Int, $after: String) {
  deployments(input: $input, first: $first, after: $after) {
    edges { node { ${DEPLOYMENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    deployment: `query Deployment($id: String!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`,
    deploy: `mutation ServiceInstanceDeployV2($serviceId: String!, $environmentId: String!, $commitSha: String) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId, commitSha: $commitSha)
}`,
    // deploymentRollback returns a Boolean: a selection set would be invalid against the schema.
    rollback: 'mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) }',
    buildLogs: `query BuildLogs($deploymentId: String!, $limit: Int) {
  buildLogs(deploymentId: $deploymentId, limit: $limit) { timestamp message severity }
}`,
    deploymentLogs: `query DeploymentLogs($deploymentId: String!, $limit: Int) {
  deploymentLogs(deploymentId: $deploymentId, limit: $limit) { timestamp message severity }
}`,
    deploymentEvents: `query DeploymentEvents($id: String!, $first: Int) {
  deploymentEvents(id: $id, first: $first) {
    edges { node { step createdAt completedAt payload { error reason detail } } }
  }
}`,
    project: 'query Service($id: String!) { service(id: $id) { projectId } }',
    previewEnvironments: `query Environments($projectId: String!, $first: Int, $after: String) {
  environments(projectId: $projectId, isEphemeral: true, first: $first, after: $after) {
    edges { node { id name meta { prNumber branch } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    subscribeDeployment: `subscription Deployment($id: String!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`,
};


/***/ })

};
