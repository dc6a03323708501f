export function CompareRunsPage({ runIds }: { runIds: string[] }) {
  return <main className="page">Compare {runIds.join(', ')}</main>;
}
