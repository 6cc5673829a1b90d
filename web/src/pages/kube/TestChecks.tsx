/** "Test connection": each step (reachable, registry API, credentials, pull) with what it found. */
import { ago } from '../../format.ts';
import { messages, useT } from '../../i18n/index.ts';
import type { Check, TestResult } from './types.ts';

const STEPS: Check['step'][] = ['reachable', 'registry-api', 'credentials', 'pull'];

export function TestChecks(props: { result: TestResult; time?: string; title?: string }) {
  const t = useT(text);
  const { result } = props;
  return (
    <div className={result.ok ? 'test-result ok' : 'test-result failed'} role="status">
      <h2>
        {t(result.ok ? 'passedTitle' : 'failedTitle', { title: props.title ?? t('test') })}
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
              <span className="check-step">{t(step)}</span>
              <span className="check-message">
                {check?.message ?? (step === 'pull' && result.ok ? t('pullNotChecked') : t('notChecked'))}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

const FAILED_LABELS = {
  reachable: 'unreachable',
  'registry-api': 'notRegistry',
  credentials: 'refused',
  pull: 'pullFailed',
} as const satisfies Record<Check['step'], string>;

/** A compact badge for lists: the last test's outcome. */
export function LastTest(props: { test: (TestResult & { time: string }) | null }) {
  const t = useT(text);
  if (!props.test) return <span className="muted small">{t('never')}</span>;
  const failed = props.test.checks.find((c) => !c.ok);
  return (
    <span title={failed ? `${t(failed.step)}: ${failed.message}` : t('everyPassed')}>
      <span className={props.test.ok ? 'badge ok' : 'badge failure'}>
        {/* Name the step that failed as a failure: a red "Reachable" read as if it were reachable. */}
        {props.test.ok ? t('ok') : failed ? t(FAILED_LABELS[failed.step]) : t('failed')}
      </span>
      <span className="muted small"> {ago(props.test.time)}</span>
    </span>
  );
}

const text = messages(
  {
    test: 'Test connection',
    passedTitle: '{title}: all checks passed',
    failedTitle: '{title}: failed',
    reachable: 'Reachable',
    'registry-api': 'Registry API (/v2/)',
    credentials: 'Credentials',
    pull: 'Pull',
    pullNotChecked: 'not checked: name a repository to try a pull',
    notChecked: 'not checked',
    unreachable: 'Unreachable',
    notRegistry: 'Not a registry API',
    refused: 'Credentials refused',
    pullFailed: 'Pull failed',
    never: 'never tested',
    everyPassed: 'every check passed',
    ok: 'OK',
    failed: 'Failed',
  },
  {
    test: '测试连接',
    passedTitle: '{title}：全部检查通过',
    failedTitle: '{title}：失败',
    reachable: '可访问',
    'registry-api': '仓库 API（/v2/）',
    credentials: '凭据',
    pull: '拉取',
    pullNotChecked: '未检查：填写一个仓库以尝试拉取',
    notChecked: '未检查',
    unreachable: '无法访问',
    notRegistry: '不是镜像仓库 API',
    refused: '凭据被拒绝',
    pullFailed: '拉取失败',
    never: '从未测试',
    everyPassed: '全部检查通过',
    ok: '正常',
    failed: '失败',
  },
);
