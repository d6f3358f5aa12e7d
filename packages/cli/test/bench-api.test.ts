/**
 * `bluezone bench api --quick --json`: the device API benchmark runs end to end against real
 * server processes (SQLite, and PostgreSQL when DATABASE_URL is set), every request succeeds,
 * and every process it started is gone afterwards. Needs the build (`npx tsc -b`): the servers
 * run the compiled CLI.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

interface RunJson {
  requestsPerSecond: number;
  p99Ms: number;
  requests: number;
}

interface WorkloadJson {
  requestsPerSecond: number;
  p99Ms: number;
  ratio: number;
  runs: RunJson[];
}

interface ApiJson {
  id: string;
  quick: boolean;
  engines: string[];
  postgresSkipped: boolean;
  bare: { requestsPerSecond: number; p99Ms: number; runs: RunJson[] };
  results: Record<string, { pid: number; tokens: number; installs: WorkloadJson; heartbeat: WorkloadJson }>;
  requests: number;
  errors: number;
  non2xx: number;
  ratio: number;
  met: boolean;
  pids: number[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('bluezone bench api', () => {
  it('measures registrations and heartbeats against a bare endpoint, then stops its servers', async () => {
    const r = await runCli(['bench', 'api', '--quick', '--json']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as ApiJson;
    expect(json.id).toBe('api');
    expect(json.quick).toBe(true);
    const postgres = process.env['DATABASE_URL'] !== undefined && process.env['DATABASE_URL'] !== '';
    expect(json.engines).toEqual(postgres ? ['sqlite', 'postgres'] : ['sqlite']);
    expect(json.postgresSkipped).toBe(!postgres);
    expect(json.errors).toBe(0);
    expect(json.non2xx).toBe(0);
    expect(json.bare.requestsPerSecond).toBeGreaterThan(0);
    expect(json.bare.runs.every((run) => run.requests > 0)).toBe(true);
    for (const engine of json.engines) {
      const result = json.results[engine]!;
      expect(result.tokens).toBeGreaterThan(0);
      for (const workload of [result.installs, result.heartbeat]) {
        expect(workload.requestsPerSecond).toBeGreaterThan(0);
        expect(workload.p99Ms).toBeGreaterThanOrEqual(0);
        expect(workload.ratio).toBeGreaterThan(0);
        expect(workload.runs.length).toBeGreaterThan(0);
        expect(workload.runs.every((run) => run.requests > 0)).toBe(true);
      }
    }
    expect(json.ratio).toBeGreaterThan(0);
    expect(typeof json.met).toBe('boolean');
    // The bare server and one server per engine, all stopped.
    expect(json.pids).toHaveLength(1 + json.engines.length);
    expect(json.pids.filter(alive)).toEqual([]);
  }, 60_000);
});
