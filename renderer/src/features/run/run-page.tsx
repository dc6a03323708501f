export function RunPage({ runId }: { runId: string }) {
  return <main className="page">Run {runId}</main>;
}
