// Exported scripts run the way a user runs them (`python3 script.py`), but several in one Python
// process: importing Brian2 or PyNN costs seconds of CPU each time, more than most of the runs. The
// driver gives each script a fresh namespace (runpy, as `python3 file.py` would), a fresh Brian2
// scope when Brian2 is loaded (start_scope: the magic network of one script never sees another's
// objects), its own argv and its own captured standard output. Each script sets its own clock,
// seed and code-generation target, as an exported script must.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DRIVER = `
import sys, runpy, io, contextlib, json, traceback, gc
scripts = json.loads(sys.argv[1])
results = {}
for name, path, args in scripts:
    if 'brian2' in sys.modules:
        gc.collect()
        sys.modules['brian2'].start_scope()
    sys.argv = [path] + args
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name='__main__')
        results[name] = {'ok': True, 'stdout': out.getvalue()}
    except BaseException:
        results[name] = {'ok': False, 'stdout': out.getvalue(), 'error': traceback.format_exc()[-3000:]}
sys.__stdout__.write('@@results@@' + json.dumps(results) + '\\n')
`;

export interface PythonScript {
  name: string;
  text: string;
  args?: string[];
}

export interface PythonRun {
  ok: boolean;
  stdout: string;
  error?: string;
}

/**
 * Run scripts in one Debian /usr/bin/python3 process; resolves with each script's output by name.
 * Rejects (with what Python said) when Python itself could not run, e.g. a missing package.
 */
export function runPythonBatch(scripts: PythonScript[], what: string): Promise<Record<string, PythonRun>> {
  const dir = mkdtempSync(join(tmpdir(), 'spikebridge-py-'));
  const list = scripts.map((s) => {
    const path = join(dir, `${s.name.replace(/[^A-Za-z0-9_-]/g, '_')}.py`);
    writeFileSync(path, s.text);
    return [s.name, path, s.args ?? []];
  });
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', DRIVER, JSON.stringify(list)], { env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => reject(new Error(`${what} could not start /usr/bin/python3: ${err.message}`)));
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('@@results@@'));
      if (code !== 0 || !line) {
        reject(new Error(`${what} did not run (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line.slice('@@results@@'.length)) as Record<string, PythonRun>);
    });
  });
}

/** The last line a script printed, as JSON; fails with Python's words when the script failed. */
export function lastJsonLine<T>(runs: Record<string, PythonRun>, name: string, what: string): T {
  const run = runs[name];
  if (!run) throw new Error(`${what}: no result for ${name}`);
  if (!run.ok) throw new Error(`${what} refused the export of ${name}: ${run.error?.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as T;
}
