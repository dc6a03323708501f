/** Model registry records as MLflow's REST API 2.0 returns them (model_registry.proto, JSON mapping). */
import type { KeyValue } from '../../../shared/tracking-types.js';

export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export interface ModelVersion {
  name: string;
  /** A string on the wire, as in MLflow. */
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: ModelStage;
  description: string;
  source: string;
  run_id: string;
  run_link?: string;
  status: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  tags: KeyValue[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  latest_versions: ModelVersion[];
  tags: KeyValue[];
  aliases: Array<{ alias: string; version: string }>;
}

export type ReviewDecision = 'approved' | 'rejected';

export interface ModelVersionReview {
  name: string;
  version: string;
  /** Who the server authenticated (a token's name, or the OS user); null for reviews recorded before MLDesk recorded identities. */
  reviewer_identity: string | null;
  /** A name the reviewer gave, shown only ('' when none). */
  reviewer_display: string;
  decision: ReviewDecision;
  comment: string;
  /** Quality gates the reviewer looked at (metric thresholds and their outcome), as given. */
  gates: unknown;
  created_time: number;
}

export interface AliasAuditEntry {
  name: string;
  alias: string;
  from_version: string | null;
  to_version: string | null;
  /** Who the server authenticated; null for moves recorded before MLDesk recorded identities. */
  actor_identity: string | null;
  /** A name the caller gave (the x-mldesk-user header), shown only. */
  actor_display: string;
  reason: string;
  time: number;
}

/**
 * Who asked for a change and why; recorded in the alias audit trail. `actor` is the identity the
 * transport authenticated (never a name the caller chose); `actorDisplay` is such a name, if any.
 */
export interface ChangeContext {
  actor?: string;
  actorDisplay?: string;
  reason?: string;
}

export interface RegistrySettings {
  /** A version becomes champion only with an approval by someone other than its authors. */
  four_eyes: boolean;
  updated_by: string | null;
  updated_time: number | null;
}
