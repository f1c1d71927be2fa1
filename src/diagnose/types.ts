/** What the diagnosis reads (provider log lines and events) and what it finds. */

/** One provider log line, already fetched by a provider client. */
export interface LogLine {
  timestamp?: string;
  message: string;
  stream: 'build' | 'deploy' | 'app';
}

/** A provider event about the failed deploy, e.g. Render's deploy_ended reason.failure or Railway's deploymentEvents step. */
export interface ProviderEvent {
  step: string;
  outcome: string;
  detail?: string;
  at?: string;
}

/** Stable codes of the failure signatures this module knows, most causal first (see DIAGNOSIS_ORDER). */
export type DiagnosisId =
  | 'missing-env-var'
  | 'db-auth-failed'
  | 'db-ssl-required'
  | 'database-missing'
  | 'module-not-found'
  | 'start-command-not-found'
  | 'migration-failed'
  | 'table-missing'
  | 'out-of-memory'
  | 'disk-full'
  | 'bound-to-localhost'
  | 'port-in-use'
  | 'db-unclean-shutdown'
  | 'db-too-many-connections'
  | 'host-not-found'
  | 'network-unreachable'
  | 'db-not-ready'
  | 'connection-refused'
  | 'connection-reset'
  | 'sqlite-fallback'
  | 'port-not-bound'
  | 'app-crashed'
  | 'pre-deploy-failed'
  | 'healthcheck-failed';

/** A known failure signature found in the evidence, in plain language. */
export interface Diagnosis {
  /** Stable code, e.g. `sqlite-fallback`. */
  id: DiagnosisId;
  /** Short, e.g. "The app fell back to SQLite". */
  title: string;
  /** One or two sentences: what this means for the system. */
  explanation: string;
  /** The suggested fix, imperative, ending with a concrete action. */
  fix: string;
  /** The matching log line or event, trimmed to at most MAX_EVIDENCE_CHARS characters. */
  evidence: string;
}

/** Everything the report needs about a failed deploy's logs. */
export interface Evidence {
  /** The last `maxTailLines` lines, redacted, each message capped to `maxLineChars` after redaction. */
  tail: LogLine[];
  /** True when lines were dropped for the tail. */
  truncated: boolean;
  /** The events, redacted and capped like the tail. */
  events: ProviderEvent[];
  /** At most one per id, most causal first, evidence redacted. */
  diagnoses: Diagnosis[];
}
