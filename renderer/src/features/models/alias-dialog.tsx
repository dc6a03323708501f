import { useId, useState } from 'react';
import { CHAMPION } from '../../../../shared/app-api/models';
import { FormDialog } from './form-dialog';
import { moveAlias, rollbackAlias } from './models-store';

export type AliasMove =
  /** Point an alias (champion, or one the user names) at a version. */
  | { kind: 'set'; toVersion: string; alias: string | null }
  /** Move the champion back to the version it held before. */
  | { kind: 'rollback'; fromVersion: string; toVersion: string };

const ALIAS_PATTERN = /^[\w-]{1,255}$/;

/**
 * Confirms an alias move, naming it from-version → to-version, and asks why (kept in the audit
 * trail). A refusal, such as champion for a version nobody approved, is shown here as the server says it.
 */
export function AliasDialog({ name, move, aliases, championRefusal, onClose }: {
  name: string;
  move: AliasMove;
  aliases: Array<{ alias: string; version: string }>;
  /** Why the target version may not be champion (from the server's rule); null when it may. */
  championRefusal: string | null;
  onClose: () => void;
}) {
  const [aliasText, setAliasText] = useState(move.kind === 'set' ? (move.alias ?? '') : CHAMPION);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const aliasId = useId();
  const reasonId = useId();
  const alias = aliasText.trim();
  const fixedAlias = move.kind === 'rollback' || move.alias !== null;
  const fromVersion = move.kind === 'rollback' ? move.fromVersion : (aliases.find((a) => a.alias === alias)?.version ?? null);
  const aliasProblem = alias !== '' && !ALIAS_PATTERN.test(alias) ? "An alias holds letters, digits, '_' and '-' only." : null;
  const unchanged = fromVersion === move.toVersion;
  // Said before a reason is typed, not after: the server would refuse the move for this reason.
  const refused = move.kind === 'set' && alias === CHAMPION ? championRefusal : null;

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      if (move.kind === 'rollback') await rollbackAlias(name, CHAMPION, reason);
      else await moveAlias(name, alias, move.toVersion, reason);
      onClose();
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };

  const title = move.kind === 'rollback' ? `Roll back ${name}@champion?` : alias === CHAMPION && fixedAlias ? `Promote ${name} v${move.toVersion} to champion?` : `Set an alias on ${name} v${move.toVersion}`;
  return (
    <FormDialog
      title={title}
      testId="alias-dialog"
      confirmLabel={move.kind === 'rollback' ? 'Roll back' : alias === CHAMPION ? 'Promote' : 'Set alias'}
      confirmClass={move.kind === 'rollback' ? 'btn-danger' : 'btn-primary'}
      busy={busy}
      error={error}
      canConfirm={alias !== '' && aliasProblem === null && reason.trim() !== '' && !unchanged && refused === null}
      onConfirm={() => void confirm()}
      onCancel={onClose}
    >
      {!fixedAlias && (
        <>
          <label className="dialog-field" htmlFor={aliasId}>
            Alias
          </label>
          <input id={aliasId} type="text" list={`${aliasId}-known`} value={aliasText} onChange={(event) => setAliasText(event.target.value)} placeholder="champion, challenger, staging…" aria-invalid={aliasProblem !== null} />
          <datalist id={`${aliasId}-known`}>
            {[CHAMPION, ...aliases.map((a) => a.alias).filter((a) => a !== CHAMPION)].map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          {aliasProblem && <p className="field-error">{aliasProblem}</p>}
        </>
      )}
      <div className="alias-move" data-testid="alias-move">
        <span className="alias-move-alias">@{alias || '…'}</span>
        <span className={`alias-move-version${fromVersion ? '' : ' none'}`} data-testid="alias-from">
          {fromVersion ? `v${fromVersion}` : 'unset'}
        </span>
        <span aria-hidden="true" className="alias-move-arrow">
          →
        </span>
        <span className="alias-move-version to" data-testid="alias-to">
          v{move.toVersion}
        </span>
      </div>
      {unchanged && <p className="muted">@{alias} already points at v{move.toVersion}.</p>}
      {refused !== null ? (
        <p className="field-error" data-testid="champion-refused">
          v{move.toVersion} cannot be champion yet: {refused}.
        </p>
      ) : (
        alias === CHAMPION && move.kind === 'set' && <p className="dialog-intro">Only an approved version can be champion; deployments of @champion serve it.</p>
      )}
      <label className="dialog-field" htmlFor={reasonId}>
        Reason <span className="muted">(kept in the audit trail)</span>
      </label>
      <textarea id={reasonId} rows={3} value={reason} onChange={(event) => setReason(event.target.value)} placeholder={move.kind === 'rollback' ? 'What went wrong with the current champion…' : 'Why this version…'} />
    </FormDialog>
  );
}
