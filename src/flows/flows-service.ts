/**
 * Flows: agent sessions started on a cron schedule (reference §8), owned by cao-server.
 *
 * A flow is a row in the store plus cao's own copy of its file, CAO_HOME/flows/{name}.flow.md
 * (the prompt template is read from it at each run). Flows come in two ways:
 *
 * - `cao flow add FILE` copies the file there (gate script path made absolute) and asks the
 *   server to load it (`POST /flows/{name}/load`). Only a flow file in CAO_HOME/flows, which
 *   only the user can write, may name a gate script;
 * - `POST /flows` with name, schedule, agent_profile, provider and prompt_template writes the
 *   file itself. It takes no `script`: a gate script runs code on this machine, and an HTTP
 *   request must not be able to set one (the original CAO's #604).
 *
 * Scheduling (see scheduler.ts): one timer for the next due flow; flows run only while
 * cao-server is up, and a flow whose `next_run` passed while the server was down runs once
 * when the server starts (a `catch-up`), not once per missed slot. A flow whose previous run
 * is still processing is skipped and the skip is recorded (see flow-runner.ts). Every run is
 * recorded (`GET /flows/{name}/runs`), shown as last run/outcome in `GET /flows` and
 * `cao flow list`, and published as a `flow.run` event.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Core } from '../core/core.js';
import type { EventBus } from '../core/events.js';
import { turnUsageView, type TurnUsage } from '../core/usage.js';
import { CaoError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { CaoPaths } from '../lib/paths.js';
import { isoNow, systemClock, type Clock } from '../lib/time.js';
import { loadProfile } from '../profiles/discovery.js';
import { DEFAULT_PROVIDER, getProvider } from '../providers/index.js';
import type { FlowRecord, FlowRunRecord, FlowTrigger, Store } from '../store/store.js';
import { assertSchedule, nextRunAfter } from './cron.js';
import {
  FLOW_FILE_SUFFIX,
  assertFlowName,
  assertTemplateFillable,
  flowSessionName,
  formatFlowFile,
  parseFlowFile,
  resolveScriptPath,
  type FlowDefinition,
} from './flow-file.js';
import { executeFlow } from './flow-runner.js';
import { GATE_TIMEOUT_MS, checkGateScript } from './gate-script.js';
import { FlowScheduler, systemTimer, type Timer } from './scheduler.js';

/** A flow as the API returns it: the original CAO's Flow model plus the last run. */
export interface FlowView {
  name: string;
  file_path: string;
  schedule: string;
  agent_profile: string;
  provider: string;
  /** Absolute path, or '' (the original's shape). */
  script: string;
  enabled: boolean;
  last_run: string | null;
  next_run: string | null;
  /** Read from the flow file; null when the file is gone. */
  prompt_template: string | null;
  session_name: string;
  last_outcome: FlowRunRecord['outcome'] | null;
  last_reason: string | null;
  last_session: string | null;
}

export interface FlowRunView {
  id: number;
  flow: string;
  trigger: FlowTrigger;
  executed: boolean;
  outcome: FlowRunRecord['outcome'];
  reason: string | null;
  session_name: string | null;
  terminal_id: string | null;
  message_id: number | null;
  started_at: string;
  /** Tokens and cost of the run's turn, once it ended (core/usage-watch.ts); null before, or
   *  when the agent's CLI keeps no log cao reads. */
  usage: TurnUsage | null;
}

/** What `POST /flows` takes. */
export interface NewFlowInput {
  name: string;
  schedule: string;
  agent_profile: string;
  provider?: string | undefined;
  prompt_template: string;
}

/** What flows need, wired by the composition root (server/main.ts) or a test. */
export interface FlowDeps {
  core: Core;
  store: Store;
  bus: EventBus;
  log: Logger;
  paths: CaoPaths;
  home: string;
  /** The environment gate scripts start from (cao-server's own). */
  agentEnv: Readonly<NodeJS.ProcessEnv>;
}

