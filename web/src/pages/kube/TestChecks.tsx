/** "Test connection": each step (reachable, registry API, credentials, pull) with what it found. */
import { ago } from '../../format.ts';
import { type Check, STEP_LABELS, type TestResult } from './types.ts';

const STEPS: Check['step'][] = ['reachable', 'registry-api', 'credentials', 'pull'];

export function TestChecks(props: { result: TestResult; time?: string; title?: string }) {
  const { result } = props;
  return (
    <div className={result.ok ? 'test-result ok' : 'test-result failed'} role="status">
      <h2>
        {props.title ?? 'Test connection'}: {result.ok ? 'all checks passed' : 'failed'}
        {props.time ? <span className="muted small"> · {ago(props.time)}</span> : null}
      </h2>
      <ol className="checks">
        {STEPS.map((step) => {
          const check = result.checks.find((c) => c.step === step);
          const state = check ? (check.ok ? 'ok' : 'failed') : 'skipped';
          return (
            <li key={step} className={state} data-step={step}>
              <span className="check-mark" aria-hidden="true">
                {state === 'ok' ? '✓' : state === 'failed' ? '✗' : '–'}
              </span>
              <span className="check-step">{STEP_LABELS[step]}</span>
              <span className="check-message">
                {check?.message ??
                  (step === 'pull' && result.ok ? 'not checked: name a repository to try a pull' : 'not checked')}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

const FAILED_LABELS: Record<Check['step'], string> = {
  reachable: 'Unreachable',
  'registry-api': 'Not a registry API',
  credentials: 'Credentials refused',
  pull: 'Pull failed',
};

/** A compact badge for lists: the last test's outcome. */
export function LastTest(props: { test: (TestResult & { time: string }) | null }) {
  if (!props.test) return <span className="muted small">never tested</span>;
  const failed = props.test.checks.find((c) => !c.ok);
  return (
    <span title={failed ? `${STEP_LABELS[failed.step]}: ${failed.message}` : 'every check passed'}>
      <span className={props.test.ok ? 'badge ok' : 'badge failure'}>
        {/* Name the step that failed as a failure: a red "Reachable" read as if it were reachable. */}
        {props.test.ok ? 'OK' : failed ? FAILED_LABELS[failed.step] : 'Failed'}
      </span>
      <span className="muted small"> {ago(props.test.time)}</span>
    </span>
  );
}
