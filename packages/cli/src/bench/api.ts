/**
 * Benchmark `api` (SYSTEM.md §8): device API throughput and p99 latency on SQLite and PostgreSQL,
 * against a bare Fastify endpoint measured in the same run, and the server's peak memory.
 *
 * Every server is a real separate process: `bluezone serve --port 0` (fresh temporary data
 * directory and SQLite file, or a fresh `BLUEZONE_DB_SCHEMA` on `DATABASE_URL` that is dropped
 * afterwards; log level `warn`, no background jobs), and `bare-fastify-server.js`, one trivial
 * JSON POST handler on the same `fastify` the server uses. autocannon runs in this process,
 * with the same settings for every target:
 *
 * - `POST /v1/installs`: registrations, each request one of 4,096 pre-generated random valid
 *   bodies (platform, app version, province, district of that province or none, locale);
 * - `POST /v1/heartbeat`: heartbeats, cycling through the device tokens of installs registered
 *   (over HTTP) just before, one token per request in turn across all connections;
 * - the baseline: the same install bodies posted to the bare endpoint.
 *
 * After a warm-up of each target, rounds run every workload once, rotating which goes first, so
 * that the machine's noise hits all of them; the figures are medians over the rounds. Any error,
 * timeout or unexpected status fails the benchmark. The servers' peak resident memory is their
 * `VmHWM` (Linux) read just before they are stopped; the server, client and whole-machine CPU
 * time of every run is read from `/proc` for the notes. PostgreSQL is skipped, with a note on
 * stderr, when `DATABASE_URL` is unset.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAdminUnits, openPostgres } from '@bluezone/server';
import autocannon from 'autocannon';
import { median, peakRssMb } from './stats.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport, Measurement } from './types.js';

const GOAL_RATIO = 0.5;
const GOAL_P99_MS = 50;
const GOAL_PEAK_MB = 300;
const BODY_POOL = 4096;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** The two database engines; PostgreSQL runs only with `DATABASE_URL`. */
type ApiEngine = 'sqlite' | 'postgres';

const ENGINE_NAMES: Readonly<Record<ApiEngine, string>> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

interface Settings {
  readonly connections: number;
  /** Seconds per measured run. */
  readonly duration: number;
  readonly rounds: number;
  /** Seconds of each warm-up run (heartbeats, baseline). */
  readonly warmup: number;
  /** Installs registered before the runs; their tokens are the heartbeat workload's. */
  readonly tokens: number;
}

const FULL: Settings = { connections: 10, duration: 2, rounds: 5, warmup: 0.5, tokens: 3000 };
const QUICK: Settings = { connections: 10, duration: 0.5, rounds: 1, warmup: 0.25, tokens: 200 };

/** A started child process that listens on `url`. */
interface Target {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** The last few kB of its output, for error messages. */
  readonly output: () => string;
}

/** One request: what autocannon sends next. */
interface NextRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface Workload {
  readonly key: string;
  readonly label: string;
  readonly target: Target;
  readonly path: string;
  readonly status: number;
  readonly next: () => NextRequest;
}

interface CpuUse {
  /** CPU seconds the target process used. */
  readonly serverSeconds: number;
  /** Cores the target process kept busy on average. */
  readonly server: number;
  /** Cores this process (autocannon) kept busy. */
  readonly client: number;
  /** Cores the whole machine kept busy (PostgreSQL included). */
  readonly machine: number;
}

interface RunResult {
  readonly requestsPerSecond: number;
  /** Server CPU time per request, µs (undefined where `/proc` is not available). */
  readonly serverCpuUs: number | undefined;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly seconds: number;
  readonly cpu: CpuUse | undefined;
}

interface WorkloadSummary {
  readonly requestsPerSecond: number;
  readonly serverCpuUs: number | undefined;
  readonly p99Ms: number;
  readonly worstP99Ms: number;
  readonly cpu: CpuUse | undefined;
  readonly runs: readonly RunResult[];
}

// ---------------------------------------------------------------------------------------------
// Processes

const BIN = fileURLToPath(new URL('../../bin/bluezone.js', import.meta.url));
/** The compiled runner (this file is src/bench/api.ts under Vitest and dist/bench/api.js when built). */
const BARE_RUNNER = fileURLToPath(new URL('../../dist/bench/bare-fastify-server.js', import.meta.url));

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves true when `promise` settles within `ms`, false otherwise; leaves no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The environment of a child: ours without any Bluezone setting, plus `settings`. */
function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('BLUEZONE_') && name !== 'DATABASE_URL') env[name] = value;
  }
  return { ...env, BLUEZONE_LOG_LEVEL: 'warn', BLUEZONE_JOBS: 'false', ...settings };
}

