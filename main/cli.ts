// Command-line adapter: `gridrewire <command> ...` over the same services as
// the desktop app. Errors a user can cause print one clear line and exit 2.

import { describeFileError, describeWorkerStartError, isErrnoError } from './cli/fs-errors';
import { pfCommand } from './cli/pf';
import { n1Command } from './cli/n1';
import { datasetCommand } from './cli/dataset';
import { trainCommand } from './cli/train';
import { predictCommand } from './cli/predict';
import { compareCommand } from './cli/compare';
import { demoCommand } from './cli/demo';
import { runsCommand } from './cli/runs';
import { explainCommand } from './cli/explain';
import { workerCommand } from './cli/worker';
import { robustnessCommand } from './cli/robustness';
import { graphonCommand } from './cli/graphon';
import { compressCommand } from './cli/compress';
import { reportCommand } from './cli/report';
import { backendsCommand } from './cli/backends';
import { reproduceCommand } from './cli/reproduce';

type Command = (argv: string[], out: (s: string) => void, err: (s: string) => void) => number | Promise<number>;

const commands: Record<string, { run: Command; help: string }> = {
  pf: { run: pfCommand, help: 'pf <case.m> [--dc] [--enforce-q-lims] [--json]\n      solve one AC (or DC) power flow' },
  n1: { run: n1Command, help: 'n1 <case.m> [--mode ac|dc] [--gens] [--contingencies <contab.m> | --elements 1,5,9-12] [--workers N | --cluster <redis-url>] [--json] [--csv <file>]\n      N-1 contingency analysis, worst first; --db stores the run, --resume <id> finishes it; --cluster runs it on workers' },
  runs: { run: runsCommand, help: 'runs [--db <file>] [--json]\n      stored N-1 runs with their status and verdict counts' },
  dataset: { run: datasetCommand, help: 'dataset <case.m> [--scenarios <chgtab.m>] [--hours N] [--random N] [--seed S] --db <file>\n      build an N-1 surrogate dataset (labels from the exact engine); prints its id' },
  train: { run: trainCommand, help: 'train --db <file> --dataset <id> [--method dense|static|set|rigl|adaptive] [--regrow random|ch3l3|gradient] [--sparsity 0.9] [--epochs N] [--seed S] [--workers N] [--backend cpu|tfjs|auto] [--resume <run>] [--json]\n      train a sparse graph-network surrogate, print test metrics' },
  backends: { run: backendsCommand, help: 'backends [--json]\n      the learning backends (ours, TensorFlow.js GPU / native / pure JS): loaded, device, why not' },
  predict: { run: predictCommand, help: 'predict --db <file> --model <id> <case.m> [--json]\n      predict every branch outage of an operating point with a stored surrogate, ranked' },
  compare: { run: compareCommand, help: 'compare --db <file> --dataset <id> [--epochs N] [--sparsity 0.9] [--json]\n      train every topology method on one dataset, one table with the DC-LODF screen' },
  explain: { run: explainCommand, help: 'explain --db <file> --model <id> (--case <file.m> | --scenario <id>) --branch <row> [--top K] [--exact] [--json] | explain --fidelity --db <file> --model <id> [--dataset <id>] [--json]\n      which connections, buses and branches drive a surrogate verdict, beside the exact physics; --fidelity measures it' },
  worker: { run: workerCommand, help: 'worker --redis <redis-url> [--concurrency N] [--lock-seconds S] [--name X]\n      compute chunks of --cluster N-1 runs and datasets from a BullMQ queue on Redis, until stopped' },
  robustness: { run: robustnessCommand, help: 'robustness --db <file> --model <id> [--perturbations random,weight,reverse,shuffle,noise] [--draws N] [--seed S] [--outages N] [--json]\n      how a stored surrogate\'s test figures degrade as its connections are removed, shuffled or noised; stored with the model' },
  compress: { run: compressCommand, help: 'compress --db <file> --model <id> [--prune [layer|global:]F,...] [--quantize int8,int8-affine,fp16|none] [--finetune N] [--json]\n      prune and quantize a stored surrogate; every combination stored as a model and measured (size, accuracy, flips, latency)' },
  graphon: { run: (argv, out) => graphonCommand(argv, out), help: 'graphon --db <file> --model <id> [--blocks K] [--json]\n      degree-sorted block densities of each sparse layer\'s mask (before and after training); stored with the model' },
  report: { run: reportCommand, help: 'report --db <file> --run <id> --format html|pdf|csv|xlsx|json --out <path> [--compare-to <run>] [--detail N] [--model <id>|none]\n      the contingency report of a stored N-1 run (CSV: a second file of violations)' },
  reproduce: { run: reproduceCommand, help: 'reproduce fashion-mnist|mnist|mutag|proteins [--methods set,ch3l3,rigl,dense] [--epochs N] [--seeds N] [--sparsity 0.99] [--limit N] [--db <file>] [--json] [--out <file.md|.json>]\n      a paper\'s benchmark with our sparse training (MLP at 1% density on the images), the table as it fills beside the published figures; stored, resumable' },
  demo: { run: demoCommand, help: 'demo [--db <file>]\n      end to end on the bundled case_ACTIVSg200: dataset, adaptive+CH3-L3 training, evaluation' },
};

const HELP = `GridRewire: N-1 contingency analysis and sparse graph-network surrogates.

usage: gridrewire <command> [options]

commands:
${Object.values(commands).map((c) => '  ' + c.help).join('\n')}
`;

export async function main(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s + '\n');
  const err = (s: string) => process.stderr.write(s + '\n');
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') { out(HELP); return name ? 0 : 2; }
  const cmd = commands[name];
  if (!cmd) { err(`gridrewire: unknown command '${name}'\n\n${HELP}`); return 2; }
  try {
    return await cmd.run(rest, out, err);
  } catch (e) {
    const line = userErrorLine(e);
    if (line === null) throw e;
    err(`gridrewire ${name}: ${line}`);
    return 2;
  }
}

/** The one line for an error the user can act on (exit 2), or null for a bug (stack trace, exit 70).
 *  Named errors (UsageError, StoreError, CaseParseError, FileError, ...) carry their own message;
 *  a bare fs error (ENOENT, EACCES, EISDIR, ENOSPC, EMFILE, ...) is described from its code. */
export function userErrorLine(e: unknown): string | null {
  if (isErrnoError(e)) return describeFileError(e);
  const worker = describeWorkerStartError(e);
  if (worker !== null) return worker;
  if (e instanceof Error && e.name !== 'Error' && e.name !== 'TypeError' && e.name !== 'RangeError') return e.message;
  return null;
}

/** Entry used by bin/gridrewire.js and `node out/main/cli.js`. */
export function run(argv: string[] = process.argv.slice(2)): void {
  // A reader that goes away (`gridrewire runs | head -1`) is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(argv).then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`gridrewire: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  });
}

if (require.main === module) run();