export interface FlowServiceOptions {
  clock?: Clock;
  timer?: Timer;
  gateTimeoutMs?: number;
}

export class FlowService {
  private readonly clock: Clock;
  private readonly gateTimeoutMs: number;
  private readonly scheduler: FlowScheduler;
  /** Flows with a run in progress (a second run of one is skipped as busy). */
  private readonly running = new Set<string>();

  constructor(
    private readonly deps: FlowDeps,
    o: FlowServiceOptions = {},
  ) {
    this.clock = o.clock ?? systemClock;
    this.gateTimeoutMs = o.gateTimeoutMs ?? GATE_TIMEOUT_MS;
    const { store, log } = deps;
    this.scheduler = new FlowScheduler({
      clock: this.clock,
      timer: o.timer ?? systemTimer,
      log,
      load: async () =>
        (await store.listFlows()).map((f) => ({
          name: f.name,
          schedule: f.schedule,
          enabled: f.enabled,
          nextRun: f.nextRun === null ? undefined : Date.parse(f.nextRun),
        })),
      setNextRun: (name, at) => store.updateFlow(name, { nextRun: iso(at) }),
      run: (name, trigger) => this.run(name, trigger),
    });
  }

  /** Starts the scheduler: overdue flows run once now, the timer is set for the next one. */
  start(): Promise<void> {
    return this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
  }

  /** When the scheduler's timer fires next (epoch ms). */
  get nextWakeAt(): number | undefined {
    return this.scheduler.nextWakeAt;
  }

  async list(): Promise<FlowView[]> {
    return Promise.all((await this.deps.store.listFlows()).map((f) => this.view(f)));
  }

  async get(name: string): Promise<FlowView> {
    return this.view(await this.record(name));
  }

  async runs(name: string, limit: number): Promise<FlowRunView[]> {
    await this.record(name);
    const runs = await this.deps.store.listFlowRuns(name, limit);
    const ids = runs.flatMap((r) => (r.messageId === null ? [] : [r.messageId]));
    const usage = new Map(
      (await this.deps.store.turnUsageOf(ids)).map((u) => [u.messageId, turnUsageView(u)]),
    );
    return runs.map((r) => ({
      ...runView(r),
      usage: (r.messageId !== null && usage.get(r.messageId)) || null,
    }));
  }

  /** `POST /flows`: writes CAO_HOME/flows/{name}.flow.md (never with a script) and adds it. */
  async create(input: NewFlowInput, o: { force?: boolean } = {}): Promise<FlowView> {
    const def: FlowDefinition = {
      name: assertFlowName(input.name),
      schedule: assertSchedule(input.schedule),
      agentProfile: input.agent_profile,
      provider: input.provider,
      script: undefined,
      promptTemplate: input.prompt_template.trim(),
    };
    if (def.promptTemplate === '')
      throw new CaoError('INVALID_INPUT', "'prompt_template' is empty: give the prompt to send.");
    const provider = this.validate(def);
    await this.refuseDuplicate(def.name, o.force);
    const file = this.fileOf(def.name);
    writeAtomically(file, formatFlowFile(def));
    return this.save(def, provider, undefined, file);
  }

  /**
   * `cao flow add FILE`: the flow file's text, checked here (front matter, schedule, profile,
   * provider, gate script, template) and copied to CAO_HOME/flows with the gate script's path
   * made absolute (`baseDir`: the folder a relative script is taken from). Editing or moving
   * the user's file later changes nothing; adding it again with `force` does.
   */
  async add(
    text: string,
    o: { source: string; baseDir: string; force?: boolean },
  ): Promise<{ flow: FlowView; replaced: boolean }> {
    const def = parseFlowFile(text, o.source);
    if (def.script !== undefined && !isAbsolute(def.script) && !isAbsolute(o.baseDir)) {
      throw new CaoError(
        'INVALID_INPUT',
        `'base_dir' must be an absolute path, got '${o.baseDir}'.`,
      );
    }
    const script = def.script === undefined ? undefined : resolveScriptPath(def.script, o.baseDir);
    const provider = this.validate({ ...def, script });
    const replaced = (await this.deps.store.getFlow(def.name)) !== undefined;
    await this.refuseDuplicate(def.name, o.force);
    const file = this.fileOf(def.name);
    writeAtomically(file, formatFlowFile({ ...def, script }));
    return { flow: await this.save(def, provider, script, file), replaced };
  }

