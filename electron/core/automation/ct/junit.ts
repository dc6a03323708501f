/**
 * A pipeline run as JUnit XML for CI: one testsuite, one testcase per step (a failed step is a
 * failure with its error, a skipped one is skipped) and one per quality gate (a failed gate is a
 * failure with its numbers).
 */
import type { GateResult, PipelineRun } from '../../../../shared/app-api/pipelines.js';

function xml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; the rest escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const seconds = (start: number | null, end: number | null): string => (start !== null && end !== null ? ((end - start) / 1000).toFixed(3) : '0');

export function pipelineJUnit(run: PipelineRun): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  const suite = `pipeline ${run.model}`;
  for (const step of run.steps) {
    const name = `${step.ordinal + 1}. ${step.step}`;
    const open = `    <testcase classname="${xml(suite)}.steps" name="${xml(name)}" time="${seconds(step.startTime, step.endTime)}">`;
    if (step.status === 'failed' || step.status === 'cancelled') {
      failures++;
      const error = typeof step.detail.error === 'string' ? step.detail.error : step.status;
      cases.push(`${open}\n      <failure message="${xml(error)}">${xml(step.log)}</failure>\n    </testcase>`);
    } else if (step.status === 'skipped' || step.status === 'queued') {
      skipped++;
      const why = typeof step.detail.decision === 'string' ? step.detail.decision : 'not reached';
      cases.push(`${open}\n      <skipped message="${xml(why)}"/>\n    </testcase>`);
    } else cases.push(`${open}\n      <system-out>${xml(step.log)}</system-out>\n    </testcase>`);
  }
  const gateStep = run.steps.find((s) => s.step === 'gate');
  const gates = (Array.isArray(gateStep?.detail.gates) ? gateStep.detail.gates : []) as GateResult[];
  for (const gate of gates) {
    const open = `    <testcase classname="${xml(suite)}.gates" name="${xml(gate.name)}" time="0">`;
    if (gate.passed) cases.push(`${open}\n      <system-out>${xml(gate.message)}</system-out>\n    </testcase>`);
    else {
      failures++;
      cases.push(`${open}\n      <failure message="${xml(gate.message)}">value ${gate.value ?? 'n/a'}, threshold ${gate.threshold ?? 'n/a'}${gate.champion === null ? '' : `, champion ${gate.champion}`}</failure>\n    </testcase>`);
    }
  }
  const total = seconds(run.createdTime, run.endTime);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="mldesk pipeline" tests="${cases.length}" failures="${failures}" time="${total}">\n` +
    `  <testsuite name="${xml(suite)}" id="${run.id}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${total}" timestamp="${new Date(run.createdTime).toISOString()}">\n` +
    `    <properties>\n      <property name="state" value="${run.state}"/>\n      <property name="decision" value="${xml(run.decision ?? '')}"/>\n` +
    `      <property name="champion" value="${run.championVersion ?? ''}"/>\n      <property name="challenger" value="${run.challengerVersion ?? ''}"/>\n    </properties>\n` +
    `${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`
  );
}