/**
 * Spawns `node <args…>`, adds it to `children` at once (so that it is stopped whatever happens
 * next) and waits for the line that names its URL.
 */
async function startTarget(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  children: ChildProcess[],
): Promise<Target> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let tail = '';
  const url = await new Promise<string>((resolve, reject) => {
    let found = false;
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s; output:\n${tail}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
      if (found) return;
      const match = /listening on (http:\/\/[^\s)]+)/.exec(tail);
      if (match) {
        found = true;
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening; output:\n${tail}`));
    });
  });
  if (child.pid === undefined) throw new Error(`${name} has no process id`);
  return { name, child, pid: child.pid, url, output: () => tail };
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || !running(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  if (await within(exited, STOP_TIMEOUT_MS)) return;
  child.kill('SIGKILL');
  await within(exited, STOP_TIMEOUT_MS);
}

/** A process's peak resident set (`VmHWM`) in MB; undefined where `/proc` is not available. */
function processPeakRssMb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; absent elsewhere)

interface CpuSnapshot {
  readonly at: bigint;
  /** utime + stime of the target, in clock ticks. */
  readonly server: number;
  /** user + system µs of this process. */
  readonly client: number;
  readonly machineBusy: number;
  readonly machineTotal: number;
}

/** `/proc` reports process times in USER_HZ, 100 per second on Linux. */
const CLOCK_TICKS = 100;

function cpuSnapshot(pid: number): CpuSnapshot | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const server = Number(fields[11]) + Number(fields[12]);
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const usage = process.cpuUsage();
    return {
      at: process.hrtime.bigint(),
      server,
      client: usage.user + usage.system,
      machineBusy: total - idle,
      machineTotal: total,
    };
  } catch {
    return undefined;
  }
}

function cpuBetween(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): CpuUse | undefined {
  if (!a || !b) return undefined;
  const seconds = Number(b.at - a.at) / 1e9;
  const machineTotal = b.machineTotal - a.machineTotal;
  const serverSeconds = (b.server - a.server) / CLOCK_TICKS;
  return {
    serverSeconds,
    server: serverSeconds / seconds,
    client: (b.client - a.client) / 1e6 / seconds,
    machine: machineTotal > 0 ? ((b.machineBusy - a.machineBusy) / machineTotal) * cpus().length : 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Load

type AutocannonRequest = autocannon.Request;

function failure(workload: Workload, result: autocannon.Result, detail: string): Error {
  const statuses = JSON.stringify(result.statusCodeStats ?? {});
  const { child } = workload.target;
  const state = running(child) ? 'still running' : `exited (${child.exitCode ?? child.signalCode})`;
  return new Error(
    `bench api: ${workload.label} on ${workload.target.name} failed: ${detail} (requests ${result.requests.total}, errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, statuses ${statuses}); the server ${state}, its output:\n${workload.target.output()}`,
  );
}

/** One autocannon run of `workload`, for `duration` seconds or `amount` requests. */
async function load(
  workload: Workload,
  settings: Settings,
  run: { readonly duration?: number; readonly amount?: number },
  onResponse?: (status: number, body: string) => void,
): Promise<RunResult> {
  const request: AutocannonRequest = {
    method: 'POST',
    path: workload.path,
    setupRequest: (req) => {
      const next = workload.next();
      return { ...req, headers: next.headers, body: next.body };
    },
    ...(onResponse ? { onResponse } : {}),
  };
  const before = cpuSnapshot(workload.target.pid);
  const result = await autocannon({
    url: `${workload.target.url}${workload.path}`,
    method: 'POST',
    connections: settings.connections,
    timeout: 10,
    // Give up early (and fail) when the target stops answering.
    bailout: 100,
    // autocannon stops at its first sample tick after the duration: tick often for short runs.
    sampleInt: 100,
    ...(run.amount === undefined ? { duration: run.duration ?? settings.duration } : { amount: run.amount }),
    requests: [request],
  });
  const cpu = cpuBetween(before, cpuSnapshot(workload.target.pid));
  if (result.errors > 0 || result.timeouts > 0) throw failure(workload, result, 'connection errors');
  if (result.non2xx > 0 || result.mismatches > 0) throw failure(workload, result, 'unexpected responses');
  const expected = result.statusCodeStats?.[`${workload.status}`]?.count ?? 0;
  if (result.requests.total === 0 || expected !== result.requests.total) {
    throw failure(workload, result, `not every response was ${workload.status}`);
  }
  const requestsPerSecond = result.requests.total / result.duration;
  return {
    requestsPerSecond,
    serverCpuUs: cpu ? (cpu.serverSeconds / result.requests.total) * 1e6 : undefined,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    seconds: result.duration,
    cpu,
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

/** `count` random valid `POST /v1/installs` bodies. */
function installBodies(count: number): string[] {
  const units = loadAdminUnits();
  const provinces = [...units.provinces.keys()];
  const districts = new Map<string, string[]>();
  for (const d of units.districts.values()) {
    const list = districts.get(d.provinceCode) ?? [];
    list.push(d.code);
    districts.set(d.provinceCode, list);
  }
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
  const versions = ['4.0.3', '4.1.0', '4.2.1', '5.0.0', '5.0.1-beta.2'];
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = Math.random();
    const provinceCode = pick(provinces);
    const inProvince = districts.get(provinceCode) ?? [];
    const body: Record<string, string | null> = {
      platform: r < 0.7 ? 'android' : r < 0.98 ? 'ios' : 'web',
      appVersion: pick(versions),
      provinceCode,
      locale: Math.random() < 0.9 ? 'vi' : 'en',
    };
    const d = Math.random();
    if (d < 0.8 && inProvince.length > 0) body['districtCode'] = pick(inProvince);
    else if (d < 0.9) body['districtCode'] = null;
    bodies.push(JSON.stringify(body));
  }
  return bodies;
}

/** Round-robin over `items`, shared by every connection. */
function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => {
    const item = items[i]!;
    i = (i + 1) % items.length;
    return item;
  };
}

const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };

// ---------------------------------------------------------------------------------------------
// The benchmark

function summarize(runs: readonly RunResult[]): WorkloadSummary {
  const samples = runs.map((r) => r.cpu).filter((c): c is CpuUse => c !== undefined);
  const cpuUs = runs.map((r) => r.serverCpuUs).filter((c): c is number => c !== undefined);
  return {
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    serverCpuUs: cpuUs.length === 0 ? undefined : median(cpuUs),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    worstP99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    cpu:
      samples.length === 0
        ? undefined
        : {
            serverSeconds: median(samples.map((c) => c.serverSeconds)),
            server: median(samples.map((c) => c.server)),
            client: median(samples.map((c) => c.client)),
            machine: median(samples.map((c) => c.machine)),
          },
    runs,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

interface EngineResult {
  readonly engine: ApiEngine;
  readonly target: Target;
  readonly tokens: number;
  installs?: WorkloadSummary;
  heartbeat?: WorkloadSummary;
  peakRssMb?: number | undefined;
}

async function run(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const settings = options.quick ? QUICK : FULL;
  const databaseUrl = process.env['DATABASE_URL']?.trim() || undefined;
  const engines: ApiEngine[] = databaseUrl ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!databaseUrl) process.stderr.write('bench api: DATABASE_URL is not set; PostgreSQL skipped\n');
  if (!existsSync(BARE_RUNNER)) {
    throw new Error(`bench api: ${BARE_RUNNER} is missing; build first (npx tsc -b)`);
  }

  const bodies = installBodies(BODY_POOL);
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) if (running(child)) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const dataDir = mkdtempSync(join(tmpdir(), 'bluezone-bench-api-'));
  const schema = `bz_bench_${randomBytes(6).toString('hex')}`;
  let bareRss: number | undefined;
  const pids: number[] = [];

  try {
    const startEngine = (engine: ApiEngine) =>
      startTarget(
        `bluezone serve (${ENGINE_NAMES[engine]})`,
        engine === 'sqlite'
          ? [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--db', join(dataDir, 'bench.db')]
          : [BIN, 'serve', '--host', '127.0.0.1', '--port', '0'],
        childEnv(
          engine === 'sqlite'
            ? { BLUEZONE_DATA_DIR: join(dataDir, 'sqlite') }
            : {
                BLUEZONE_DATA_DIR: join(dataDir, 'postgres'),
                DATABASE_URL: databaseUrl!,
                BLUEZONE_DB_SCHEMA: schema,
              },
        ),
        children,
      );
    const started = await Promise.allSettled([
      startTarget('bare Fastify', [BARE_RUNNER], childEnv({}), children),
      ...engines.map(startEngine),
    ]);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [bare, ...servers] = started.map((s) => (s as PromiseFulfilledResult<Target>).value) as [
      Target,
      ...Target[],
    ];
    pids.push(bare.pid, ...servers.map((s) => s.pid));

    const bareWorkload: Workload = {
      key: 'bare',
      label: 'bare Fastify JSON POST',
      target: bare,
      path: '/bare',
      status: 200,
      next: (() => {
        const nextBody = cycle(bodies);
        return () => ({ headers: JSON_HEADERS, body: nextBody() });
      })(),
    };

    const totalSteps = 1 + 2 * engines.length + settings.rounds * (1 + 2 * engines.length);
    let done = 0;
    const step = () => options.progress?.(++done, totalSteps);

    // Warm-up: the baseline; on each server, registering the installs whose tokens heartbeat.
    await load(bareWorkload, settings, { duration: settings.warmup });
    step();
    const results: EngineResult[] = [];
    const workloads: Workload[] = [bareWorkload];
    for (const [i, engine] of engines.entries()) {
      const target = servers[i]!;
      const installs: Workload = {
        key: `${engine}.installs`,
        label: 'POST /v1/installs',
        target,
        path: '/v1/installs',
        status: 201,
        next: (() => {
          const nextBody = cycle(bodies);
          return () => ({ headers: JSON_HEADERS, body: nextBody() });
        })(),
      };
      const tokens: string[] = [];
      await load(installs, settings, { amount: settings.tokens }, (status, body) => {
        if (status === 201) tokens.push((JSON.parse(body) as { deviceToken: string }).deviceToken);
      });
      if (tokens.length !== settings.tokens) {
        throw new Error(
          `bench api: registered ${tokens.length} of ${settings.tokens} installs on ${target.name}`,
        );
      }
      step();
      const heartbeat: Workload = {
        key: `${engine}.heartbeat`,
        label: 'POST /v1/heartbeat',
        target,
        path: '/v1/heartbeat',
        status: 200,
        next: cycle(
          tokens.map((token) => ({
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: '{}',
          })),
        ),
      };
      await load(heartbeat, settings, { duration: settings.warmup });
      step();
      workloads.push(installs, heartbeat);
      results.push({ engine, target, tokens: tokens.length });
    }

    // Measured rounds, rotating which workload goes first.
    const runs = new Map<string, RunResult[]>(workloads.map((w) => [w.key, []]));
    for (let round = 0; round < settings.rounds; round++) {
      for (let k = 0; k < workloads.length; k++) {
        const workload = workloads[(round + k) % workloads.length]!;
        runs.get(workload.key)!.push(await load(workload, settings, {}));
        step();
      }
    }

    bareRss = processPeakRssMb(bare.pid);
    for (const r of results) {
      r.installs = summarize(runs.get(`${r.engine}.installs`)!);
      r.heartbeat = summarize(runs.get(`${r.engine}.heartbeat`)!);
      r.peakRssMb = processPeakRssMb(r.target.pid);
    }
    const baseline = summarize(runs.get('bare')!);
    return report(settings, options.quick, baseline, bareRss, results, databaseUrl === undefined, pids);
  } finally {
    await Promise.all(children.map(stopChild));
    process.removeListener('exit', killAll);
    if (databaseUrl) await dropSchema(databaseUrl, schema);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Drops the benchmark's PostgreSQL schema; a failure is reported on stderr, not thrown. */
async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  try {
    const storage = await openPostgres(databaseUrl, 'public', 1);
    try {
      await storage.db.schema.dropSchema(schema).ifExists().cascade().execute();
    } finally {
      await storage.close();
    }
  } catch (error) {
    process.stderr.write(`bench api: could not drop schema ${schema}: ${(error as Error).message}\n`);
  }
}

const runJson = (x: RunResult) => ({
  requestsPerSecond: round1(x.requestsPerSecond),
  p50Ms: x.p50Ms,
  p99Ms: x.p99Ms,
  requests: x.requests,
  seconds: x.seconds,
  serverCpuUsPerRequest: x.serverCpuUs === undefined ? null : round1(x.serverCpuUs),
});

const summaryJson = (s: WorkloadSummary) => ({
  requestsPerSecond: round1(s.requestsPerSecond),
  p99Ms: s.p99Ms,
  worstP99Ms: s.worstP99Ms,
  serverCpuUsPerRequest: s.serverCpuUs === undefined ? null : round1(s.serverCpuUs),
  cpuCores: s.cpu
    ? { server: round2(s.cpu.server), client: round2(s.cpu.client), machine: round2(s.cpu.machine) }
    : null,
  runs: s.runs.map(runJson),
});

const us = (s: WorkloadSummary) => (s.serverCpuUs === undefined ? 'n/a' : `${s.serverCpuUs.toFixed(0)} µs`);
const cores = (s: WorkloadSummary) =>
  s.cpu === undefined
    ? 'n/a'
    : `${s.cpu.server.toFixed(2)}/${s.cpu.client.toFixed(2)}/${s.cpu.machine.toFixed(2)}`;

/** Bare server CPU per request ÷ ours: the throughput ratio the CPU cost alone would give. */
function cpuRatio(baseline: WorkloadSummary, ours: WorkloadSummary): number | undefined {
  return baseline.serverCpuUs === undefined || ours.serverCpuUs === undefined
    ? undefined
    : baseline.serverCpuUs / ours.serverCpuUs;
}

function report(
  settings: Settings,
  quick: boolean,
  baseline: WorkloadSummary,
  bareRss: number | undefined,
  results: readonly EngineResult[],
  postgresSkipped: boolean,
  pids: readonly number[],
): BenchmarkReport {
  const figures: Measurement[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const p99s: number[] = [];
  const rss: number[] = [];
  const engines: Record<string, unknown> = {};
  for (const r of results) {
    const name = ENGINE_NAMES[r.engine];
    const installs = r.installs!;
    const heartbeat = r.heartbeat!;
    const installsRatio = installs.requestsPerSecond / baseline.requestsPerSecond;
    const heartbeatRatio = heartbeat.requestsPerSecond / baseline.requestsPerSecond;
    figures.push(
      { label: `${name} registrations`, value: installs.requestsPerSecond, unit: 'req/s' },
      { label: `${name} registration p99`, value: installs.p99Ms, unit: 'ms' },
      { label: `${name} heartbeats`, value: heartbeat.requestsPerSecond, unit: 'req/s' },
      { label: `${name} heartbeat p99`, value: heartbeat.p99Ms, unit: 'ms' },
    );
    if (r.peakRssMb !== undefined) {
      figures.push({ label: `${name} server peak RSS`, value: r.peakRssMb, unit: 'MB' });
      rss.push(r.peakRssMb);
    }
    ratios.push(installsRatio, heartbeatRatio);
    const installsCpuRatio = cpuRatio(baseline, installs);
    const heartbeatCpuRatio = cpuRatio(baseline, heartbeat);
    cpuRatios.push(...[installsCpuRatio, heartbeatCpuRatio].filter((x): x is number => x !== undefined));
    p99s.push(installs.p99Ms, heartbeat.p99Ms);
    engines[r.engine] = {
      pid: r.target.pid,
      tokens: r.tokens,
      peakRssMb: r.peakRssMb === undefined ? null : round1(r.peakRssMb),
      installs: {
        ...summaryJson(installs),
        ratio: round2(installsRatio),
        cpuRatio: installsCpuRatio === undefined ? null : round2(installsCpuRatio),
      },
      heartbeat: {
        ...summaryJson(heartbeat),
        ratio: round2(heartbeatRatio),
        cpuRatio: heartbeatCpuRatio === undefined ? null : round2(heartbeatCpuRatio),
      },
    };
  }
  const ratio = Math.min(...ratios);
  const worstP99 = Math.max(...p99s);
  const peak = rss.length > 0 ? Math.max(...rss) : undefined;
  const met = ratio >= GOAL_RATIO && worstP99 < GOAL_P99_MS && (peak === undefined || peak < GOAL_PEAK_MB);
  const all = [baseline, ...results.flatMap((r) => [r.installs!, r.heartbeat!])];
  const requests = all.flatMap((s) => s.runs).reduce((n, x) => n + x.requests, 0);
  const postgres = results.find((r) => r.engine === 'postgres');
  const each = (f: (s: WorkloadSummary) => string) =>
    [
      `bare Fastify ${f(baseline)}`,
      ...results.flatMap((r) => [
        `${ENGINE_NAMES[r.engine]} registration ${f(r.installs!)}`,
        `${ENGINE_NAMES[r.engine]} heartbeat ${f(r.heartbeat!)}`,
      ]),
    ].join(', ');

  const notes: string[] = [
    `server CPU time per request (median): ${each(us)}${cpuRatios.length > 0 ? `; the ratio by CPU cost (bare ÷ ours per request, worst workload) is ${Math.min(...cpuRatios).toFixed(2)}, and depends far less on the machine's load than the throughput ratio` : ''}: the bare handler does only the framework's work, ours adds schema validation, the request hooks, token generation or lookup (SHA-256) and the database statements`,
    `busy cores during the runs, server/autocannon/whole machine (median): ${each(cores)}; the ${cpus().length} cores are shared by autocannon (one thread, in the benchmark process), the server${postgres ? ', PostgreSQL' : ''} and whatever else runs on the machine, so the rates move with the load: compare ratios`,
    "SQLite (better-sqlite3) is synchronous: every statement runs on the server's one JavaScript thread and writes are serialized, each in its own transaction (WAL); a registration is one insert, a heartbeat a token lookup, an idempotent insert of the day and an update",
    postgres
      ? 'PostgreSQL statements are asynchronous over a pool of 10 connections: a registration is one round trip, a heartbeat three, its two writes each committed on their own, so the server process also waits on PostgreSQL, whose backends take CPU from the same cores'
      : 'PostgreSQL skipped: DATABASE_URL is not set',
    `heartbeats cycle through the ${settings.tokens.toLocaleString('en-US')} device tokens registered just before, one per request in turn across all connections; after the first ${settings.tokens.toLocaleString('en-US')} heartbeats most are the day's repeat (insert ignored, update only)`,
    `peak resident memory (VmHWM): ${results.map((r) => `${ENGINE_NAMES[r.engine]} server ${r.peakRssMb === undefined ? 'not measured' : `${r.peakRssMb.toFixed(0)} MB`}`).join(', ')}, bare Fastify ${bareRss === undefined ? 'not measured' : `${bareRss.toFixed(0)} MB`}, benchmark process with autocannon ${peakRssMb().toFixed(0)} MB`,
  ];

  return {
    id: 'api',
    title: 'Device API',
    workload: `POST /v1/installs (random valid bodies) and POST /v1/heartbeat (${settings.tokens.toLocaleString('en-US')} device tokens) on ${results.map((r) => ENGINE_NAMES[r.engine]).join(' and ')}, each server its own process; autocannon with ${settings.connections} connections, ${settings.rounds} interleaved round(s) of ${settings.duration} s per workload, with a bare Fastify JSON POST endpoint (own process) as the baseline`,
    figures,
    baseline: { label: 'bare Fastify JSON POST', value: baseline.requestsPerSecond, unit: 'req/s' },
    ratio,
    goal: `throughput ≥ ${GOAL_RATIO}× bare Fastify (ratio = ours ÷ bare, worst workload); p99 < ${GOAL_P99_MS} ms; server peak RSS < ${GOAL_PEAK_MB} MB`,
    met,
    notes,
    json: {
      id: 'api',
      quick,
      engines: results.map((r) => r.engine),
      postgresSkipped,
      connections: settings.connections,
      durationSeconds: settings.duration,
      rounds: settings.rounds,
      tokens: settings.tokens,
      bare: {
        pid: pids[0],
        peakRssMb: bareRss === undefined ? null : round1(bareRss),
        ...summaryJson(baseline),
      },
      results: engines,
      requests,
      errors: 0,
      non2xx: 0,
      ratio: round2(ratio),
      cpuRatio: cpuRatios.length > 0 ? round2(Math.min(...cpuRatios)) : null,
      worstP99Ms: worstP99,
      peakRssMb: peak === undefined ? null : round1(peak),
      goal: { ratio: GOAL_RATIO, p99Ms: GOAL_P99_MS, peakRssMb: GOAL_PEAK_MB },
      met,
      pids,
    },
  };
}

/** The `api` benchmark: `bluezone bench api [--json] [--quick]`. */
export const apiBenchmark: Benchmark = {
  id: 'api',
  description:
    'Device API: registrations/s and heartbeats/s, p99, server memory, SQLite and PostgreSQL, vs a bare Fastify endpoint',
  run,
};