  /**
   * `POST /flows/{name}/load`: adds (or with `force` replaces) the flow from its file in
   * CAO_HOME/flows, where `cao flow add` put it. The file's gate script is accepted: only
   * someone who can write cao's home could have named it.
   */
  async load(name: string, o: { force?: boolean } = {}): Promise<FlowView> {
    const file = this.fileOf(assertFlowName(name));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CaoError(
        'NOT_FOUND',
        `Flow file ${file} not found. 'cao flow add FILE' puts it there; cao and cao-server must use the same CAO_HOME_DIR.`,
      );
    }
    const def = parseFlowFile(text, file);
    if (def.name !== name) {
      throw new CaoError(
        'INVALID_INPUT',
        `Flow file ${file} names the flow '${def.name}', not '${name}': a flow file must be called <name>${FLOW_FILE_SUFFIX}.`,
      );
    }
    const script =
      def.script === undefined ? undefined : resolveScriptPath(def.script, dirname(file));
    const provider = this.validate({ ...def, script });
    await this.refuseDuplicate(name, o.force);
    return this.save(def, provider, script, file);
  }

  /** Deletes the flow, its file and its run history; its session (if any) is left alone. */
  async remove(name: string): Promise<void> {
    const flow = await this.record(name);
    await this.deps.store.deleteFlow(flow.name);
    rmSync(this.fileOf(flow.name), { force: true });
    await this.scheduler.reschedule();
  }

  /** Enabling computes the next run from now (missed slots are not caught up). */
  async setEnabled(name: string, enabled: boolean): Promise<FlowView> {
    const flow = await this.record(name);
    const nextRun = enabled ? iso(nextRunAfter(flow.schedule, this.clock.now())) : null;
    await this.deps.store.updateFlow(flow.name, { enabled, nextRun });
    await this.scheduler.reschedule();
    return this.get(flow.name);
  }

  /** Runs the flow now (or as the scheduler's trigger) and records the outcome. */
  async run(name: string, trigger: FlowTrigger = 'manual'): Promise<FlowRunView> {
    const flow = await this.record(name);
    const { store, bus, log } = this.deps;
    const startedAt = isoNow(this.clock);
    await store.updateFlow(flow.name, { lastRun: startedAt });
    let result;
    if (this.running.has(flow.name)) {
      result = {
        flowName: flow.name,
        startedAt,
        trigger,
        outcome: 'skipped-busy' as const,
        reason: 'the previous run of this flow is still starting its session',
        session: flowSessionName(flow.name),
        terminalId: null,
        messageId: null,
      };
    } else {
      this.running.add(flow.name);
      try {
        result = await executeFlow(
          { ...this.deps, clock: this.clock, gateTimeoutMs: this.gateTimeoutMs },
          flow,
          trigger,
        );
      } finally {
        this.running.delete(flow.name);
      }
    }
    if (!(await store.getFlow(flow.name))) {
      // removed while it ran: nothing to record it under
      return { ...runView({ ...result, id: 0 }), usage: null };
    }
    const record = await store.insertFlowRun(result);
    log.info('flow run', {
      flow: flow.name,
      trigger,
      outcome: record.outcome,
      reason: record.reason,
      session: record.session,
    });
    bus.publish({
      type: 'flow.run',
      flow: record.flowName,
      trigger: record.trigger,
      outcome: record.outcome,
      reason: record.reason,
      session: record.session,
      terminal_id: record.terminalId,
      message_id: record.messageId,
    });
    // a run just started: its turn has not ended yet
    return { ...runView(record), usage: null };
  }

  private async record(name: string): Promise<FlowRecord> {
    const flow = await this.deps.store.getFlow(assertFlowName(name));
    if (!flow) {
      throw new CaoError(
        'NOT_FOUND',
        `Flow '${name}' not found. List flows with 'cao flow list'; add one with 'cao flow add FILE'.`,
      );
    }
    return flow;
  }

  private fileOf(name: string): string {
    return join(this.deps.paths.flows, `${name}${FLOW_FILE_SUFFIX}`);
  }

  /** Profile, provider, gate script and template checks; returns the provider id to use. */
  private validate(def: FlowDefinition): string {
    const { paths, home } = this.deps;
    loadProfile(def.agentProfile, { paths, home });
    const provider = getProvider(def.provider ?? DEFAULT_PROVIDER).id;
    if (def.script !== undefined) checkGateScript(def.script);
    assertTemplateFillable(def);
    return provider;
  }

  private async refuseDuplicate(name: string, force: boolean | undefined): Promise<void> {
    if (force) return;
    const existing = await this.deps.store.getFlow(name);
    if (existing) {
      throw new CaoError(
        'CONFLICT',
        `Flow '${name}' already exists (schedule "${existing.schedule}", agent ${existing.agentProfile}). ` +
          `Replace it with 'cao flow add FILE --force' ("force": true over the API), or remove it first with 'cao flow remove ${name}'.`,
      );
    }
  }

  /** Stores the flow; a replaced flow keeps its enabled state, last run and history. */
  private async save(
    def: FlowDefinition,
    provider: string,
    script: string | undefined,
    file: string,
  ): Promise<FlowView> {
    const { store } = this.deps;
    const previous = await store.getFlow(def.name);
    const enabled = previous?.enabled ?? true;
    await store.upsertFlow({
      name: def.name,
      filePath: file,
      schedule: def.schedule,
      agentProfile: def.agentProfile,
      provider,
      script: script ?? null,
      enabled,
      lastRun: previous?.lastRun ?? null,
      nextRun: enabled ? iso(nextRunAfter(def.schedule, this.clock.now())) : null,
      createdAt: previous?.createdAt ?? isoNow(this.clock),
    });
    await this.scheduler.reschedule();
    return this.get(def.name);
  }

  private async view(f: FlowRecord): Promise<FlowView> {
    const last = (await this.deps.store.listFlowRuns(f.name, 1))[0];
    let prompt: string | null = null;
    try {
      prompt = parseFlowFile(readFileSync(f.filePath, 'utf8'), f.filePath).promptTemplate;
    } catch {
      // the file is gone or broken; the next run says so
    }
    return {
      name: f.name,
      file_path: f.filePath,
      schedule: f.schedule,
      agent_profile: f.agentProfile,
      provider: f.provider,
      script: f.script ?? '',
      enabled: f.enabled,
      last_run: f.lastRun,
      next_run: f.nextRun,
      prompt_template: prompt,
      session_name: flowSessionName(f.name),
      last_outcome: last?.outcome ?? null,
      last_reason: last?.reason ?? null,
      last_session: last?.session ?? null,
    };
  }
}

const iso = (at: number | undefined): string | null =>
  at === undefined ? null : new Date(at).toISOString();

function runView(r: FlowRunRecord): Omit<FlowRunView, 'usage'> {
  return {
    id: r.id,
    flow: r.flowName,
    trigger: r.trigger,
    executed: r.outcome === 'executed',
    outcome: r.outcome,
    reason: r.reason,
    session_name: r.session,
    terminal_id: r.terminalId,
    message_id: r.messageId,
    started_at: r.startedAt,
  };
}

/** Writes a private file in one step (a reader never sees half of it). */
function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, file);
}
