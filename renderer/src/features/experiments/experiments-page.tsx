export function ExperimentsPage({ experimentId }: { experimentId: string | null }) {
  return <main className="page">Experiments {experimentId}</main>;
}
