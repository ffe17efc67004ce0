// `npm run audit`: the dependency audit CI runs. Policy: a known vulnerability of severity high or critical in a
// production dependency (what the service and the packages ship; dev tooling is left out) fails the run; lower
// severities are printed. When the registry offers no audit endpoint (some mirrors answer 405), the audit cannot
// run: that is printed, and the run goes on rather than failing on something the project cannot change.
import { spawnSync } from 'node:child_process';
import { exit, stdout } from 'node:process';

const say = (line) => stdout.write(`${line}\n`);

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  say(`audit: no report (exit ${run.status}): ${(run.stderr || run.stdout).trim().slice(0, 300)}`);
  exit(0);
}
if (report.metadata?.vulnerabilities === undefined) {
  const why = report.message ?? report.error?.summary ?? 'no vulnerability data';
  say(`audit: the registry gave no audit data, not checked: ${String(why).replace(/https?:\/\/\S+/g, '<registry>')}`);
  exit(0);
}
const counts = report.metadata.vulnerabilities;
say(`audit (production dependencies): ${JSON.stringify(counts)}`);
const blocking = (counts.high ?? 0) + (counts.critical ?? 0);
if (blocking > 0) {
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
    if (v.severity === 'high' || v.severity === 'critical') say(`  ${v.severity}: ${name} ${v.range ?? ''}`);
  }
  say('audit: high or critical vulnerabilities in production dependencies: failing');
  exit(1);
}
