import type { LogLine } from '../../diagnose/index.js';
import { cursorPages } from '../paging.js';
import type { CloudRunClient } from './client.js';
import type { ServiceName } from './names.js';

/** Entries per `entries:list` page (the API takes up to 1000). */
export const LOG_PAGE_SIZE = 250;
/** Pages read at most: `entries:list` has a small per-project read quota, shared with everyone reading logs. */
export const MAX_LOG_PAGES = 4;
/** Lines kept, newest first; the diagnosis and the tail need far fewer. */
export const MAX_LOG_LINES = 1000;
/** Characters kept of a structured (JSON) entry without a message field. */
const MAX_JSON_CHARS = 2000;

/**
 * The logs Cloud Run writes for a revision: the container's stdout and stderr, and the platform's own
 * system log (`run.googleapis.com/varlog/system`: container exits, failed startup probes, memory limits,
 * the Ready condition turning False). Request logs are left out: the action's own probes fill them.
 */
export const REVISION_LOG_IDS = [
  'run.googleapis.com/stdout',
  'run.googleapis.com/stderr',
  'run.googleapis.com/varlog/system',
] as const;

/** One LogEntry, as proto3 JSON (google/logging/v2/log_entry.proto), the fields read here. */
interface LogEntryJson {
  logName?: string;
  timestamp?: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
}

/**
 * The Cloud Logging filter for one revision in a time window: `resource.type`, the service and revision
 * labels, the window, and the three logs above by `log_id()` (which matches whether the entries name the
 * project by ID or number; `logName` would need the ID, URL-encoded).
 */
export function revisionLogFilter(
  service: ServiceName,
  revision: string,
  window: { start: number; end: number },
): string {
  return [
    'resource.type="cloud_run_revision"',
    `resource.labels.service_name="${service.service}"`,
    `resource.labels.revision_name="${revision}"`,
    `timestamp>="${new Date(window.start).toISOString()}"`,
    `timestamp<="${new Date(window.end).toISOString()}"`,
    `(${REVISION_LOG_IDS.map((id) => `log_id("${id}")`).join(' OR ')})`,
  ].join(' AND ');
}

/**
 * Reads a revision's log lines, newest first from the API and returned oldest first, paged by
 * `nextPageToken` (a page may be empty and still have a token, as Cloud Logging documents) and capped at
 * {@link MAX_LOG_PAGES} pages and {@link MAX_LOG_LINES} lines; each cap reached is a note.
 */
export async function readRevisionLogs(
  client: CloudRunClient,
  service: ServiceName,
  revision: string,
  window: { start: number; end: number },
  notes: string[],
): Promise<LogLine[]> {
  const body = {
    resourceNames: [`projects/${service.project}`],
    filter: revisionLogFilter(service, revision, window),
    orderBy: 'timestamp desc',
    pageSize: LOG_PAGE_SIZE,
  };
  const what = `reading the logs of revision ${revision}`;
  const newestFirst: LogLine[] = [];
  let pages = 0;
  let more = false;
  for await (const entries of cursorPages<LogEntryJson>(
    async (pageToken) => {
      pages++;
      const page = (await client.call('logging', 'POST', client.loggingUrl('/v2/entries:list'), what, {
        body: pageToken ? { ...body, pageToken } : body,
        // A read, though it is a POST: safe to send again after a 5xx.
        idempotent: true,
      })) as { entries?: LogEntryJson[]; nextPageToken?: string } | undefined;
      more = Boolean(page?.nextPageToken);
      return {
        items: Array.isArray(page?.entries) ? page.entries : [],
        hasMore: more,
        next: page?.nextPageToken || undefined,
      };
    },
    {
      label: 'Cloud Logging',
      what,
      maxPages: MAX_LOG_PAGES,
      atLimit: 'stop',
      fix: 'The newest lines are in the report; read the rest in the Logs Explorer.',
    },
  )) {
    for (const entry of entries) newestFirst.push(toLogLine(entry));
    if (newestFirst.length >= MAX_LOG_LINES) break;
  }
  if (newestFirst.length >= MAX_LOG_LINES) notes.push(`only the newest ${MAX_LOG_LINES} log lines were read`);
  else if (more && pages >= MAX_LOG_PAGES) notes.push(`only ${MAX_LOG_PAGES} pages of logs were read`);
  return newestFirst.slice(0, MAX_LOG_LINES).reverse();
}

function toLogLine(entry: LogEntryJson): LogLine {
  const system = (entry.logName ?? '').endsWith('%2Fvarlog%2Fsystem');
  return { message: messageOf(entry), timestamp: entry.timestamp, stream: system ? 'deploy' : 'app' };
}

/** The text of an entry: `textPayload`, a structured log's `message`, or its JSON, cut short. */
function messageOf(entry: LogEntryJson): string {
  if (typeof entry.textPayload === 'string') return entry.textPayload;
  const json = entry.jsonPayload;
  if (!json) return '';
  for (const field of ['message', 'msg', 'textPayload']) {
    if (typeof json[field] === 'string') return json[field] as string;
  }
  return JSON.stringify(json).slice(0, MAX_JSON_CHARS);
}
