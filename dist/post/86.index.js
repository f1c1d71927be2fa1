export const id = 86;
export const ids = [86];
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

/***/ 9086:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Wt: () => (/* binding */ PAGE_LIMIT),
  RENDER_API_URL: () => (/* binding */ RENDER_API_URL),
  iF: () => (/* binding */ RenderClient),
  fs: () => (/* binding */ providerMessage)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/providers/api-client.ts
var api_client = __webpack_require__(2920);
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


/***/ })

};
