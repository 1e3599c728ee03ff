/** Closed set of failure codes; callers branch on `code`, never on message text. */
export type SuperDialogErrorCode =
  | 'invalid_playbook'
  | 'invalid_flow'
  | 'invalid_expression'
  | 'invalid_argument'
  | 'llm_http_error'
  | 'llm_timeout'
  | 'llm_exhausted'
  | 'llm_bad_response'
  | 'tool_failed'
  | 'engine_busy'
  | 'session_ended';

/** Every error this package throws on purpose. */
export class SuperDialogError extends Error {
  override readonly name = 'SuperDialogError';
  constructor(
    readonly code: SuperDialogErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** One problem found while loading an authored file: where it is and what is wrong. */
export interface LoadIssue {
  /** The file, or `<inline>` for parsed objects. */
  file: string;
  /** JSON-path-like location, e.g. `journeys.booking.checkpoints[1].slots.date.type`. */
  path: string;
  reason: string;
}

/** A playbook or flow that failed to load; `issues` lists every problem found, not just the first. */
export class LoadError extends SuperDialogError {
  constructor(
    code: 'invalid_playbook' | 'invalid_flow',
    readonly issues: readonly LoadIssue[],
  ) {
    super(code, issues.map((i) => `${i.file}: ${i.path || '<root>'}: ${i.reason}`).join('\n'));
  }
}

/** Message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
