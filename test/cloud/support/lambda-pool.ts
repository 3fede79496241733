/**
 * Lambda as it runs a function: each execution environment is its own Node process (lambda-runner.mjs)
 * with only the environment Lambda gives it (the template's variables, the runtime's own, the role's
 * credentials), serving one invocation at a time; concurrent invocations get more environments.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** The unpacked asset: the bundle's folder. */
  taskRoot: string;
  handler: string;
  timeoutMs: number;
  memoryMb: number;
  environment: Record<string, string>;
}

/** What Lambda reports for a failed invocation (Step Functions puts it in Error and Cause). */
export class LambdaFunctionError extends Error {
  constructor(readonly payload: { errorType: string; errorMessage: string; trace: string[] }) {
    super(payload.errorMessage);
  }
  override get name(): string {
    return this.payload.errorType;
  }
}

interface Environment {
  child: ChildProcess;
  ready: Promise<void>;
  busy: boolean;
}

const RUNNER = fileURLToPath(new URL('./lambda-runner.mjs', import.meta.url));
/** Enough for the Map's fan-out on a 2-core machine; more would only queue on the CPU. */
const MAX_ENVIRONMENTS = 4;

export class LambdaFunction {
  readonly output: string[] = [];
  invocations = 0;
  private readonly environments: Environment[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 0;
  private crashNext = false;

  constructor(readonly spec: FunctionSpec) {}

  async invoke(event: unknown): Promise<unknown> {
    this.invocations++;
    const env = await this.acquire();
    try {
      return await this.send(env, event);
    } finally {
      env.busy = false;
      this.waiting.shift()?.();
    }
  }

  /** Kills every environment, as a crash or a timeout does; running invocations fail with Runtime.ExitError. */
  kill(): void {
    for (const env of this.environments.splice(0)) env.child.kill('SIGKILL');
  }

  /** The next invocation's environment dies right after it gets the event, as a crashed or out-of-memory function does. */
  crashNextInvocation(): void {
    this.crashNext = true;
  }

  private async acquire(): Promise<Environment> {
    for (;;) {
      const idle = this.environments.find((e) => !e.busy && e.child.exitCode === null && e.child.signalCode === null);
      if (idle) {
        idle.busy = true;
        await idle.ready;
        return idle;
      }
      if (this.environments.length < MAX_ENVIRONMENTS) {
        const env = this.start();
        env.busy = true;
        await env.ready;
        return env;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private start(): Environment {
    const { spec } = this;
    const child = fork(RUNNER, [spec.taskRoot, spec.handler, String(spec.timeoutMs), String(spec.memoryMb)], {
      cwd: spec.taskRoot,
      env: spec.environment,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d: Buffer) => this.output.push(d.toString('utf8')));
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`${spec.logicalId} environment exited during init (${code ?? signal}): ${this.output.join('').slice(-2000)}`)));
    });
    const env: Environment = { child, ready, busy: false };
    child.once('exit', () => {
      const i = this.environments.indexOf(env);
      if (i >= 0) this.environments.splice(i, 1);
    });
    this.environments.push(env);
    return env;
  }

  private send(env: Environment, event: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (m: { id?: number; ok?: boolean; payload?: string; error?: LambdaFunctionError['payload'] }) => {
        if (m.id !== id) return;
        env.child.off('message', onMessage);
        env.child.off('exit', onExit);
        if (m.ok) resolve(JSON.parse(m.payload!));
        else reject(new LambdaFunctionError(m.error!));
      };
      const onExit = (code: number | null, signal: string | null) => {
        env.child.off('message', onMessage);
        reject(new LambdaFunctionError({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${signal ? `signal: ${signal.replace('SIG', '').toLowerCase()}` : `exit status ${code}`}`, trace: [] }));
      };
      env.child.on('message', onMessage);
      env.child.once('exit', onExit);
      env.child.send({ id, event });
      if (this.crashNext) {
        this.crashNext = false;
        env.child.kill('SIGKILL');
      }
    });
  }
}
