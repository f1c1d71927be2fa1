/** Types for action-runner.mjs, so TypeScript tests can import it. */
export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  report?: Record<string, unknown> & {
    result: string;
    failureReason: string | null;
    failureMessage: string | null;
    probes: { name: string; kind: string; passed: boolean; failure?: string }[];
  };
  summary: string;
  durationMs: number;
}
export function parseFileCommands(text: string): Record<string, string>;
export class JobRunner {
  constructor(options?: { workspace?: string; env?: Record<string, string>; eventPath?: string });
  dir: string;
  workspace: string;
  summaryPath: string;
  state: Record<string, string>;
  run(
    entry: 'pre' | 'main' | 'post',
    inputs?: Record<string, string | number | boolean>,
    options?: { timeoutMs?: number; extraEnv?: Record<string, string> },
  ): Promise<ActionRun>;
}
export function summaryAsText(markdown: string): string;
