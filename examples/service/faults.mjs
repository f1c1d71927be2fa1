/**
 * Switchable faults. Each one reproduces a way a real deploy went wrong in the field, so the sentinel can be
 * shown (and tested) catching it against a live process instead of a mock.
 */

/**
 * @typedef {object} Faults
 * @property {string} spec The normalised spec, echoed back by the admin endpoint.
 * @property {boolean} ephemeral F2: storage is wiped on every start.
 * @property {number} warmupMs F4: answer 503 "starting" for this long after the faults take effect.
 * @property {boolean} degraded F5: health says "degraded" with the database disconnected.
 * @property {string | null} staleVersion F7: the version reported instead of APP_VERSION.
 * @property {number} flakyEvery Every n-th /health request fails with 500; 0 = off.
 * @property {number} blipAt Only this /health request (1-based) fails with 503; 0 = off.
 * @property {boolean} badCredentials F3: login always answers 401.
 * @property {boolean} loseWrites POST /api/notes acknowledges notes without storing them.
 */

/** @type {Faults} */
export const NO_FAULTS = Object.freeze({
  spec: '',
  ephemeral: false,
  warmupMs: 0,
  degraded: false,
  staleVersion: null,
  flakyEvery: 0,
  blipAt: 0,
  badCredentials: false,
  loseWrites: false,
});

/** Faults without a value, by name, mapped to their property. */
const FLAGS = {
  ephemeral: 'ephemeral',
  degraded: 'degraded',
  'bad-credentials': 'badCredentials',
  'lose-writes': 'loseWrites',
};

/**
 * Parses a comma-separated fault list such as `warmup=2000,flaky=3`.
 *
 * Unknown names and bad values throw: a typo in FAULTS that silently disabled a fault would make a demo or
 * test pass for the wrong reason.
 *
 * @param {string | undefined} spec
 * @returns {Faults}
 */
export function parseFaults(spec) {
  /** @type {Faults} */
  const faults = { ...NO_FAULTS };
  const items = (spec ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  faults.spec = items.join(',');
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = eq === -1 ? item : item.slice(0, eq);
    const value = eq === -1 ? null : item.slice(eq + 1);
    if (Object.hasOwn(FLAGS, name)) {
      if (value !== null) throw new Error(`fault "${name}" takes no value`);
      faults[FLAGS[name]] = true;
    } else if (name === 'warmup') {
      faults.warmupMs = positiveInteger(name, value);
    } else if (name === 'flaky') {
      faults.flakyEvery = positiveInteger(name, value);
    } else if (name === 'blip-at') {
      faults.blipAt = positiveInteger(name, value);
    } else if (name === 'stale-version') {
      if (!value) throw new Error('fault "stale-version" needs a version, e.g. stale-version=1.0.0');
      faults.staleVersion = value;
    } else {
      throw new Error(
        `unknown fault "${name}" (known: ephemeral, warmup=<ms>, degraded, stale-version=<v>, ` +
          'flaky=<n>, blip-at=<k>, bad-credentials, lose-writes)',
      );
    }
  }
  return faults;
}

/**
 * @param {string} name
 * @param {string | null} value
 * @returns {number}
 */
function positiveInteger(name, value) {
  const parsed = value !== null && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(
      `fault "${name}" needs a positive integer, e.g. ${name}=3 (got ${JSON.stringify(value)})`,
    );
  }
  return parsed;
}
