import type { Migration } from './migrations.js';

/** Alerts (issue 13). Not shipped yet while issue 13 is open; after that, never edit it. */
export const ALERTS_MIGRATION: Migration = {
  version: 15,
  description: 'alerts: rules per model, firing and resolved alerts with their evidence, webhook deliveries',
  sql: `
    CREATE TABLE alert_rules (
      rule_pk INTEGER PRIMARY KEY,
      model_id INTEGER NOT NULL REFERENCES registered_models(model_id) ON DELETE CASCADE,
      rule_json TEXT NOT NULL CHECK (json_valid(rule_json)),
      webhook_url TEXT,
      enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
      created_time INTEGER NOT NULL
    ) STRICT;

    -- evidence_json: the windows and features behind the alert.
    CREATE TABLE alerts (
      alert_pk INTEGER PRIMARY KEY,
      rule_pk INTEGER NOT NULL REFERENCES alert_rules(rule_pk) ON DELETE CASCADE,
      version_pk INTEGER REFERENCES model_versions(version_pk) ON DELETE SET NULL,
      state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
      message TEXT NOT NULL,
      value REAL,
      fired_time INTEGER NOT NULL,
      resolved_time INTEGER,
      evidence_json TEXT NOT NULL CHECK (json_valid(evidence_json)),
      -- Raised on every fire and resolve: processes sharing the database (the app, serve, a model
      -- server) see each other's changes by it, without trusting their clocks.
      change_seq INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX alerts_by_change ON alerts(change_seq);

    -- A deleted version's windows are gone with it: its open alerts resolve instead of firing forever.
    CREATE TRIGGER alerts_resolve_with_version BEFORE DELETE ON model_versions BEGIN
      UPDATE alerts SET state = 'resolved', resolved_time = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
        change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM alerts)
      WHERE version_pk = OLD.version_pk AND state = 'firing';
    END;
    CREATE INDEX alerts_by_rule ON alerts(rule_pk, fired_time);
    -- At most one open episode per rule and version: the guard against firing twice.
    CREATE UNIQUE INDEX alerts_one_firing ON alerts(rule_pk, version_pk) WHERE state = 'firing';

    CREATE TABLE webhook_deliveries (
      delivery_pk INTEGER PRIMARY KEY,
      alert_pk INTEGER NOT NULL REFERENCES alerts(alert_pk) ON DELETE CASCADE,
      event TEXT NOT NULL CHECK (event IN ('firing', 'resolved')),
      url TEXT NOT NULL,
      -- The body as it was when the event happened: a resolution later does not rewrite a firing's.
      payload_json TEXT NOT NULL CHECK (json_valid(payload_json)),
      attempts INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      last_http_status INTEGER,
      last_error TEXT,
      next_attempt_time INTEGER,
      created_time INTEGER NOT NULL,
      updated_time INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_time);

    -- Every attempt of a delivery, for the delivery log.
    CREATE TABLE webhook_attempts (
      delivery_pk INTEGER NOT NULL REFERENCES webhook_deliveries(delivery_pk) ON DELETE CASCADE,
      attempt INTEGER NOT NULL CHECK (attempt >= 1),
      time INTEGER NOT NULL,
      http_status INTEGER,
      error TEXT,
      PRIMARY KEY (delivery_pk, attempt)
    ) STRICT, WITHOUT ROWID;
  `,
};
