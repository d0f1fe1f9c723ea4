/**
 * An expiry report as a monitoring script would run it: every connector's certificates,
 * written as Prometheus text for node_exporter's textfile collector, a summary on stdout, and
 * the Nagios exit code.
 *
 *   PFXKIT_ACCESS_TOKEN=... node dist/examples/expiry-report.js /var/lib/node_exporter/pfxkit.prom
 *
 * Token: PFXKIT_ACCESS_TOKEN if set, else DefaultAzureCredential. Graph: PFXKIT_GRAPH_URL.
 */
import { rename, writeFile } from 'node:fs/promises';
import { credentialToken, defaultCredential, formatPrometheus, GraphHttp, graphBaseUrl, nagiosExitCode, reportConnectors, scopeFor, staticToken } from 'pfxkit';

const out = process.argv[2];
const baseUrl = graphBaseUrl('global', process.env.PFXKIT_GRAPH_URL || undefined);
const token = process.env.PFXKIT_ACCESS_TOKEN ? staticToken(process.env.PFXKIT_ACCESS_TOKEN) : credentialToken(await defaultCredential('global'), scopeFor(baseUrl));
const report = await reportConnectors(new GraphHttp({ baseUrl, token }), { now: new Date(), thresholds: { warnDays: 28, critDays: 14 } });

if (out) {
  // Atomically: the collector must never read half a file.
  await writeFile(`${out}.tmp`, formatPrometheus(report));
  await rename(`${out}.tmp`, out);
}
const counts = new Map<string, number>();
for (const r of report.rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
console.log(`${report.rows.length} certificates: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}`);
for (const r of report.rows.filter((x) => x.status !== 'ok')) {
  console.log(`  ${r.status.padEnd(8)} ${r.connector?.displayName}: ${r.thumbprint}, ${r.daysRemaining} days left${r.isActive ? ' (active)' : ''}`);
}
for (const e of report.errors) console.error(`${e.code}: ${e.message}`);
process.exitCode = nagiosExitCode(report);
