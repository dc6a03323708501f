import { describe, expect, it } from 'vitest';
import { ModelCardSchema } from '../../../shared/app-api/handoff.js';
import type { ModelVersion, RegisteredModel } from '../registry/registry-types.js';
import type { ModelSignature } from '../training/model-files.js';
import { modelCard, modelCardMarkdown, type ModelCardInput } from './package-model-card.js';

const version: ModelVersion = {
  name: 'churn',
  version: '3',
  creation_timestamp: 1,
  last_updated_timestamp: 1,
  current_stage: 'None',
  description: 'For the retention team | weekly batch',
  source: 'runs:/r1/model',
  run_id: 'r1',
  status: 'READY',
  tags: [],
  aliases: ['champion'],
};
const model: RegisteredModel = { name: 'churn', creation_timestamp: 1, last_updated_timestamp: 1, description: 'Predicts churn.', latest_versions: [], tags: [], aliases: [] };
const signature: ModelSignature = {
  format: 'mldesk.signature',
  version: 1,
  template: 'mlp',
  inputs: [
    { name: 'tenure|months', type: 'numeric', imputedWith: 10, range: { min: 0, max: 72 } },
    { name: 'plan', type: 'categorical', imputedWith: 'basic', categories: ['basic', 'premium'] },
  ],
  ignoredColumns: ['customer_id'],
  output: { name: 'churned', task: 'classification', kind: 'probabilities', classes: ['no', 'yes'], positiveClass: 'yes' },
  unknownCategory: 'zeros',
};
const input: ModelCardInput = {
  model,
  version,
  signature,
  lineage: null,
  metrics: { val_accuracy: 0.912345, 'weird|metric': 1 },
  evaluation: null,
  qualityTests: [],
  reviews: [{ name: 'churn', version: '3', reviewer_identity: 'ana', reviewer_display: '', decision: 'approved', comment: 'ok\nshipped', gates: null, created_time: 0 }],
  referenceStatus: null,
};

describe('model card', () => {
  it('states intended use, limits and the caveats that apply, in the schema the package declares', () => {
    const card = ModelCardSchema.parse(modelCard(input));
    expect(card.intendedUse).toBe('Predicts churn.\n\nFor the retention team | weekly batch');
    expect(card.limits.features).toEqual([
      { name: 'tenure|months', type: 'numeric', min: 0, max: 72 },
      { name: 'plan', type: 'categorical', categories: ['basic', 'premium'] },
    ]);
    expect(card.limits.caveats.join('\n')).toContain('customer_id');
    expect(card.limits.caveats.join('\n')).toContain('not trained by MLDesk');
    expect(card.limits.caveats.join('\n')).toContain('No reference profile');
    expect(card.approvals).toEqual([{ reviewer: 'ana', decision: 'approved', comment: 'ok\nshipped', time: 0 }]);
  });

  it('keeps table cells whole in markdown: a | or a line break in a name cannot add a column or end a row', () => {
    const markdown = modelCardMarkdown(modelCard(input));
    expect(markdown).toContain('| tenure\\|months | numeric | 0 to 72 |');
    expect(markdown).toContain('| weird\\|metric | 1 |');
    expect(markdown).toContain('| val_accuracy | 0.9123 |');
    const tableRows = markdown.split('\n').filter((line) => line.startsWith('|'));
    for (const row of tableRows) expect(row.replace(/\\\|/g, '').split('|').length - 2, row).toBeGreaterThanOrEqual(2);
  });
});
