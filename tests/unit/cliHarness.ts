// Spawning the real CLI as a user's shell does: the bundled entry `npm run sim` runs (a tenth of
// the TypeScript loader's start-up), with arguments, optional standard input, and the exit code.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const root = resolve(__dirname, '../..');
const entry = ['src/cli/run.mjs'];

export interface SimResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function sim(args: string[], options: { input?: string | Buffer } = {}): SimResult {
  const result = spawnSync(process.execPath, [...entry, ...args], { cwd: root, encoding: 'utf8', input: options.input, maxBuffer: 1 << 30 });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI as a child process, for tests that talk to it while it runs (signals, slow readers). */
export function simProcess(args: string[], stdout: 'pipe' | number = 'pipe'): ChildProcess {
  return spawn(process.execPath, [...entry, ...args], { cwd: root, stdio: ['ignore', stdout, 'pipe'] });
}

/** Resolves when the child exits, with its code or signal. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

/** Every line of a user error: one line, `error: ...`, no stack trace. */
export function expectOneLineError(result: SimResult, code = 2): string {
  if (result.code !== code || result.stdout !== '' || result.stderr.trim().split('\n').length !== 1 || !/^error: /.test(result.stderr) || /\bat .*\.(ts|js|mjs):\d+/.test(result.stderr)) {
    throw new Error(`expected one error line and exit ${code}, got exit ${result.code}, stdout ${JSON.stringify(result.stdout.slice(0, 200))}, stderr ${JSON.stringify(result.stderr.slice(0, 600))}`);
  }
  return result.stderr.trim();
}
